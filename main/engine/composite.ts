/**
 * Pasting an engine's result into the full-resolution frame. Only the hole's bounding box is scaled
 * up (bicubic, with the exact pixel-centre mapping between the two sizes), and it is blended through
 * the upscaled hole with a soft edge that lies entirely *inside* the hole: every pixel outside the
 * (dilated) hole keeps the source value bit for bit, and the seam fades over a couple of pixels into
 * the dilated band, which is background anyway.
 */
import { withMats, type OpenCv } from './cv';

export interface CompositeInput {
  /** The full-resolution frame (RGB24), left unmodified. */
  full: Uint8Array;
  fullWidth: number;
  fullHeight: number;
  /** The engine's result at processing size (RGB24). */
  filled: Uint8Array;
  /** The hole at processing size, non-zero = filled by the engine. */
  hole: Uint8Array;
  width: number;
  height: number;
  /**
   * Outpainting: where the original frame sits on the full-resolution canvas. Everything outside it
   * is taken from the fill as it is (no feather against the empty canvas), whatever the upscaled
   * processing mask says at the border (the two canvases' scales differ by rounding).
   */
  frameRect?: { x: number; y: number; width: number; height: number };
}

/** Processing pixels around the hole's box that the bicubic kernel reads. */
const KERNEL_MARGIN = 2;

export function compositeFilled(cv: OpenCv, input: CompositeInput): Uint8Array {
  const { full, fullWidth: W, fullHeight: H, filled, hole, width: w, height: h, frameRect: rect } = input;
  const out = full.slice();
  const box = rect && (rect.x > 0 || rect.y > 0 || rect.width < W || rect.height < H) ? { x0: 0, y0: 0, x1: w, y1: h } : holeBox(hole, w, h);
  if (!box) return out;
  const sx = W / w;
  const sy = H / h;
  // The box at full resolution: every full pixel whose centre falls into a hole pixel's extent.
  const X0 = Math.max(0, Math.floor(box.x0 * sx));
  const X1 = Math.min(W, Math.ceil(box.x1 * sx));
  const Y0 = Math.max(0, Math.floor(box.y0 * sy));
  const Y1 = Math.min(H, Math.ceil(box.y1 * sy));
  const bw = X1 - X0;
  const bh = Y1 - Y0;
  // The processing crop the kernel needs.
  const cx0 = Math.max(0, box.x0 - KERNEL_MARGIN);
  const cy0 = Math.max(0, box.y0 - KERNEL_MARGIN);
  const cx1 = Math.min(w, box.x1 + KERNEL_MARGIN);
  const cy1 = Math.min(h, box.y1 + KERNEL_MARGIN);

  // Hole at full resolution: the processing pixel under each full pixel's centre; 2 = outside the
  // original frame when outpainting (filled without feather).
  const inHole = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    const Y = Y0 + y;
    const py = Math.min(h - 1, Math.floor((Y + 0.5) / sy));
    for (let x = 0; x < bw; x++) {
      const X = X0 + x;
      const outside = rect !== undefined && (X < rect.x || X >= rect.x + rect.width || Y < rect.y || Y >= rect.y + rect.height);
      const px = Math.min(w - 1, Math.floor((X + 0.5) / sx));
      inHole[y * bw + x] = outside ? 2 : hole[py * w + px] !== 0 ? 1 : 0;
    }
  }

  withMats((track) => {
    const crop = track(new cv.Mat(cy1 - cy0, cx1 - cx0, cv.CV_8UC3));
    const cropData = crop.data;
    for (let y = cy0; y < cy1; y++) cropData.set(filled.subarray((y * w + cx0) * 3, (y * w + cx1) * 3), (y - cy0) * (cx1 - cx0) * 3);
    // dst (X, Y) in the full box samples src ((X0 + X + 0.5) / sx - 0.5 - cx0, ...).
    const m = track(cv.matFromArray(2, 3, cv.CV_64FC1, [1 / sx, 0, (X0 + 0.5) / sx - 0.5 - cx0, 0, 1 / sy, (Y0 + 0.5) / sy - 0.5 - cy0]));
    const up = track(new cv.Mat());
    cv.warpAffine(crop, up, m, new cv.Size(bw, bh), cv.INTER_CUBIC | cv.WARP_INVERSE_MAP, cv.BORDER_REPLICATE, new cv.Scalar());
    const upData = up.data;

    // Soft edge inside the hole: alpha = hole * blur(hole), ~0.7 at the hole's edge, ~1 two pixels in.
    const mask = track(new cv.Mat(bh, bw, cv.CV_32FC1));
    const maskData = mask.data32F;
    for (let i = 0; i < inHole.length; i++) maskData[i] = inHole[i] === 0 ? 0 : 1;
    const soft = track(new cv.Mat());
    const sigma = Math.max(1, 0.75 * Math.max(sx, sy));
    cv.GaussianBlur(mask, soft, new cv.Size(0, 0), sigma, sigma, cv.BORDER_REPLICATE);
    const alpha = soft.data32F;

    for (let y = 0; y < bh; y++) {
      for (let x = 0; x < bw; x++) {
        const i = y * bw + x;
        if (inHole[i] === 0) continue;
        const a = inHole[i] === 2 ? 1 : alpha[i]!;
        const o = ((Y0 + y) * W + X0 + x) * 3;
        for (let c = 0; c < 3; c++) out[o + c] = Math.round(full[o + c]! * (1 - a) + upData[3 * i + c]! * a);
      }
    }
  });
  return out;
}

function holeBox(hole: Uint8Array, w: number, h: number): { x0: number; y0: number; x1: number; y1: number } | null {
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (hole[y * w + x] !== 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}
