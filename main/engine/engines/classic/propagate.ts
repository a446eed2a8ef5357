/**
 * Long-range propagation: each hole pixel of the target frame is taken from the nearest frame in time,
 * looking both ways, where the scene point behind it is visible and static: not a hole there and not
 * moving on its own (the source's dynamic mask). The point is found through the chained camera
 * homography target -> source, corrected locally by a residual field (align.ts) where the scene is
 * not planar. The nearest past and the nearest future sample are blended with weights that favour
 * the closer one, so that as the target advances the result slides smoothly from one source to the
 * next instead of jumping (no flicker where the two differ slightly in light or alignment).
 *
 * Frames are RGB24 at processing size; masks are 1 byte per pixel.
 */
import { mapPoint, type Homography } from '../../flow/motion';
import { correctionAt, type Correction } from './align';

export interface PropagationSource {
  rgb: Uint8Array;
  /** 1 where nothing may be copied from: the source's hole and its dynamic pixels. */
  blocked: Uint8Array;
  /** Target -> source. */
  toSource: Homography;
  /** |source - target| in frames. */
  distance: number;
  /**
   * Called once, when the source shows some of the pixels still open: its local correction of the
   * homography (align.ts; null = the homography alone), or false when the source must not be used
   * (its alignment around the hole is off).
   */
  prepare?: () => Correction | null | false;
}

export interface DirectionSamples {
  /** Samples kept per pixel. */
  depth: number;
  /** Per hole pixel i (index into `pixels`) and slot j < count[i]: RGB at 3 * (i * depth + j). */
  rgb: Float32Array;
  /** Frames away each sample came from, at i * depth + j. */
  distance: Uint16Array;
  count: Uint8Array;
}

/**
 * Walks `sources` (one direction, nearest first) and collects, for every target pixel listed in
 * `pixels` (indices into the frame), the first `depth` sources where it is visible. A source is
 * prepared (its local correction, or its rejection) only once it shows one of the pixels still open.
 */
export function gatherDirection(pixels: Int32Array, sources: PropagationSource[], width: number, height: number, depth = 1): DirectionSamples {
  const m = pixels.length;
  const rgb = new Float32Array(3 * m * depth);
  const distance = new Uint16Array(m * depth);
  const count = new Uint8Array(m);
  let open = Int32Array.from({ length: m }, (_, i) => i);
  const q = [0, 0];
  const offset = [0, 0];
  const scratch = new Float32Array(3);
  for (let s = 0; s < sources.length && open.length > 0; s++) {
    const src = sources[s]!;
    const h = src.toSource;
    let correction: Correction | null = null;
    if (src.prepare) {
      let visible = false;
      for (const i of open) {
        const p = pixels[i]!;
        const x = p % width;
        mapPoint(h, x, (p - x) / width, q);
        if (sampleIfVisible(src, q[0]!, q[1]!, width, height, scratch, 0)) {
          visible = true;
          break;
        }
      }
      if (!visible) continue;
      const prepared = src.prepare();
      if (prepared === false) continue;
      correction = prepared;
    }
    const still: number[] = [];
    for (const i of open) {
      const p = pixels[i]!;
      const x = p % width;
      const y = (p - x) / width;
      mapPoint(h, x, y, q);
      if (correction) {
        correctionAt(correction, x, y, offset);
        q[0]! += offset[0]!;
        q[1]! += offset[1]!;
      }
      const slot = i * depth + count[i]!;
      if (sampleIfVisible(src, q[0]!, q[1]!, width, height, rgb, 3 * slot)) {
        distance[slot] = src.distance;
        if (++count[i]! >= depth) continue;
      }
      still.push(i);
    }
    open = Int32Array.from(still);
  }
  return { depth, rgb, distance, count };
}

/**
 * Bilinear RGB of the source at (x, y) into out[o..o+2] when all four neighbours lie inside the frame
 * and none is blocked; returns whether it sampled.
 */
export function sampleIfVisible(src: Pick<PropagationSource, 'rgb' | 'blocked'>, x: number, y: number, width: number, height: number, out: Float32Array, o: number): boolean {
  if (!(x >= 0 && y >= 0 && x <= width - 1 && y <= height - 1)) return false;
  const x0 = Math.min(Math.floor(x), width - 2);
  const y0 = Math.min(Math.floor(y), height - 2);
  const i00 = y0 * width + x0;
  const b = src.blocked;
  if (b[i00] !== 0 || b[i00 + 1] !== 0 || b[i00 + width] !== 0 || b[i00 + width + 1] !== 0) return false;
  const ax = x - x0;
  const ay = y - y0;
  const w00 = (1 - ax) * (1 - ay);
  const w01 = ax * (1 - ay);
  const w10 = (1 - ax) * ay;
  const w11 = ax * ay;
  const c = src.rgb;
  const j00 = 3 * i00;
  const j01 = j00 + 3;
  const j10 = j00 + 3 * width;
  const j11 = j10 + 3;
  for (let k = 0; k < 3; k++) out[o + k] = w00 * c[j00 + k]! + w01 * c[j01 + k]! + w10 * c[j10 + k]! + w11 * c[j11 + k]!;
  return true;
}

/**
 * Combines the samples of each listed pixel into one RGB value, NaN where there is none. `layers` are
 * tried in order (each a list of directions): the first with any sample for a pixel decides it.
 * Samples are weighted by 1 / distance, so the nearer source dominates and, as the target advances,
 * one source fades into the next. With three samples or more, those further than `outlier` (sum of
 * absolute channel differences) from their channel-wise median are dropped first: a moving object or
 * a misalignment the dynamic mask missed in one source does not reach the result.
 */
export function combineSamples(count: number, layers: DirectionSamples[][], outlier = 60): Float32Array {
  const out = new Float32Array(3 * count).fill(Number.NaN);
  const values: number[] = [];
  const weights: number[] = [];
  const median = [0, 0, 0];
  for (let i = 0; i < count; i++) {
    values.length = 0;
    weights.length = 0;
    for (const directions of layers) {
      for (const d of directions)
        for (let j = 0; j < d.count[i]!; j++) {
          const slot = i * d.depth + j;
          values.push(d.rgb[3 * slot]!, d.rgb[3 * slot + 1]!, d.rgb[3 * slot + 2]!);
          weights.push(1 / d.distance[slot]!);
        }
      if (weights.length > 0) break;
    }
    const n = weights.length;
    if (n === 0) continue;
    if (n >= 3) {
      for (let c = 0; c < 3; c++) median[c] = medianOf(values, c, n);
      let kept = 0;
      let nearest = 0;
      for (let j = 0; j < n; j++) {
        if (weights[j]! > weights[nearest]!) nearest = j;
        const dev = Math.abs(values[3 * j]! - median[0]!) + Math.abs(values[3 * j + 1]! - median[1]!) + Math.abs(values[3 * j + 2]! - median[2]!);
        if (dev > outlier) weights[j] = 0;
        else kept++;
      }
      // Two clusters far from their (even-count) median: trust the nearest source alone.
      if (kept === 0) weights[nearest] = 1;
    }
    let total = 0;
    let r = 0;
    let g = 0;
    let b = 0;
    for (let j = 0; j < n; j++) {
      const w = weights[j]!;
      total += w;
      r += w * values[3 * j]!;
      g += w * values[3 * j + 1]!;
      b += w * values[3 * j + 2]!;
    }
    out[3 * i] = r / total;
    out[3 * i + 1] = g / total;
    out[3 * i + 2] = b / total;
  }
  return out;
}

function medianOf(values: number[], channel: number, n: number): number {
  const v: number[] = [];
  for (let j = 0; j < n; j++) v.push(values[3 * j + channel]!);
  v.sort((a, b) => a - b);
  return n % 2 ? v[(n - 1) >> 1]! : 0.5 * (v[n / 2 - 1]! + v[n / 2]!);
}
