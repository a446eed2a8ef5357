/**
 * Dense optical flow with OpenCV's Farneback method (WebAssembly build), optionally on a downscaled
 * copy of the frames: at half size a 432x240 pair takes ~5.5 ms instead of ~35 ms, and the eval
 * (`npm run eval`) measures what that costs in completion quality.
 *
 * Flows come out planar, [2, flowHeight, flowWidth] (dx plane, then dy plane), already in
 * processing-size pixels, so upsampling only interpolates. Conventions as ProPainter's RAFT_bi:
 * `flow(a, b)` maps a pixel of a to where it is in b, so the forward flow k -> k+1 is flow(k, k+1)
 * and the backward flow k+1 -> k (stored at index k) is flow(k+1, k).
 */
import type { Mat, OpenCv } from '../cv';
import { fillHarmonic } from './complete';

export interface FarnebackOptions {
  /** Flow is computed at processing size / downscale (1 = full size). */
  downscale: number;
  levels: number;
  winsize: number;
  iterations: number;
  polyN: number;
  polySigma: number;
}

export const DEFAULT_FARNEBACK: FarnebackOptions = { downscale: 2, levels: 3, winsize: 15, iterations: 3, polyN: 5, polySigma: 1.1 };

/** A frame prepared for flow: grey at flow resolution, on the WASM heap until disposed. */
export interface FlowImage {
  readonly mat: Mat;
  dispose(): void;
}

export class FarnebackFlow {
  readonly flowWidth: number;
  readonly flowHeight: number;
  private readonly options: FarnebackOptions;
  private readonly rgbMat: Mat;
  private readonly grayMat: Mat;
  private readonly flowMat: Mat;
  private disposed = false;

  constructor(
    private readonly cv: OpenCv,
    readonly width: number,
    readonly height: number,
    options: Partial<FarnebackOptions> = {},
  ) {
    this.options = { ...DEFAULT_FARNEBACK, ...options };
    const d = Math.max(1, this.options.downscale);
    this.flowWidth = Math.max(8, Math.round(width / d));
    this.flowHeight = Math.max(8, Math.round(height / d));
    this.rgbMat = new cv.Mat(height, width, cv.CV_8UC3);
    this.grayMat = new cv.Mat(height, width, cv.CV_8UC1);
    this.flowMat = new cv.Mat(this.flowHeight, this.flowWidth, cv.CV_32FC2);
  }

  /**
   * `hole` (at flow resolution, non-zero = unknown) is painted over with a smooth membrane first, so
   * that the object being removed does not drag the flow around it along with its own motion.
   */
  prepare(rgb: Uint8Array, hole?: Uint8Array): FlowImage {
    const { cv } = this;
    if (rgb.length !== this.width * this.height * 3) throw new RangeError(`FarnebackFlow: frame is not ${this.width}x${this.height} RGB`);
    this.rgbMat.data.set(rgb);
    cv.cvtColor(this.rgbMat, this.grayMat, cv.COLOR_RGB2GRAY);
    const mat = new cv.Mat();
    if (this.flowWidth === this.width && this.flowHeight === this.height) this.grayMat.copyTo(mat);
    else cv.resize(this.grayMat, mat, new cv.Size(this.flowWidth, this.flowHeight), 0, 0, cv.INTER_AREA);
    if (hole) {
      const gray = mat.data;
      const values = Float32Array.from(gray);
      fillHarmonic(values, 1, this.flowWidth, this.flowHeight, hole);
      for (let i = 0; i < gray.length; i++) if (hole[i] !== 0) gray[i] = Math.round(values[i]!);
    }
    let alive = true;
    return {
      mat,
      dispose: () => {
        if (alive) mat.delete();
        alive = false;
      },
    };
  }

  /** Flow from `a` to `b`, planar at flow resolution, in processing-size pixels. */
  flow(a: FlowImage, b: FlowImage): Float32Array {
    const { cv, options: o } = this;
    cv.calcOpticalFlowFarneback(a.mat, b.mat, this.flowMat, 0.5, o.levels, o.winsize, o.iterations, o.polyN, o.polySigma, 0);
    const interleaved = this.flowMat.data32F;
    const n = this.flowWidth * this.flowHeight;
    const sx = this.width / this.flowWidth;
    const sy = this.height / this.flowHeight;
    const out = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      out[i] = interleaved[2 * i]! * sx;
      out[n + i] = interleaved[2 * i + 1]! * sy;
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.rgbMat.delete();
    this.grayMat.delete();
    this.flowMat.delete();
  }
}
