/**
 * What a host gives the services: where files live, how to push events, how to start an engine
 * process, and (Electron only) native dialogs. Everything host-specific enters through here, so the
 * services are the same code under Electron and under the web host.
 */
import type { EventName, EventPayload } from '../../common/contract/channels';
import type { HostKind, RecentProject } from '../../common/contract/types';
import type { ExportFormat } from '../../common/project/schema';
import type { EngineToHost, HostToEngine } from '../engine/protocol';
import type { Log } from './log';

export type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

/** A running engine process, seen from the host: Electron's utilityProcess or a Node child process. */
export interface EngineConnection {
  readonly pid: number | undefined;
  send(message: HostToEngine): void;
  onMessage(listener: (message: EngineToHost) => void): void;
  /** Called once when the process ends, for any reason. */
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

/** Starts an engine process; `label` (the task it serves) prefixes its output in the log. */
export type EngineLauncher = (label: string) => EngineConnection;

/** Native file dialogs (Electron). Each resolves to a path, or null when the user cancelled. */
export interface NativeDialogs {
  openVideo(): Promise<string | null>;
  openProject(): Promise<string | null>;
  saveProject(suggestedName: string): Promise<string | null>;
  chooseFolder(title: string): Promise<string | null>;
  saveExport(format: ExportFormat, suggestedName: string): Promise<string | null>;
  chooseMasks(): Promise<string | null>;
}

export interface ServiceContext {
  host: HostKind;
  appVersion: string;
  /** Electron's app.getPath('userData'), or CLEANPLATE_USER_DATA for the web host. */
  userDataDir: string;
  /** Folder holding the bundled sample project (dist/sample, or resources/sample when packaged). */
  sampleDir: string;
  emit: Emit;
  launchEngine: EngineLauncher;
  /** Engine processes alive at once (default: engine-pool.ts defaultEngineLimit). */
  maxEngines?: number;
  /** Null where the host cannot show native dialogs (the web host asks in the page instead). */
  dialogs: NativeDialogs | null;
  log: Log;
  /** A project the OS asked to open at launch (file association), consumed by `app.initialState`. */
  openAtStartup?: () => string | null;
  /** The recent-projects list changed (Electron rebuilds its Open Recent menu). */
  onRecentChanged?: (recent: RecentProject[]) => void;
}
