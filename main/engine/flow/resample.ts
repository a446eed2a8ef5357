/** Moving flows and masks between flow resolution and processing size. */
import { withMats, type OpenCv } from '../cv';

/** Bilinear resize of each plane of a planar float image (OpenCV INTER_LINEAR, pixel centres aligned). */
export function resizePlanes(cv: OpenCv, src: Float32Array, channels: number, sw: number, sh: number, dw: number, dh: number): Float32Array {
  if (sw === dw && sh === dh) return src.slice();
  const out = new Float32Array(channels * dw * dh);
  withMats((track) => {
    const a = track(new cv.Mat(sh, sw, cv.CV_32FC1));
    const b = track(new cv.Mat(dh, dw, cv.CV_32FC1));
    for (let c = 0; c < channels; c++) {
      a.data32F.set(src.subarray(c * sw * sh, (c + 1) * sw * sh));
      cv.resize(a, b, new cv.Size(dw, dh), 0, 0, cv.INTER_LINEAR);
      out.set(b.data32F, c * dw * dh);
    }
  });
  return out;
}

/** A coarse pixel is a hole when any processing-size pixel falling into it is (conservative). */
export function shrinkMask(mask: Uint8Array, width: number, height: number, sw: number, sh: number): Uint8Array {
  const out = new Uint8Array(sw * sh);
  for (let y = 0; y < height; y++) {
    const row = Math.min(sh - 1, Math.floor((y * sh) / height)) * sw;
    for (let x = 0; x < width; x++) if (mask[y * width + x] !== 0) out[row + Math.min(sw - 1, Math.floor((x * sw) / width))] = 1;
  }
  return out;
}
