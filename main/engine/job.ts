/**
 * What a job is, independent of where it runs (engine process for the app and the web host,
 * in-process for the CLI). `runJob()` (runner.ts) takes a JobSpec and reports through JobHooks.
 */
import type { EngineId, EngineSettings, ExportFormat, ProjectDoc } from '../../common/project/schema';

export type MaskSpec =
  /** A folder of PNGs (one per frame), a single PNG for every frame, or a mask video; white = remove. */
  | { kind: 'files'; path: string }
  /** The project's mask layers, rasterized per frame by common/mask. */
  | { kind: 'document'; doc: ProjectDoc }
  /** No user mask (outpainting: the padding is the hole). */
  | { kind: 'none' };

export type OutputSpec =
  /** A video file; `ffv1` is the lossless intermediate the app keeps for export. */
  | { kind: 'video'; path: string; format: ExportFormat | 'ffv1'; crf?: number }
  /** A folder receiving 00000.png, 00001.png, ... */
  | { kind: 'frames'; dir: string };

export interface JobSpec {
  /** A video file or a folder of frames (jpg/png, name order). */
  input: string;
  masks: MaskSpec;
  mode: 'inpaint' | 'outpaint';
  outpaint?: { scaleH: number; scaleW: number };
  /** Inclusive source frame range to process; frames outside it pass through unchanged. Null = all. */
  range?: { start: number; end: number } | null;
  engine: EngineSettings;
  modelsDir?: string | null;
  output: OutputSpec;
  /** Where to write a preview JPEG per final frame (`<dir>/<index 6 digits>.jpg`), for the UI. */
  previews?: { dir: string; maxWidth: number; maxHeight: number } | null;
}

export interface JobStartInfo {
  engine: EngineId;
  device: string;
  frameCount: number;
  width: number;
  height: number;
  processingWidth: number;
  processingHeight: number;
}

export interface JobHooks {
  started?(info: JobStartInfo): void;
  progress?(stage: string, done: number, total: number): void;
  /** Frame `index` (source index) is final: encoded, and its preview written if asked for. */
  frame?(index: number): void;
  notice?(message: string): void;
}

export interface JobResult {
  frames: number;
  seconds: number;
  peakRssMb: number;
  engine: EngineId;
  device: string;
  output: string;
}
