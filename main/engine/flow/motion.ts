/**
 * Global (camera) motion between frames: a homography fitted with RANSAC to a dense flow, sampled
 * on a grid outside the holes, so that moving objects, the holes and the flow's smearing around
 * them are outliers rather than part of the model. Chained products of these map a frame onto a
 * distant one; the per-pixel disagreement between the flow and the model marks what moves on its own
 * (the "dynamic" mask), which the classic engine must neither copy nor let steer the hole's motion.
 *
 * A homography is a row-major Float64Array(9) mapping (x, y, 1) of one frame, in processing-size
 * pixel coordinates (pixel centres at integers), to the other frame.
 */
import { withMats, type OpenCv } from '../cv';

export type Homography = Float64Array;

export function identityHomography(): Homography {
  return Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
}

/** The homography a -> c from a -> b (`first`) and b -> c (`second`): second * first. */
export function composeHomography(first: Homography, second: Homography): Homography {
  const out = new Float64Array(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) out[3 * r + c] = second[3 * r]! * first[c]! + second[3 * r + 1]! * first[3 + c]! + second[3 * r + 2]! * first[6 + c]!;
  return normalise(out);
}

export function invertHomography(h: Homography): Homography {
  const [a, b, c, d, e, f, g, i, j] = h as unknown as number[];
  const A = e! * j! - f! * i!;
  const B = -(d! * j! - f! * g!);
  const C = d! * i! - e! * g!;
  const det = a! * A + b! * B + c! * C;
  if (Math.abs(det) < 1e-12) return identityHomography();
  const out = Float64Array.of(A, -(b! * j! - c! * i!), b! * f! - c! * e!, B, a! * j! - c! * g!, -(a! * f! - c! * d!), C, -(a! * i! - b! * g!), a! * e! - b! * d!);
  for (let k = 0; k < 9; k++) out[k]! /= det;
  return normalise(out);
}

function normalise(h: Homography): Homography {
  const s = h[8]!;
  if (Math.abs(s) > 1e-12) for (let k = 0; k < 9; k++) h[k]! /= s;
  return h;
}

/** Where (x, y) goes under h; writes [x', y'] into `out` (NaN when it maps to infinity). */
export function mapPoint(h: Homography, x: number, y: number, out: Float64Array | number[]): void {
  const w = h[6]! * x + h[7]! * y + h[8]!;
  if (Math.abs(w) < 1e-9) {
    out[0] = Number.NaN;
    out[1] = Number.NaN;
    return;
  }
  out[0] = (h[0]! * x + h[1]! * y + h[2]!) / w;
  out[1] = (h[3]! * x + h[4]! * y + h[5]!) / w;
}

export interface MotionFit {
  /** Frame a -> frame b. */
  homography: Homography;
  /** Grid samples used and how many of them fit the model. */
  samples: number;
  inliers: number;
}

export interface MotionFitOptions {
  /** Grid spacing in flow pixels. */
  step?: number;
  /** RANSAC reprojection threshold in processing-size pixels. */
  threshold?: number;
}

/**
 * Fits the homography a -> b to a flow a -> b, planar [2, fh, fw] in processing-size pixels (as
 * FarnebackFlow.flow returns it), sampling every `step` flow pixels where `exclude` (at flow
 * resolution, non-zero = unreliable) is clear and away from the border. Returns the identity with
 * no inliers when too few samples remain or RANSAC finds no model.
 */
export function fitHomography(
  cv: OpenCv,
  flow: Float32Array,
  fw: number,
  fh: number,
  width: number,
  height: number,
  exclude: Uint8Array | null,
  options: MotionFitOptions = {},
): MotionFit {
  const step = options.step ?? 4;
  const threshold = options.threshold ?? Math.max(1, width / 320);
  const n = fw * fh;
  const sx = width / fw;
  const sy = height / fh;
  const border = 2;
  const src: number[] = [];
  const dst: number[] = [];
  for (let j = border; j < fh - border; j += step)
    for (let i = border; i < fw - border; i += step) {
      const p = j * fw + i;
      if (exclude && exclude[p] !== 0) continue;
      const x = (i + 0.5) * sx - 0.5;
      const y = (j + 0.5) * sy - 0.5;
      src.push(x, y);
      dst.push(x + flow[p]!, y + flow[n + p]!);
    }
  const samples = src.length / 2;
  if (samples < 12) return { homography: identityHomography(), samples, inliers: 0 };
  return withMats((track) => {
    const a = track(cv.matFromArray(samples, 1, cv.CV_32FC2, src));
    const b = track(cv.matFromArray(samples, 1, cv.CV_32FC2, dst));
    const mask = track(new cv.Mat());
    const h = track(cv.findHomography(a, b, cv.RANSAC, threshold, mask, 2000, 0.995));
    if (h.empty() || h.rows !== 3) return { homography: identityHomography(), samples, inliers: 0 };
    let inliers = 0;
    const m = mask.data;
    for (let k = 0; k < samples; k++) if (m[k]) inliers++;
    return { homography: normalise(Float64Array.from(h.data64F)), samples, inliers };
  });
}

/**
 * The pixels (at flow resolution) whose flow disagrees with the camera model by more than
 * `threshold` processing pixels plus `relative` of the flow's length: what moves on its own. Pixels
 * flagged in `skip` (holes) are left clear; the caller decides what a hole means.
 */
export function motionOutliers(
  flow: Float32Array,
  fw: number,
  fh: number,
  width: number,
  height: number,
  h: Homography,
  skip: Uint8Array | null,
  threshold: number,
  relative = 0.15,
): Uint8Array {
  const n = fw * fh;
  const sx = width / fw;
  const sy = height / fh;
  const out = new Uint8Array(n);
  const q = [0, 0];
  for (let j = 0; j < fh; j++)
    for (let i = 0; i < fw; i++) {
      const p = j * fw + i;
      if (skip && skip[p] !== 0) continue;
      const x = (i + 0.5) * sx - 0.5;
      const y = (j + 0.5) * sy - 0.5;
      mapPoint(h, x, y, q);
      const mx = q[0]! - x;
      const my = q[1]! - y;
      const dx = flow[p]! - mx;
      const dy = flow[n + p]! - my;
      const limit = threshold + relative * Math.hypot(mx, my);
      if (dx * dx + dy * dy > limit * limit) out[p] = 1;
    }
  return out;
}
