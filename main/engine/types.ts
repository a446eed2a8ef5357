/**
 * The one interface every inpainting engine implements, and what the job runner gives it.
 *
 * The runner decodes the source at processing size, rasterizes and dilates the masks, and hands the
 * engine a *stream* of frames. The engine pulls only as far ahead as its windows need and yields
 * filled frames in order, each as soon as no later work can change it. The runner composites each
 * filled frame into the full-resolution source frame, encodes it and emits `frame(i)`.
 */
import type { ClassicSettings, Device, EngineId, ProPainterSettings } from '../../common/project/schema';

export interface ProcFrame {
  /** Index in the source (not in the job's range). */
  index: number;
  /** RGB24, width*height*3 bytes, at processing size. */
  rgb: Uint8Array;
  /**
   * The hole, width*height bytes, 1 = remove, 0 = keep: the user's mask binarised at processing size
   * and dilated by `maskDilation` 4-connected iterations. Engines fill exactly these pixels.
   */
  mask: Uint8Array;
  /**
   * Where the flow may not be trusted, if it differs from `mask` (outpainting extends it a few
   * pixels into the original frame, as ProPainter does). Absent = same as `mask`.
   */
  flowMask?: Uint8Array;
}

export interface FilledFrame {
  index: number;
  /** RGB24 at processing size; pixels outside the hole must equal the input's. */
  rgb: Uint8Array;
}

export interface EngineContext {
  width: number;
  height: number;
  /** Number of frames the stream will deliver. */
  frameCount: number;
  signal: AbortSignal;
  progress(stage: string, done: number, total: number): void;
  /** A one-line, user-facing notice (provider fallback, memory retry). */
  notice(message: string): void;
}

export interface EngineOptions {
  device: Device;
  fp16: boolean;
  /** Folder holding the model files (ProPainter). */
  modelsDir: string | null;
  classic: ClassicSettings;
  propainter: ProPainterSettings;
}

export interface InpaintEngine {
  readonly id: EngineId;
  /** The execution provider (or "cpu (wasm)" for classic) actually in use, once known. */
  readonly device: string;
  run(frames: AsyncIterable<ProcFrame>, ctx: EngineContext): AsyncIterable<FilledFrame>;
  /** Releases sessions and buffers. */
  dispose(): Promise<void>;
}
