/**
 * Diffusion fill: OpenCV's Telea inpainting, the classic engine's fallback when no patch can be
 * copied, and the per-frame floor `npm run eval` compares the engine with.
 *
 * Frames are RGB24 interleaved at processing size.
 */
import type { Mat, OpenCv } from '../../cv';

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
