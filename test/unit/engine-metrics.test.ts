import { describe, expect, it } from 'vitest';
import { psnr, ssim } from '../eval/metrics';
import { noise } from '../helpers/random';

/** compare_ssim written out literally: windows around every pixel of the cropped map, per channel. */
function bruteSsim(a: Uint8Array, b: Uint8Array, w: number, h: number, win: number): number {
  const pad = (win - 1) / 2;
  const np = win * win;
  let total = 0;
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    let count = 0;
    for (let y = pad; y < h - pad; y++)
      for (let x = pad; x < w - pad; x++) {
        let mx = 0, my = 0;
        for (let dy = -pad; dy <= pad; dy++) for (let dx = -pad; dx <= pad; dx++) {
          mx += a[3 * ((y + dy) * w + x + dx) + c]!;
          my += b[3 * ((y + dy) * w + x + dx) + c]!;
        }
        mx /= np;
        my /= np;
        let vx = 0, vy = 0, cxy = 0;
        for (let dy = -pad; dy <= pad; dy++) for (let dx = -pad; dx <= pad; dx++) {
          const p = a[3 * ((y + dy) * w + x + dx) + c]! - mx;
          const q = b[3 * ((y + dy) * w + x + dx) + c]! - my;
          vx += p * p;
          vy += q * q;
          cxy += p * q;
        }
        vx /= np - 1;
        vy /= np - 1;
        cxy /= np - 1;
        const c1 = (0.01 * 255) ** 2;
        const c2 = (0.03 * 255) ** 2;
        sum += ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        count++;
      }
    total += sum / count;
  }
  return total / 3;
}

describe('evaluation metrics (ProPainter core/metrics.py)', () => {
  it('PSNR is 20 log10(255 / RMSE) over the whole frame', () => {
    const a = new Uint8Array(300).fill(100);
    const b = new Uint8Array(300).fill(101);
    expect(psnr(a, b)).toBeCloseTo(20 * Math.log10(255), 10);
    expect(psnr(a, a)).toBe(Number.POSITIVE_INFINITY);
  });

  it('SSIM matches a literal windowed computation (sample covariance, cropped border, channel mean)', () => {
    const w = 31;
    const h = 23;
    const a = noise(w * h * 3, 3);
    const b = a.map((v, i) => Math.min(255, Math.max(0, v + ((i * 7) % 41) - 20)));
    expect(ssim(a, b, w, h, 7)).toBeCloseTo(bruteSsim(a, b, w, h, 7), 10);
    expect(ssim(a, a, w, h, 7)).toBeCloseTo(1, 12);
  });

  it('uses a 65-pixel window by default and refuses frames smaller than it', () => {
    const a = noise(100 * 70 * 3, 5);
    expect(ssim(a, a, 100, 70)).toBeCloseTo(1, 12);
    expect(() => ssim(a.subarray(0, 60 * 60 * 3), a.subarray(0, 60 * 60 * 3), 60, 60)).toThrow(/smaller/);
  });
});
