/**
 * The renderer's only door to the host. In Electron it wraps `window.cleanplate` (the preload's
 * contextBridge API); in a browser it talks to the web host. Both are built from the same contract
 * table, so the rest of the renderer cannot tell which host it runs in. The app connects once
 * (`connectHost()` in main.tsx) and hands the connection to its editor; nothing connects at import.
 *
 *   await host.api.project.open({ path })            // throws ContractError { code, message }
 *   const off = host.onEvent('job.frame', (p) => …)   // off() unsubscribes
 *   <img src={host.mediaUrl(ref)}>
 */
import type { Bridge, BridgeCalls } from '../../common/contract/api';
import type { CallArgs, CallName, CallResult, EventName, EventPayload } from '../../common/contract/channels';
import type { MediaRef } from '../../common/contract/define';
import type { AppInfo } from '../../common/contract/types';
import { ContractError } from './contract-error';
import { createWebBridge } from './web-client';
import type { ConnectionState, WebBridge } from './web-client';

export type { ConnectionState } from './web-client';

export { ContractError } from './contract-error';

type GroupOf<K extends string> = K extends `${infer G}.${string}` ? G : never;
type MethodOf<K extends string, G extends string> = K extends `${G}.${infer M}` ? M : never;
type Call<K extends CallName> = {} extends CallArgs<K> ? (args?: CallArgs<K>) => Promise<CallResult<K>> : (args: CallArgs<K>) => Promise<CallResult<K>>;

/** `api.<group>.<call>(args)`: resolves with the result or throws ContractError. */
export type Api = {
  [G in GroupOf<CallName>]: { [M in MethodOf<CallName, G>]: `${G}.${M}` extends infer K extends CallName ? Call<K> : never };
};

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a browser. */
    cleanplate?: Bridge;
  }
}

/** One connection to the host, as the editor uses it. */
export interface HostConnection {
  readonly api: Api;
  onEvent<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** URL of a cache file: cleanplate-media://cache/<ref> in Electron, /media/<ref> in the web host. */
  mediaUrl(ref: MediaRef): string;
  /** A local path for a file dropped on the window: its own path in Electron, an uploaded copy in the web host. */
  resolveDroppedFile(file: File): Promise<string>;
  /** What this host can do (cached). `nativeDialogs` false: ask for paths in the page instead of api.dialog.*. */
  info(): Promise<AppInfo>;
  /** Whether the host answers (the web host can die or hang; Electron's main process is always there). */
  connection: { state(): ConnectionState; subscribe(listener: (state: ConnectionState) => void): () => void };
}

function unwrap(calls: BridgeCalls): Api {
  const api: Record<string, Record<string, (args?: unknown) => Promise<unknown>>> = {};
  for (const [group, methods] of Object.entries(calls as unknown as Record<string, Record<string, (a: unknown) => Promise<{ ok: boolean; value?: unknown; error?: never }>>>)) {
    api[group] = {};
    for (const [method, invoke] of Object.entries(methods)) {
      api[group][method] = async (args?: unknown) => {
        const envelope = await invoke(args ?? {});
        if (envelope.ok) return envelope.value;
        throw new ContractError(envelope.error ?? { code: 'internal', message: 'The host gave no answer; please retry.' });
      };
    }
  }
  return api as unknown as Api;
}

/** Connects to the host this page runs in: Electron's preload bridge when present, else the web host. */
export function connectHost(): HostConnection {
  const web: WebBridge | null = window.cleanplate ? null : createWebBridge();
  const bridge: Bridge = window.cleanplate ?? web!;
  const api = unwrap(bridge.calls);
  let info: Promise<AppInfo> | null = null;
  return {
    api,
    onEvent: (name, listener) => bridge.on(name, listener),
    mediaUrl: (ref) => bridge.mediaUrl(ref),
    async resolveDroppedFile(file) {
      if (web) return web.upload(file);
      const path = bridge.pathForFile?.(file);
      if (!path) throw new ContractError({ code: 'bad-input', message: `${file.name} is not a file on this computer; drop a file from a folder instead.` });
      return path;
    },
    info() {
      info ??= api.app.info().catch((err) => {
        info = null;
        throw err;
      });
      return info;
    },
    connection: web?.connection ?? { state: () => 'online', subscribe: () => () => undefined },
  };
}
