/** Result and payload types shared by the contract's channels. */
import type { Rational } from '../time';
import type { BitmapSource, EngineId, ProjectDoc } from '../project/schema';
import type { MediaRef } from './define';

export type HostKind = 'electron' | 'web';

export interface AppInfo {
  version: string;
  host: HostKind;
  platform: string;
  /** Electron shows native dialogs; the web host asks for paths in the page. */
  nativeDialogs: boolean;
  /** How a dropped file reaches the host: a filesystem path (Electron) or an upload (web host). */
  fileDrop: 'path' | 'upload';
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  channels: number;
  sampleRate: number;
  language: string | null;
}

export interface ColorInfo {
  range: string | null; // tv | pc
  space: string | null; // bt709, bt470bg, ...
  transfer: string | null;
  primaries: string | null;
}

export interface ProbeResult {
  path: string;
  container: string;
  codec: string;
  /** Coded size, as stored. */
  codedWidth: number;
  codedHeight: number;
  /** Displayed size: coded size with the rotation applied. */
  width: number;
  height: number;
  rotation: 0 | 90 | 180 | 270;
  fps: Rational;
  /** True when frame durations vary (variable frame rate). */
  vfr: boolean;
  frameCount: number;
  durationSec: number;
  pixelFormat: string;
  bitDepth: number;
  color: ColorInfo;
  audio: AudioStreamInfo[];
  /** True for a folder of images or a single image rather than a video file. */
  isImageSequence: boolean;
}

export interface MediaInfo {
  /** Stable id of the opened media (hash of path, size and mtime); names its cache folder. */
  mediaId: string;
  probe: ProbeResult;
  /** Size of the frames in the UI's frame cache. */
  proxy: { width: number; height: number };
}

export interface OpenedProject {
  doc: ProjectDoc;
  /** Where the project is saved; null for a new, unsaved project (and for the bundled sample). */
  path: string | null;
  media: MediaInfo;
  /** Set when the project's source file moved and was found next to the project instead. */
  notice: string | null;
}

export interface RecentProject {
  path: string;
  name: string;
  openedAt: string;
}

export interface RecoveryOffer {
  id: string;
  /** The saved project this autosave belongs to, or null for a never-saved project. */
  projectPath: string | null;
  name: string;
  autosavedAt: string;
}

export interface InitialState {
  /** What to show first: the last project or the bundled sample. */
  project: OpenedProject;
  /** Autosaves left behind by a session that did not close cleanly. */
  recovery: RecoveryOffer[];
}

/** `propagate` = optical-flow mask propagation (job.propagate), which produces keys, not frames. */
export type JobMode = 'inpaint' | 'outpaint' | 'propagate';
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobSummary {
  jobId: string;
  mode: JobMode;
  engine: EngineId;
  state: JobState;
  /** Frame range of the source the job covers (inclusive). */
  range: { in: number; out: number };
  /** Frame indices whose final result exists. */
  finishedFrames: number;
  totalFrames: number;
  device: string | null;
  /** Preview frame refs are `jobs/<jobId>/preview/<index 6 digits>.jpg`. */
  previewPrefix: MediaRef;
  message: string | null;
}

export interface EngineStatus {
  id: EngineId;
  ready: boolean;
  /** One line: why it is not ready and what to do (e.g. which model file is missing). */
  detail: string;
}

export interface ModelFileStatus {
  file: string;
  state: 'ok' | 'missing' | 'partial' | 'corrupt';
  sizeBytes: number | null;
  /** Null when the manifest does not know the size (no published conversion of the weights yet). */
  expectedBytes: number | null;
}

export interface ModelsStatus {
  dir: string;
  engines: EngineStatus[];
  files: ModelFileStatus[];
  license: { name: string; url: string; summary: string };
}

export interface ImportedMask {
  source: BitmapSource;
  /** Refs of the decoded mask frames in the cache (PNG, one per frame), for the overlay. */
  framePrefix: MediaRef;
}

export type ExportState = 'running' | 'done' | 'failed' | 'cancelled';
