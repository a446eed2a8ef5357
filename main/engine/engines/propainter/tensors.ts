/**
 * Pixel and tensor conversions between the job's frames (RGB24, 0/1 masks) and the contract's
 * tensors (planar float32, RGB in [-1, 1], flows in pixels), plus the generator's 1/4-size side
 * inputs and the averaging of overlapping windows. Pure functions on typed arrays.
 */

/** RGB24 -> planar [3, H, W] in [-1, 1], written at `offset` of `out`. */
export function rgbToPlanar(rgb: Uint8Array, pixels: number, out: Float32Array, offset = 0): void {
  for (let i = 0; i < pixels; i++) {
    out[offset + i] = (rgb[i * 3]! / 255) * 2 - 1;
    out[offset + pixels + i] = (rgb[i * 3 + 1]! / 255) * 2 - 1;
    out[offset + 2 * pixels + i] = (rgb[i * 3 + 2]! / 255) * 2 - 1;
  }
}

/** A 0/1 byte mask as float32, written at `offset` of `out`. */
export function maskToFloat(mask: Uint8Array, out: Float32Array, offset = 0): void {
  for (let i = 0; i < mask.length; i++) out[offset + i] = mask[i] ? 1 : 0;
}

/**
 * A flow [2, H, W] at 1/4 size, as F.interpolate(scale_factor=1/4, mode='bilinear',
 * align_corners=False) then / 4: each output pixel samples at 4y + 1.5, i.e. the mean of the 2x2
 * block starting at (4y + 1, 4x + 1), and the vectors shrink with the image.
 */
export function quarterFlow(flow: Float32Array, width: number, height: number): Float32Array {
  const w4 = width >> 2;
  const h4 = height >> 2;
  const out = new Float32Array(2 * w4 * h4);
  for (let c = 0; c < 2; c++) {
    const src = c * width * height;
    const dst = c * w4 * h4;
    for (let y = 0; y < h4; y++) {
      const r0 = src + (4 * y + 1) * width;
      const r1 = r0 + width;
      for (let x = 0; x < w4; x++) {
        const x0 = 4 * x + 1;
        out[dst + y * w4 + x] = (flow[r0 + x0]! + flow[r0 + x0 + 1]! + flow[r1 + x0]! + flow[r1 + x0 + 1]!) / 16;
      }
    }
  }
  return out;
}

/** A 0/1 mask at 1/4 size, as F.interpolate(scale_factor=1/4, mode='nearest'): pixel (4y, 4x). */
export function quarterMask(mask: Uint8Array, width: number, height: number): Float32Array {
  const w4 = width >> 2;
  const h4 = height >> 2;
  const out = new Float32Array(w4 * h4);
  for (let y = 0; y < h4; y++) for (let x = 0; x < w4; x++) out[y * w4 + x] = mask[4 * y * width + 4 * x] ? 1 : 0;
  return out;
}

/** flow * (1 - mask) for a planar [2, H, W] flow, written at `offset` of `out` (the network's input). */
export function maskedFlow(flow: Float32Array, mask: Uint8Array, out: Float32Array, offset = 0): void {
  const n = mask.length;
  for (let i = 0; i < n; i++) {
    const keep = mask[i] ? 0 : 1;
    out[offset + i] = flow[i]! * keep;
    out[offset + n + i] = flow[n + i]! * keep;
  }
}

/** combine_flow: the prediction inside the mask, the measured flow outside it. */
export function combineFlow(predicted: Float32Array, measured: Float32Array, mask: Uint8Array): Float32Array {
  const n = mask.length;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const src = mask[i] ? predicted : measured;
    out[i] = src[i]!;
    out[n + i] = src[n + i]!;
  }
  return out;
}

/** How the transformer windows' predictions of one frame combine inside its hole. */
export interface OverlapAverage {
  /** Adds a prediction, planar [3, H, W] in [-1, 1] read at `offset`, for the hole pixels of `mask`. */
  add(frame: number, prediction: Float32Array, offset: number, mask: Uint8Array): void;
  has(frame: number): boolean;
  /** The final frame: the source outside the hole, the combined predictions inside; forgets the frame. */
  finish(frame: number, rgb: Uint8Array, mask: Uint8Array): Uint8Array;
  readonly pending: number;
}

/**
 * Averages the windows' predictions of a frame inside its hole. Upstream halves a running uint8
 * value per window (weights 1/4, 1/4, 1/2 for three windows, truncated each time); this keeps a
 * float sum and a count and rounds once: a true mean.
 */
export class WindowAverage implements OverlapAverage {
  private readonly sums = new Map<number, { sum: Float32Array; count: number }>();

  constructor(private readonly pixels: number) {}

  /** Adds a prediction, planar [3, H, W] in [-1, 1] read at `offset`, for the hole pixels of `mask`. */
  add(frame: number, prediction: Float32Array, offset: number, mask: Uint8Array): void {
    let entry = this.sums.get(frame);
    if (!entry) {
      entry = { sum: new Float32Array(this.pixels * 3), count: 0 };
      this.sums.set(frame, entry);
    }
    const { sum } = entry;
    const n = this.pixels;
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      sum[i * 3] += ((prediction[offset + i]! + 1) / 2) * 255;
      sum[i * 3 + 1] += ((prediction[offset + n + i]! + 1) / 2) * 255;
      sum[i * 3 + 2] += ((prediction[offset + 2 * n + i]! + 1) / 2) * 255;
    }
    entry.count++;
  }

  has(frame: number): boolean {
    return this.sums.has(frame);
  }

  /** The final frame: the source outside the hole, the rounded mean inside; forgets the frame. */
  finish(frame: number, rgb: Uint8Array, mask: Uint8Array): Uint8Array {
    const entry = this.sums.get(frame);
    if (!entry) throw new Error(`frame ${frame} was never predicted`);
    this.sums.delete(frame);
    const out = Uint8Array.from(rgb);
    const { sum, count } = entry;
    for (let i = 0; i < this.pixels; i++) {
      if (!mask[i]) continue;
      for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.min(255, Math.max(0, Math.round(sum[i * 3 + c]! / count)));
    }
    return out;
  }

  get pending(): number {
    return this.sums.size;
  }
}

/**
 * Upstream's own combination, bit for bit (inference_propainter.py's compositing loop): each
 * window's prediction becomes uint8 by truncating (x + 1) / 2 * 255 computed in float32, and a frame
 * that already has a value gets (old + new) / 2 truncated again, so with three windows the weights
 * are 1/4, 1/4, 1/2 and the result sits up to a level below the mean. For comparing with upstream
 * (setting windowAveraging 'halving'); the default is the true mean above.
 */
export class HalvingAverage implements OverlapAverage {
  private readonly values = new Map<number, Uint8Array>();

  constructor(private readonly pixels: number) {}

  add(frame: number, prediction: Float32Array, offset: number, mask: Uint8Array): void {
    const f = Math.fround;
    const n = this.pixels;
    let value = this.values.get(frame);
    const first = !value;
    if (!value) {
      value = new Uint8Array(n * 3);
      this.values.set(frame, value);
    }
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      for (let c = 0; c < 3; c++) {
        const level = Math.trunc(f(f(f(prediction[offset + c * n + i]! + 1) / 2) * 255));
        // float32 halves of two bytes add exactly, so upstream's truncated mean is a floor
        value[i * 3 + c] = first ? level : (value[i * 3 + c]! + level) >> 1;
      }
    }
  }

  has(frame: number): boolean {
    return this.values.has(frame);
  }

  finish(frame: number, rgb: Uint8Array, mask: Uint8Array): Uint8Array {
    const value = this.values.get(frame);
    if (!value) throw new Error(`frame ${frame} was never predicted`);
    this.values.delete(frame);
    const out = Uint8Array.from(rgb);
    for (let i = 0; i < this.pixels; i++) if (mask[i]) out.set(value.subarray(i * 3, i * 3 + 3), i * 3);
    return out;
  }

  get pending(): number {
    return this.values.size;
  }
}
