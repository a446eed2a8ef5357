/**
 * What the classic engine does after image propagation, for the pixels no frame in the window saw:
 * inpaint them spatially with OpenCV's Telea method, blend that with the previous frame's fill carried
 * along the flow (a never-seen area then moves with the scene and changes slowly instead of being
 * re-invented every frame, yet follows changes of light within a few frames), and smooth the filled
 * region over time.
 *
 * Frames are RGB24 interleaved at processing size; flows are planar [2, H, W] (flow/index.ts).
 */
import type { Mat, OpenCv } from '../../cv';
import { bilinearZero, flowConsistent, nearbyint } from '../../flow';

/** OpenCV inpaint (Telea) with buffers kept on the WASM heap between frames. */
export class SpatialFiller {
  private readonly rgb: Mat;
  private readonly mask: Mat;
  private readonly out: Mat;

  constructor(
    private readonly cv: OpenCv,
    private readonly width: number,
    private readonly height: number,
    /** Telea's neighbourhood radius in pixels. */
    private readonly radius = 3,
  ) {
    this.rgb = new cv.Mat(height, width, cv.CV_8UC3);
    this.mask = new cv.Mat(height, width, cv.CV_8UC1);
    this.out = new cv.Mat(height, width, cv.CV_8UC3);
  }

  /** Fills `rgb` in place where `missing` is non-zero; returns how many pixels that was. */
  fill(rgb: Uint8Array, missing: Uint8Array): number {
    let count = 0;
    const maskData = this.mask.data;
    for (let i = 0; i < missing.length; i++) {
      const m = missing[i] !== 0;
      maskData[i] = m ? 255 : 0;
      if (m) count++;
    }
    if (count === 0) return 0;
    if (count === missing.length) {
      rgb.fill(0); // nothing to start from (a frame that is all hole)
      return count;
    }
    this.rgb.data.set(rgb);
    this.cv.inpaint(this.rgb, this.mask, this.out, this.radius, this.cv.INPAINT_TELEA);
    const filled = this.out.data;
    for (let i = 0; i < missing.length; i++)
      if (missing[i] !== 0) {
        rgb[3 * i] = filled[3 * i]!;
        rgb[3 * i + 1] = filled[3 * i + 1]!;
        rgb[3 * i + 2] = filled[3 * i + 2]!;
      }
    return count;
  }

  dispose(): void {
    for (const m of [this.rgb, this.mask, this.out]) m.delete();
  }
}

/**
 * Blends the pixels of `rgb` flagged in `invented` with `previous` (the previous frame, complete)
 * sampled where the flow to it (`toPrevious`, this -> previous) points, nearest-sampled like image
 * propagation, wherever the flow back (`fromPrevious`, previous -> this) agrees: result =
 * `carry` * previous + (1 - carry) * current. A carry of 0.75 follows a change in about 4 frames.
 * Returns how many pixels were blended.
 */
export function carryFromPrevious(rgb: Uint8Array, invented: Uint8Array, previous: Uint8Array, toPrevious: Float32Array, fromPrevious: Float32Array, carry: number, width: number, height: number): number {
  const n = width * height;
  const backY = fromPrevious.subarray(n);
  let blended = 0;
  for (let p = 0; p < n; p++) {
    if (invented[p] === 0) continue;
    const x = p % width;
    const y = (p - x) / width;
    const fx = toPrevious[p]!;
    const fy = toPrevious[n + p]!;
    const sx = x + fx;
    const sy = y + fy;
    const ix = nearbyint(sx);
    const iy = nearbyint(sy);
    if (ix < 0 || ix >= width || iy < 0 || iy >= height) continue;
    if (!flowConsistent(fx, fy, bilinearZero(fromPrevious, width, height, sx, sy), bilinearZero(backY, width, height, sx, sy))) continue;
    const q = 3 * (iy * width + ix);
    for (let c = 0; c < 3; c++) rgb[3 * p + c] = Math.round(carry * previous[q + c]! + (1 - carry) * rgb[3 * p + c]!);
    blended++;
  }
  return blended;
}

export interface TemporalNeighbour {
  /** The neighbouring frame, complete. */
  rgb: Uint8Array;
  /** Flow from the frame being smoothed to this neighbour, and back. */
  toward: Float32Array;
  back: Float32Array;
}

/**
 * A one-step temporal filter over the hole: each hole pixel becomes the weighted mean of itself
 * (weight 1) and of the previous and next frames at the positions the flow maps it to (weight
 * `strength` each, bilinear), counting a neighbour only where the forward-backward check passes.
 * Pixels copied exactly along a consistent flow barely change; pixels invented per frame lose their
 * flicker. Returns a new frame; `rgb` is not modified.
 */
export function smoothTemporally(rgb: Uint8Array, hole: Uint8Array, neighbours: TemporalNeighbour[], strength: number, width: number, height: number): Uint8Array {
  const out = rgb.slice();
  if (strength <= 0 || neighbours.length === 0) return out;
  const n = width * height;
  const sample = [0, 0, 0];
  const backY = neighbours.map((nb) => nb.back.subarray(n));
  for (let p = 0; p < n; p++) {
    if (hole[p] === 0) continue;
    const x = p % width;
    const y = (p - x) / width;
    let r = rgb[3 * p]!;
    let g = rgb[3 * p + 1]!;
    let b = rgb[3 * p + 2]!;
    let weight = 1;
    for (let j = 0; j < neighbours.length; j++) {
      const nb = neighbours[j]!;
      const fx = nb.toward[p]!;
      const fy = nb.toward[n + p]!;
      const sx = x + fx;
      const sy = y + fy;
      if (sx < 0 || sx > width - 1 || sy < 0 || sy > height - 1) continue;
      if (!flowConsistent(fx, fy, bilinearZero(nb.back, width, height, sx, sy), bilinearZero(backY[j]!, width, height, sx, sy))) continue;
      sampleRgb(nb.rgb, width, height, sx, sy, sample);
      r += strength * sample[0]!;
      g += strength * sample[1]!;
      b += strength * sample[2]!;
      weight += strength;
    }
    out[3 * p] = Math.round(r / weight);
    out[3 * p + 1] = Math.round(g / weight);
    out[3 * p + 2] = Math.round(b / weight);
  }
  return out;
}

/** Bilinear RGB at (x, y), which must lie inside the image. */
function sampleRgb(rgb: Uint8Array, width: number, height: number, x: number, y: number, out: number[]): void {
  const x0 = Math.min(Math.floor(x), width - 2 < 0 ? 0 : width - 2);
  const y0 = Math.min(Math.floor(y), height - 2 < 0 ? 0 : height - 2);
  const ax = Math.min(1, x - x0);
  const ay = Math.min(1, y - y0);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const i00 = 3 * (y0 * width + x0);
  const i01 = 3 * (y0 * width + x1);
  const i10 = 3 * (y1 * width + x0);
  const i11 = 3 * (y1 * width + x1);
  for (let c = 0; c < 3; c++) {
    const top = rgb[i00 + c]! * (1 - ax) + rgb[i01 + c]! * ax;
    const bottom = rgb[i10 + c]! * (1 - ax) + rgb[i11 + c]! * ax;
    out[c] = top * (1 - ay) + bottom * ay;
  }
}
