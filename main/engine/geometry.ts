/**
 * Sizes a job works at: the processing size (what engines see) and, for outpainting, the extended
 * canvases at processing size and at full resolution with the original frame centred on them.
 */
import { UserError } from '../../common/errors';

export interface Size {
  width: number;
  height: number;
}

/** Default processing size: the source scaled to fit this box (turned for portrait sources). */
export const PROCESSING_BOX: Size = { width: 960, height: 540 };

/** ProPainter needs multiples of 8 (RAFT works at 1/8, the networks downsample 3 times by 2). */
const floor8 = (v: number) => Math.max(8, Math.floor(v / 8) * 8);

/**
 * The smallest processing side ProPainter can take: RAFT's coarsest correlation level is 1/64 of the
 * frame, and below 128 px it is a single pixel, where upstream's lookup divides by zero (NaN flows)
 * and the graphs compute nothing meaningful.
 */
export const PROPAINTER_MIN_SIDE = 128;

/**
 * `requested` (the user's setting) rounded down to multiples of 8, or the source scaled down to fit
 * 960x540 (540x960 for portrait sources) and rounded down to multiples of 8 — scaled up only as far
 * as `minSide` needs (small clips for ProPainter). A requested size below `minSide` is refused.
 */
export function processingSize(source: Size, requested?: Size | null, minSide = 8): Size {
  if (requested) {
    const size = { width: floor8(requested.width), height: floor8(requested.height) };
    if (Math.min(size.width, size.height) < minSide)
      throw new UserError('bad-input', `the processing size ${size.width}x${size.height} is too small for ProPainter (each side needs at least ${minSide} px); choose a larger size or leave it automatic`);
    return size;
  }
  const portrait = source.height > source.width;
  const box = portrait ? { width: PROCESSING_BOX.height, height: PROCESSING_BOX.width } : PROCESSING_BOX;
  const scale = Math.max(Math.min(1, box.width / source.width, box.height / source.height), minSide / Math.min(source.width, source.height));
  const fit = (v: number) => Math.max(minSide, floor8(v * scale));
  return { width: fit(source.width), height: fit(source.height) };
}

export interface Placement extends Size {
  /** Where the original frame's top-left corner sits on the canvas. */
  x: number;
  y: number;
}

export interface OutpaintGeometry {
  /** Canvas at processing size: the processing frame scaled, rounded down to multiples of 8. */
  processing: Placement;
  /** Canvas at full resolution: the source size scaled, rounded to even numbers (for 4:2:0 video). */
  full: Placement;
}

const MAX_OUTPAINT_SCALE = 4;

/** ProPainter's extrapolation(): the frame centred at (floor((H'-H)/2), floor((W'-W)/2)). */
export function outpaintGeometry(source: Size, proc: Size, scale: { scaleH: number; scaleW: number }): OutpaintGeometry {
  const { scaleH, scaleW } = scale;
  for (const [name, v] of [['height', scaleH], ['width', scaleW]] as const)
    if (!(Number.isFinite(v) && v >= 1 && v <= MAX_OUTPAINT_SCALE))
      throw new UserError('bad-input', `Outpainting ${name} scale ${v} is not between 1 and ${MAX_OUTPAINT_SCALE}; choose a scale such as 1.2 (20% larger).`);
  const pw = Math.max(proc.width, Math.floor((proc.width * scaleW) / 8) * 8);
  const ph = Math.max(proc.height, Math.floor((proc.height * scaleH) / 8) * 8);
  const fw = Math.max(source.width, 2 * Math.round((source.width * scaleW) / 2));
  const fh = Math.max(source.height, 2 * Math.round((source.height * scaleH) / 2));
  return {
    processing: { width: pw, height: ph, x: Math.floor((pw - proc.width) / 2), y: Math.floor((ph - proc.height) / 2) },
    full: { width: fw, height: fh, x: Math.floor((fw - source.width) / 2), y: Math.floor((fh - source.height) / 2) },
  };
}

/** Copies a frame (`channels` bytes per pixel) onto a zero (black) canvas at `at`. */
export function placeOnCanvas(data: Uint8Array, size: Size, at: Placement, channels = 3): Uint8Array {
  const out = new Uint8Array(at.width * at.height * channels);
  const rowBytes = size.width * channels;
  for (let y = 0; y < size.height; y++) out.set(data.subarray(y * rowBytes, (y + 1) * rowBytes), ((at.y + y) * at.width + at.x) * channels);
  return out;
}

/**
 * Outpainting masks on the processing canvas (ProPainter §1.13): the hole is everything outside the
 * original frame; the flow mask also reaches `inset` pixels into the frame on each side whose margin
 * is wider than 10 pixels, so the border flow is re-estimated.
 */
export function outpaintMasks(frame: Size, at: Placement, inset = 4): { hole: Uint8Array; flowMask: Uint8Array } {
  const hole = new Uint8Array(at.width * at.height).fill(1);
  const flowMask = new Uint8Array(at.width * at.height).fill(1);
  const left = at.x > 10 ? inset : 0;
  const right = at.width - at.x - frame.width > 10 ? inset : 0;
  const top = at.y > 10 ? inset : 0;
  const bottom = at.height - at.y - frame.height > 10 ? inset : 0;
  for (let y = 0; y < frame.height; y++) {
    const row = (at.y + y) * at.width + at.x;
    hole.fill(0, row, row + frame.width);
    if (y >= top && y < frame.height - bottom) flowMask.fill(0, row + left, row + frame.width - right);
  }
  return { hole, flowMask };
}
