/**
 * What the classic engine learns about each frame as it arrives (flow resolution = half size):
 *
 * - the camera motion to the previous frame: corners tracked by pyramidal Lucas-Kanade and a RANSAC
 *   homography (robust to fast pans, which a coarse-to-fine dense flow at this size misses), then
 *   refined by a second RANSAC fit to the dense flow measured after warping by that first estimate;
 * - what moves on its own: pixels whose dense flow disagrees with the camera motion AND that look
 *   different from the previous frame moved by the camera alone (the second test keeps flat areas
 *   and the smear next to a hole out), grown by a margin. Nothing is copied from there, and the
 *   flow completion inside holes treats it as an outlier.
 *
 * Holes are painted over with a smooth membrane before any of this, so the object being removed does
 * not pull its surroundings along. Only the previous frame's prepared image is kept.
 */
import { dilateCross } from '../../../../common/mask/morphology';
import { withMats, type OpenCv } from '../../cv';
import { FarnebackFlow, shrinkMask, type FarnebackOptions, type FlowImage } from '../../flow';
import { composeHomography, fitHomography, identityHomography, invertHomography, mapPoint, motionOutliers, type Homography } from '../../flow/motion';

export interface FrameMotion {
  /** This frame -> the previous one (null for the first frame). */
  toPrevious: Homography | null;
  /** The previous frame -> this one. */
  fromPrevious: Homography | null;
  /** 1 where the pixel moves on its own, grown by the margin, at processing size. */
  dynamic: Uint8Array;
  /** The same, not grown. */
  moving: Uint8Array;
  /** The frame in grey at flow resolution, holes painted over (for local alignment). */
  grey: Uint8Array;
  /**
   * For the second frame only: the first frame's masks, which need a flow from the first frame to
   * another one (push() gives the first frame empty masks).
   */
  first?: { dynamic: Uint8Array; moving: Uint8Array };
}

export interface MotionTrackerOptions {
  flow?: Partial<FarnebackOptions>;
  /** Disagreement with the camera model (processing pixels) that counts as moving on its own. */
  dynamicThreshold?: number;
  /** Grey-level difference (after the camera motion) below which nothing counts as moving. */
  photometricThreshold?: number;
  /** Processing pixels the dynamic mask is grown by. */
  dynamicMargin?: number;
}

export class MotionTracker {
  readonly flow: FarnebackFlow;
  private previous: { image: FlowImage; coarseHole: Uint8Array } | null = null;
  private readonly threshold: number;
  private readonly photometric: number;
  private readonly margin: number;
  private frames = 0;

  constructor(
    private readonly cv: OpenCv,
    private readonly width: number,
    private readonly height: number,
    options: MotionTrackerOptions = {},
  ) {
    // What is left after the homography is small: two levels and a small window keep moving edges
    // sharp (a 15-pixel window smears them over 30 processing pixels).
    this.flow = new FarnebackFlow(cv, width, height, { downscale: 2, levels: 2, winsize: 9, ...options.flow });
    this.threshold = options.dynamicThreshold ?? Math.max(1, width / 320);
    this.photometric = options.photometricThreshold ?? 10;
    this.margin = options.dynamicMargin ?? Math.max(2, Math.round(width / 100));
  }

  push(rgb: Uint8Array, hole: Uint8Array): FrameMotion {
    const { flowWidth: fw, flowHeight: fh } = this.flow;
    const coarseHole = shrinkMask(hole, this.width, this.height, fw, fh);
    const image = this.flow.prepare(rgb, coarseHole);
    const prev = this.previous;
    this.previous = { image, coarseHole };
    this.frames++;
    if (!prev) {
      const none = new Uint8Array(this.width * this.height);
      return { toPrevious: null, fromPrevious: null, dynamic: none, moving: none, grey: image.mat.data.slice() };
    }
    try {
      // Unreliable for the model: both holes, grown.
      const exclude = dilateCross(orMasks(coarseHole, prev.coarseHole), fw, fh, 2);
      const coarse = trackCorners(this.cv, image, prev.image, exclude, this.width, this.height);
      const difference = new Uint8Array(fw * fh);
      const flow = this.flowBetween(image, prev.image, coarse, difference);
      const toPrevious = fitHomography(this.cv, flow, fw, fh, this.width, this.height, exclude).homography;
      const fromPrevious = invertHomography(toPrevious);
      const moving = this.movingMask(flow, toPrevious, coarseHole, difference);
      let first: FrameMotion['first'];
      if (this.frames === 2) {
        const forward = this.flowBetween(prev.image, image, fromPrevious, difference);
        const firstMoving = this.movingMask(forward, fromPrevious, prev.coarseHole, difference);
        first = { dynamic: this.grow(firstMoving), moving: firstMoving };
      }
      return { toPrevious, fromPrevious, dynamic: this.grow(moving), moving, first, grey: image.mat.data.slice() };
    } finally {
      prev.image.dispose();
    }
  }

  /**
   * Dense flow a -> b (planar [2, fh, fw], processing pixels) given the camera motion a -> b: b is
   * warped onto a by the homography and Farneback measures only what is left. `difference` receives
   * |a - warped b| (grey levels, 3x3 mean) at flow resolution.
   */
  private flowBetween(a: FlowImage, b: FlowImage, aToB: Homography, difference: Uint8Array): Float32Array {
    const { cv } = this;
    const { flowWidth: fw, flowHeight: fh } = this.flow;
    const hf = toFlowCoordinates(aToB, this.width, this.height, fw, fh);
    const residual = withMats((track) => {
      const m = track(cv.matFromArray(3, 3, cv.CV_64FC1, Array.from(hf)));
      const warped = track(new cv.Mat());
      cv.warpPerspective(b.mat, warped, m, new cv.Size(fw, fh), cv.INTER_LINEAR | cv.WARP_INVERSE_MAP, cv.BORDER_REPLICATE, new cv.Scalar());
      const diff = track(new cv.Mat());
      cv.absdiff(a.mat, warped, diff);
      const smooth = track(new cv.Mat());
      cv.blur(diff, smooth, new cv.Size(3, 3));
      difference.set(smooth.data);
      return this.flow.flow(a, { mat: warped, dispose() {} });
    });
    // The residual is in processing pixels: back to flow pixels to follow it through the homography.
    const n = fw * fh;
    const sx = this.width / fw;
    const sy = this.height / fh;
    const out = new Float32Array(2 * n);
    const q = [0, 0];
    for (let j = 0; j < fh; j++)
      for (let i = 0; i < fw; i++) {
        const p = j * fw + i;
        mapPoint(hf, i + residual[p]! / sx, j + residual[n + p]! / sy, q);
        out[p] = (q[0]! - i) * sx;
        out[n + p] = (q[1]! - j) * sy;
      }
    return out;
  }

  /** Moving on its own: the flow disagrees with the camera AND the camera alone does not explain the look. */
  private movingMask(flow: Float32Array, h: Homography, coarseHole: Uint8Array, difference: Uint8Array): Uint8Array {
    const { flowWidth: fw, flowHeight: fh } = this.flow;
    const coarse = motionOutliers(flow, fw, fh, this.width, this.height, h, coarseHole, this.threshold, 0.05);
    for (let i = 0; i < coarse.length; i++) if (coarse[i] && difference[i]! < this.photometric) coarse[i] = 0;
    return upsampleMask(coarse, fw, fh, this.width, this.height);
  }

  private grow(moving: Uint8Array): Uint8Array {
    return dilateCross(moving, this.width, this.height, this.margin);
  }

  dispose(): void {
    this.previous?.image.dispose();
    this.previous = null;
    this.flow.dispose();
  }
}

/** A homography between processing-size frames, expressed between flow-resolution frames. */
function toFlowCoordinates(h: Homography, width: number, height: number, fw: number, fh: number): Homography {
  const ax = fw / width;
  const ay = fh / height;
  // flow = S proc, S = [ax 0 bx; 0 ay by; 0 0 1] with b = a/2 - 1/2 (pixel centres).
  const s = Float64Array.of(ax, 0, 0.5 * ax - 0.5, 0, ay, 0.5 * ay - 0.5, 0, 0, 1);
  return composeHomography(composeHomography(invertHomography(s), h), s);
}

/**
 * The camera motion a -> b (processing pixels) from Shi-Tomasi corners of a outside `exclude`,
 * followed into b by pyramidal Lucas-Kanade, RANSAC. The identity when too few corners track.
 */
export function trackCorners(cv: OpenCv, a: FlowImage, b: FlowImage, exclude: Uint8Array, width: number, height: number): Homography {
  const fw = a.mat.cols;
  const fh = a.mat.rows;
  return withMats((track) => {
    const allowed = track(new cv.Mat(fh, fw, cv.CV_8UC1));
    const allowedData = allowed.data;
    for (let i = 0; i < exclude.length; i++) allowedData[i] = exclude[i] ? 0 : 255;
    const corners = track(new cv.Mat());
    cv.goodFeaturesToTrack(a.mat, corners, 400, 0.01, 4, allowed, 5);
    const count = corners.rows;
    if (count < 12) return identityHomography();
    const next = track(new cv.Mat());
    const status = track(new cv.Mat());
    const err = track(new cv.Mat());
    cv.calcOpticalFlowPyrLK(a.mat, b.mat, corners, next, status, err, new cv.Size(15, 15), 4, new cv.TermCriteria(cv.TermCriteria_EPS | cv.TermCriteria_COUNT, 20, 0.03));
    const sx = width / fw;
    const sy = height / fh;
    const src: number[] = [];
    const dst: number[] = [];
    const c = corners.data32F;
    const d = next.data32F;
    const ok = status.data;
    for (let k = 0; k < count; k++) {
      if (!ok[k]) continue;
      src.push((c[2 * k]! + 0.5) * sx - 0.5, (c[2 * k + 1]! + 0.5) * sy - 0.5);
      dst.push((d[2 * k]! + 0.5) * sx - 0.5, (d[2 * k + 1]! + 0.5) * sy - 0.5);
    }
    if (src.length < 24) return identityHomography();
    const am = track(cv.matFromArray(src.length / 2, 1, cv.CV_32FC2, src));
    const bm = track(cv.matFromArray(dst.length / 2, 1, cv.CV_32FC2, dst));
    const mask = track(new cv.Mat());
    const h = track(cv.findHomography(am, bm, cv.RANSAC, Math.max(1, width / 320), mask, 2000, 0.995));
    if (h.empty() || h.rows !== 3) return identityHomography();
    return composeHomography(identityHomography(), Float64Array.from(h.data64F));
  });
}

function orMasks(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] !== 0 || b[i] !== 0 ? 1 : 0;
  return out;
}

/** Nearest-neighbour upsampling of a flow-resolution mask to processing size. */
export function upsampleMask(mask: Uint8Array, fw: number, fh: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = Math.min(fh - 1, Math.floor(((y + 0.5) * fh) / height)) * fw;
    for (let x = 0; x < width; x++) if (mask[row + Math.min(fw - 1, Math.floor(((x + 0.5) * fw) / width))] !== 0) out[y * width + x] = 1;
  }
  return out;
}
