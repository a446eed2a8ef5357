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
  /**
   * An earlier result of the same source, mode and output size (a video of the whole clip) and the
   * fingerprint of each frame it made (common/project/fingerprint.ts): frames of the range whose
   * fingerprint is unchanged are copied from it instead of being computed again. Needs document or
   * no masks (mask files have no fingerprints).
   */
  reuse?: { video: string; fingerprints: Record<number, string> } | null;
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
  /**
   * Frame `index` (source index) is final: encoded, and its preview written if asked for — or, with
   * `reused`, copied from `spec.reuse`'s result (no preview written: the earlier one stands).
   */
  frame?(index: number, reused?: boolean): void;
  notice?(message: string): void;
}

export interface JobResult {
  frames: number;
  seconds: number;
  peakRssMb: number;
  engine: EngineId;
  device: string;
  output: string;
  /** Renders: the fingerprint of each frame of the range, in order (null for mask files); what `reuse` takes next time. */
  fingerprints?: string[] | null;
  /** Renders: frames of the range copied from `spec.reuse` rather than computed. */
  reused?: number;
}
