/**
 * Image quality as ProPainter's evaluation computes it (core/metrics.py), on RGB24 frames:
 * - PSNR over the full frame, values 0..255 in float64: 20 log10(255 / sqrt(MSE)); Infinity when equal.
 * - SSIM as scikit-image's compare_ssim(multichannel=True, win_size=65, data_range=255) with its
 *   defaults: a uniform 65x65 window, K1 = 0.01, K2 = 0.03, sample covariance (NP / (NP - 1)), the
 *   mean of the SSIM map after cropping (win_size - 1) / 2 pixels from every side, averaged over the
 *   three channels. After that crop every window lies inside the image, so the filter's border mode
 *   never matters and windowed sums from summed-area tables are exact.
 */

export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError('psnr: frames differ in size');
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    se += d * d;
  }
  if (se === 0) return Number.POSITIVE_INFINITY;
  return 20 * Math.log10(255 / Math.sqrt(se / a.length));
}

export function ssim(a: Uint8Array, b: Uint8Array, width: number, height: number, winSize = 65): number {
  if (a.length !== width * height * 3 || b.length !== a.length) throw new RangeError('ssim: frames are not width*height RGB');
  const pad = (winSize - 1) >> 1;
  if (width <= 2 * pad || height <= 2 * pad) throw new RangeError(`ssim: ${width}x${height} is smaller than the ${winSize}px window`);
  let total = 0;
  for (let c = 0; c < 3; c++) total += channelSsim(a, b, c, width, height, winSize, pad);
  return total / 3;
}

function channelSsim(a: Uint8Array, b: Uint8Array, c: number, width: number, height: number, win: number, pad: number): number {
  const sw = width + 1;
  const size = sw * (height + 1);
  const sx = new Float64Array(size);
  const sy = new Float64Array(size);
  const sxx = new Float64Array(size);
  const syy = new Float64Array(size);
  const sxy = new Float64Array(size);
  for (let y = 0; y < height; y++) {
    let rx = 0, ry = 0, rxx = 0, ryy = 0, rxy = 0;
    for (let x = 0; x < width; x++) {
      const p = 3 * (y * width + x) + c;
      const vx = a[p]!;
      const vy = b[p]!;
      rx += vx;
      ry += vy;
      rxx += vx * vx;
      ryy += vy * vy;
      rxy += vx * vy;
      const i = (y + 1) * sw + x + 1;
      const up = i - sw;
      sx[i] = sx[up]! + rx;
      sy[i] = sy[up]! + ry;
      sxx[i] = sxx[up]! + rxx;
      syy[i] = syy[up]! + ryy;
      sxy[i] = sxy[up]! + rxy;
    }
  }
  const np = win * win;
  const covNorm = np / (np - 1);
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  const box = (s: Float64Array, x0: number, y0: number) => s[(y0 + win) * sw + x0 + win]! - s[y0 * sw + x0 + win]! - s[(y0 + win) * sw + x0]! + s[y0 * sw + x0]!;
  let sum = 0;
  let count = 0;
  for (let y = pad; y < height - pad; y++) {
    for (let x = pad; x < width - pad; x++) {
      const x0 = x - pad;
      const y0 = y - pad;
      const ux = box(sx, x0, y0) / np;
      const uy = box(sy, x0, y0) / np;
      const vx = covNorm * (box(sxx, x0, y0) / np - ux * ux);
      const vy = covNorm * (box(syy, x0, y0) / np - uy * uy);
      const vxy = covNorm * (box(sxy, x0, y0) / np - ux * uy);
      sum += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
      count++;
    }
  }
  return sum / count;
}

/**
 * Flicker of a hole: the mean absolute change (0..255, over channels) between consecutive frames of
 * the pixels that are in the hole of either frame, averaged over frame pairs. Compared with the same
 * figure on the original frames, it shows change the original lacks (a camera pan makes both large).
 */
export function holeFlicker(frames: Uint8Array[], holes: Uint8Array[]): number {
  let sum = 0;
  let pairs = 0;
  for (let k = 0; k + 1 < frames.length; k++) {
    const a = frames[k]!;
    const b = frames[k + 1]!;
    const ha = holes[k]!;
    const hb = holes[k + 1]!;
    let diff = 0;
    let n = 0;
    for (let i = 0; i < ha.length; i++) {
      if (!ha[i] && !hb[i]) continue;
      diff += Math.abs(a[3 * i]! - b[3 * i]!) + Math.abs(a[3 * i + 1]! - b[3 * i + 1]!) + Math.abs(a[3 * i + 2]! - b[3 * i + 2]!);
      n += 3;
    }
    if (n === 0) continue;
    sum += diff / n;
    pairs++;
  }
  return pairs > 0 ? sum / pairs : 0;
}
