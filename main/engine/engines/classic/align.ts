/**
 * Local correction of the camera homography around the hole. A homography is exact only for a plane
 * (or a camera that only turns); where the scene has depth (a railing near the camera, a building
 * far away), the chained homography puts a source's pixels a few pixels off, and the further the
 * source in time, the more. So for each source that is used, points around the hole (textured,
 * static in the target) are followed from the target into the source by pyramidal Lucas-Kanade,
 * starting where the homography puts them; what they moved beyond the homography is the residual.
 * Points that disagree with the others (moving things the dynamic mask missed, failed tracks) are
 * dropped, and the residual is carried into the hole as the smoothest (harmonic) field that meets the
 * points: the hole moves with the background around it, never with an object beside it.
 *
 * Works at flow resolution on the grey images the motion tracker prepared (holes painted over).
 */
import { withMats, type OpenCv } from '../../cv';
import { fillHarmonic } from '../../flow/complete';
import { mapPoint, type Homography } from '../../flow/motion';

/** A residual field over a box of the target: offsets (processing pixels) added after the homography. */
export interface Correction {
  /** The box in flow pixels. */
  x0: number;
  y0: number;
  width: number;
  height: number;
  /** Planar [2, height, width], processing pixels. */
  field: Float32Array;
  /** Processing pixels per flow pixel. */
  sx: number;
  sy: number;
  /** Points that set it. */
  points: number;
}

export interface AlignImage {
  /** Grey at flow resolution. */
  grey: Uint8Array;
  /** 1 where the frame may not be trusted (hole or moving on its own), at flow resolution. */
  blocked: Uint8Array;
}

export interface AlignOptions {
  /** Grid step (flow pixels) of the points followed. */
  step: number;
  /** Flow pixels around the hole's box where points are taken. */
  margin: number;
  /** Largest residual kept (processing pixels). */
  maxResidual: number;
  /** Fewer points than this: no correction. */
  minPoints: number;
}

export const DEFAULT_ALIGN: AlignOptions = { step: 2, margin: 10, maxResidual: 8, minPoints: 12 };

export class LocalAligner {
  private readonly options: AlignOptions;

  constructor(
    private readonly cv: OpenCv,
    private readonly width: number,
    private readonly height: number,
    private readonly fw: number,
    private readonly fh: number,
    options: Partial<AlignOptions> = {},
  ) {
    this.options = { ...DEFAULT_ALIGN, ...options };
  }

  /**
   * The residual field over `box` (processing pixels, the hole's bounding box) for the source seen
   * through `toSource` (target -> source, processing pixels), or null when too few points track.
   */
  correct(target: AlignImage, source: AlignImage, toSource: Homography, box: { x0: number; y0: number; x1: number; y1: number }): Correction | null {
    const { cv, fw, fh } = this;
    const { step, margin, maxResidual, minPoints } = this.options;
    const sx = this.width / fw;
    const sy = this.height / fh;
    const x0 = Math.max(0, Math.floor((box.x0 + 0.5) / sx - 0.5) - margin);
    const y0 = Math.max(0, Math.floor((box.y0 + 0.5) / sy - 0.5) - margin);
    const x1 = Math.min(fw - 1, Math.ceil((box.x1 + 0.5) / sx - 0.5) + margin);
    const y1 = Math.min(fh - 1, Math.ceil((box.y1 + 0.5) / sy - 0.5) + margin);
    const bw = x1 - x0 + 1;
    const bh = y1 - y0 + 1;
    if (bw < 3 || bh < 3) return null;
    // Points: textured, trusted in the target, landing inside the source.
    const from: number[] = [];
    const guess: number[] = [];
    const q = [0, 0];
    const grey = target.grey;
    for (let j = y0 + 1; j < y1; j += step)
      for (let i = x0 + 1; i < x1; i += step) {
        const p = j * fw + i;
        if (target.blocked[p]) continue;
        const texture = Math.abs(grey[p + 1]! - grey[p - 1]!) + Math.abs(grey[p + fw]! - grey[p - fw]!);
        if (texture < 12) continue;
        mapPoint(toSource, (i + 0.5) * sx - 0.5, (j + 0.5) * sy - 0.5, q);
        const u = (q[0]! + 0.5) / sx - 0.5;
        const v = (q[1]! + 0.5) / sy - 0.5;
        if (!(u >= 2 && v >= 2 && u <= fw - 3 && v <= fh - 3)) continue;
        from.push(i, j);
        guess.push(u, v);
      }
    const count = from.length / 2;
    if (count < minPoints) return null;
    const tracked = withMats((track) => {
      const a = track(new cv.Mat(fh, fw, cv.CV_8UC1));
      a.data.set(target.grey);
      const b = track(new cv.Mat(fh, fw, cv.CV_8UC1));
      b.data.set(source.grey);
      const pa = track(cv.matFromArray(count, 1, cv.CV_32FC2, from));
      const pb = track(cv.matFromArray(count, 1, cv.CV_32FC2, guess));
      const status = track(new cv.Mat());
      const err = track(new cv.Mat());
      cv.calcOpticalFlowPyrLK(
        a,
        b,
        pa,
        pb,
        status,
        err,
        new cv.Size(9, 9),
        2,
        new cv.TermCriteria(cv.TermCriteria_EPS | cv.TermCriteria_COUNT, 10, 0.03),
        cv.OPTFLOW_USE_INITIAL_FLOW,
      );
      return { to: Float32Array.from(pb.data32F), ok: Uint8Array.from(status.data) };
    });
    // Residuals in processing pixels; drop failed tracks, blocked landings and the implausible.
    const kept: Array<{ i: number; j: number; dx: number; dy: number }> = [];
    for (let k = 0; k < count; k++) {
      if (!tracked.ok[k]) continue;
      const u = tracked.to[2 * k]!;
      const v = tracked.to[2 * k + 1]!;
      const ui = Math.round(u);
      const vi = Math.round(v);
      if (ui < 0 || vi < 0 || ui >= fw || vi >= fh || source.blocked[vi * fw + ui]) continue;
      const dx = (u - guess[2 * k]!) * sx;
      const dy = (v - guess[2 * k + 1]!) * sy;
      if (Math.hypot(dx, dy) > maxResidual) continue;
      kept.push({ i: from[2 * k]!, j: from[2 * k + 1]!, dx, dy });
    }
    if (kept.length < minPoints) return null;
    // Points far from the others' median (moving things, wrong matches) are outliers.
    const mx = median(kept.map((k) => k.dx));
    const my = median(kept.map((k) => k.dy));
    const spread = median(kept.map((k) => Math.hypot(k.dx - mx, k.dy - my)));
    const limit = Math.max(1.5, 3 * spread);
    const field = new Float32Array(2 * bw * bh);
    const unknown = new Uint8Array(bw * bh).fill(1);
    const sum = new Float32Array(3 * bw * bh);
    let points = 0;
    for (const k of kept) {
      if (Math.hypot(k.dx - mx, k.dy - my) > limit) continue;
      const c = (k.j - y0) * bw + (k.i - x0);
      sum[3 * c]! += k.dx;
      sum[3 * c + 1]! += k.dy;
      sum[3 * c + 2]! += 1;
      points++;
    }
    if (points < minPoints) return null;
    for (let c = 0; c < bw * bh; c++)
      if (sum[3 * c + 2]! > 0) {
        field[c] = sum[3 * c]! / sum[3 * c + 2]!;
        field[bw * bh + c] = sum[3 * c + 1]! / sum[3 * c + 2]!;
        unknown[c] = 0;
      }
    fillHarmonic(field, 2, bw, bh, unknown);
    return { x0, y0, width: bw, height: bh, field, sx, sy, points };
  }
}

/** The correction at processing pixel (x, y), bilinear, into out[0..1]; zero outside its box. */
export function correctionAt(c: Correction, x: number, y: number, out: number[]): void {
  const u = (x + 0.5) / c.sx - 0.5 - c.x0;
  const v = (y + 0.5) / c.sy - 0.5 - c.y0;
  if (!(u >= 0 && v >= 0 && u <= c.width - 1 && v <= c.height - 1)) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  const i0 = Math.min(Math.floor(u), c.width - 2);
  const j0 = Math.min(Math.floor(v), c.height - 2);
  const a = u - i0;
  const b = v - j0;
  const n = c.width * c.height;
  const p = j0 * c.width + i0;
  for (let ch = 0; ch < 2; ch++) {
    const f = c.field;
    const o = ch * n + p;
    out[ch] = (1 - a) * (1 - b) * f[o]! + a * (1 - b) * f[o + 1]! + (1 - a) * b * f[o + c.width]! + a * b * f[o + c.width + 1]!;
  }
}

function median(values: number[]): number {
  const v = values.slice().sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? v[(n - 1) >> 1]! : 0.5 * (v[n / 2 - 1]! + v[n / 2]!);
}
