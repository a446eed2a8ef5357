/** Result and payload types shared by the contract's channels. */
import type { Rational } from '../time';
import type { BitmapSource, BrushStroke, EngineId, ExportFormat, ProjectDoc, Vertex } from '../project/schema';
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
  /** Left by a session that ended without closing ('crash'), or by this page before it was reloaded ('reload'). */
  reason: 'crash' | 'reload';
  /** When the project file was last saved (null: never saved, or the file is gone). */
  projectSavedAt: string | null;
}

export interface InitialState {
  /** What to show first: the last project or the bundled sample. */
  project: OpenedProject;
  /** Autosaves left behind by a session that did not close cleanly. */
  recovery: RecoveryOffer[];
}

/** What the engine does with the masked region: remove it (inpaint) or extend the frame (outpaint). */
export type JobMode = 'inpaint' | 'outpaint';

/**
 * Everything long-running the host does for the renderer is a task: a render (inpaint/outpaint in
 * an engine process), a mask propagation, an export of a finished render, a model download. One
 * registry gives each its id, cancel, progress (`task.progress`) and end (`task.finished`).
 */
export type TaskKind = 'render' | 'propagate' | 'export' | 'download';
export type TaskState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface TaskProgress {
  /** What it is doing now: an engine stage, "export", or the file being downloaded. */
  stage: string;
  done: number;
  total: number;
  /** `steps`: a model download building its graphs. */
  unit: 'frames' | 'keys' | 'bytes' | 'steps';
}

export interface RenderDetail {
  mode: JobMode;
  engine: EngineId;
  /** Frame range of the source the render covers (inclusive). */
  range: { in: number; out: number };
  /** Frames whose final result exists. */
  finishedFrames: number;
  /** Of those, frames kept from the last run because their inputs did not change. */
  reusedFrames: number;
  totalFrames: number;
  /** The execution provider in use, once the engine has started. */
  device: string | null;
  /** Preview frame refs are `jobs/<taskId>/preview/<index 6 digits>.jpg`. */
  previewPrefix: MediaRef;
  /** Canvas scale of an outpainting render (its frames are larger than the source); null for removal. */
  outpaint: { scaleH: number; scaleW: number } | null;
}

/** A render's result kept in the cache (results.get): what each frame was made from, and its preview. */
export interface StoredResults {
  /** Pass as `renderId` to export.start. */
  resultId: string;
  /** Frames of the range the last completed run made; `fingerprint` is common/project/fingerprint.ts's. */
  frames: { index: number; fingerprint: string; ref: MediaRef }[];
}

export interface PropagateDetail {
  layerId: string;
  shapeId: string | null;
  fromFrame: number;
  toFrame: number;
  /** Keys created so far. */
  keys: number;
}

export interface ExportDetail {
  /** The finished render being exported. */
  renderId: string;
  path: string;
  format: ExportFormat;
}

export interface DownloadDetail {
  /** Model files fetched so far (complete files already on disk are skipped). */
  files: number;
  /** What the download does now: fetch a file, check it, or build the graphs from the weights. */
  phase?: 'download' | 'verify' | 'build';
  /** Of the file being fetched, over the last seconds; absent until measurable. */
  bytesPerSecond?: number;
  /** Time left for the file being fetched; null when unknown. */
  etaSeconds?: number | null;
}

export interface TaskDetails {
  render: RenderDetail;
  propagate: PropagateDetail;
  export: ExportDetail;
  download: DownloadDetail;
}

interface TaskCommon {
  taskId: string;
  state: TaskState;
  progress: TaskProgress | null;
  /** One line for the person: why it failed, or what it produced; null while running. */
  message: string | null;
  /** ISO time the task was created. */
  createdAt: string;
  /** Wall-clock seconds from start to end, once it has ended. */
  seconds: number | null;
}

/** One task as the host reports it; `kind` tells which `detail` it carries. */
export type Task<K extends TaskKind = TaskKind> = K extends TaskKind ? TaskCommon & { kind: K; detail: TaskDetails[K] } : never;

/**
 * The edit one propagated key carries (main/engine/mask-propagation.ts makes it, the renderer
 * applies it as one undoable command):
 * - a shape: the whole shape key at `frame`, in source pixels;
 * - a brush layer: moved copies of the strokes that applied at the start frame, each starting at
 *   `frame` and held until the next key.
 */
export type PropagatedKeyPatch = { frame: number; vertices: Vertex[] } | { frame: number; strokes: BrushStroke[] };

export interface EngineStatus {
  id: EngineId;
  ready: boolean;
  /** One line: why it is not ready and what to do (e.g. which model file is missing). */
  detail: string;
}

export interface ModelFileStatus {
  file: string;
  state: 'ok' | 'missing' | 'partial' | 'corrupt';
  /** Of the file, or of the partial download. */
  sizeBytes: number | null;
  /** Exact when known (recorded after verification), else approximate for weights, else null. */
  expectedBytes: number | null;
  /** Recorded when the file was verified in this folder (downloaded, imported or built); null before. */
  sha256: string | null;
}

/** A release weight file (raft-things.pth, recurrent_flow_completion.pth, ProPainter.pth). */
export interface ModelWeightStatus extends ModelFileStatus {
  network: 'raft' | 'flowCompletion' | 'generator';
}

/**
 * Where ProPainter's files stand: `none` (no weights, no graphs), `downloading` (a download runs),
 * `partial` (a download stopped part-way; downloading again resumes), `weights` (the weights are
 * present and verified but the ONNX graphs are not built), `ready` (the graphs are there).
 */
export type ModelsStage = 'none' | 'downloading' | 'partial' | 'weights' | 'ready';

export interface ModelsStatus {
  dir: string;
  stage: ModelsStage;
  engines: EngineStatus[];
  /** The release weight files the graphs are built from. */
  weights: ModelWeightStatus[];
  /** The contract's ONNX graphs. */
  files: ModelFileStatus[];
  license: { name: string; url: string; summary: string };
}

export interface ImportedMask {
  source: BitmapSource;
  /** Refs of the decoded mask frames in the cache (PNG, one per frame), for the overlay. */
  framePrefix: MediaRef;
}


/** The frame cache of all media: bytes and frames on disk, and the limit (the user's setting). */
export interface FrameCacheUsage {
  usedBytes: number;
  limitBytes: number;
  frames: number;
}

/** What a bug report needs (`cleanplate doctor`, the About box). */
export interface Diagnostics {
  app: string;
  platform: string;
  ffmpeg: { path: string | null; origin: string | null; version: string | null; error: string | null };
  ffprobe: { path: string | null; origin: string | null; version: string | null; error: string | null };
  onnxruntime: { version: string | null; providers: Array<{ name: string; loads: boolean; detail: string }>; error: string | null };
  models: { dir: string; propainter: string };
  dataFolder: string;
  node: string;
  electron: string | null;
}
