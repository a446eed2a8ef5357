import { beforeAll, describe, expect, it } from 'vitest';
import { compositeFilled } from '../../main/engine/composite';
import { loadOpenCv, type OpenCv } from '../../main/engine/cv';
import { outpaintGeometry, outpaintMasks, placeOnCanvas, processingSize, PROPAINTER_MIN_SIDE } from '../../main/engine/geometry';
import { noise } from '../helpers/random';

let cv: OpenCv;
beforeAll(async () => {
  cv = await loadOpenCv();
});

describe('compositing the filled region into the full-resolution frame', () => {
  const W = 203;
  const H = 117;
  const w = 96;
  const h = 56;
  const full = noise(W * H * 3, 1);
  const hole = new Uint8Array(w * h);
  for (let y = 14; y < 40; y++) for (let x = 30; x < 70; x++) if ((x - 50) ** 2 / 400 + (y - 27) ** 2 / 169 <= 1) hole[y * w + x] = 1;
  const filled = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) filled.set([200, 10, 40], 3 * i);
  // Outside the hole the engine's output equals its input; make it differ to catch leaks.
  for (let i = 0; i < w * h; i++) if (!hole[i]) filled.set([0, 255, 0], 3 * i);
  let out: Uint8Array;
  beforeAll(() => {
    out = compositeFilled(cv, { full, fullWidth: W, fullHeight: H, filled, hole, width: w, height: h });
  });
  const holeUnder = (X: number, Y: number) => hole[Math.min(h - 1, Math.floor(((Y + 0.5) * h) / H)) * w + Math.min(w - 1, Math.floor(((X + 0.5) * w) / W))] === 1;

  it('keeps every pixel outside the upscaled dilated hole bit for bit', () => {
    let outside = 0;
    for (let Y = 0; Y < H; Y++)
      for (let X = 0; X < W; X++) {
        if (holeUnder(X, Y)) continue;
        outside++;
        const o = 3 * (Y * W + X);
        if (out[o] !== full[o] || out[o + 1] !== full[o + 1] || out[o + 2] !== full[o + 2]) throw new Error(`pixel ${X},${Y} outside the hole changed`);
      }
    expect(outside).toBeGreaterThan(W * H * 0.8);
  });

  it('puts the upscaled fill inside the hole, with a soft edge only just inside it', () => {
    let deep = 0;
    let edgeMixed = 0;
    for (let Y = 1; Y < H - 1; Y++)
      for (let X = 1; X < W - 1; X++) {
        if (!holeUnder(X, Y)) continue;
        const o = 3 * (Y * W + X);
        const onEdge = !holeUnder(X - 1, Y) || !holeUnder(X + 1, Y) || !holeUnder(X, Y - 1) || !holeUnder(X, Y + 1);
        let far = true;
        for (let dy = -6; dy <= 6 && far; dy++) for (let dx = -6; dx <= 6 && far; dx++) if (!holeUnder(X + dx, Y + dy)) far = false;
        if (far) {
          deep++;
          expect(Math.abs(out[o]! - 200) + Math.abs(out[o + 1]! - 10) + Math.abs(out[o + 2]! - 40)).toBeLessThanOrEqual(3);
        }
        if (onEdge && Math.abs(out[o]! - 200) > 3 && Math.abs(out[o]! - full[o]!) > 3) edgeMixed++;
      }
    expect(deep).toBeGreaterThan(100);
    expect(edgeMixed).toBeGreaterThan(20);
  });

  it('returns the frame unchanged when there is no hole', () => {
    expect(compositeFilled(cv, { full, fullWidth: W, fullHeight: H, filled, hole: new Uint8Array(w * h), width: w, height: h })).toEqual(full);
  });
});

describe('compositing an outpainted canvas', () => {
  it('fills everything outside the original frame without feathering against the empty canvas', () => {
    // 562x288 canvas with the 432x240 frame at (65, 24); processing canvas 560x288 with it at (64, 24):
    // the two scales differ by rounding, so the upscaled processing border alone would leave a seam.
    const W = 562;
    const H = 288;
    const rect = { x: 65, y: 24, width: 432, height: 240 };
    const full = new Uint8Array(W * H * 3);
    for (let y = 0; y < rect.height; y++) full.fill(120, ((rect.y + y) * W + rect.x) * 3, ((rect.y + y) * W + rect.x + rect.width) * 3);
    const w = 560;
    const hole = new Uint8Array(w * H).fill(1);
    for (let y = 24; y < 264; y++) hole.fill(0, y * w + 64, y * w + 64 + 432);
    const filled = new Uint8Array(w * H * 3).fill(200);
    const out = compositeFilled(cv, { full, fullWidth: W, fullHeight: H, filled, hole, width: w, height: H, frameRect: rect });
    for (let Y = 0; Y < H; Y++)
      for (let X = 0; X < W; X++) {
        const inside = X >= rect.x && X < rect.x + rect.width && Y >= rect.y && Y < rect.y + rect.height;
        const v = out[3 * (Y * W + X)]!;
        if (inside ? v !== 120 : v !== 200) throw new Error(`pixel ${X},${Y} is ${v}, expected ${inside ? 120 : 200}`);
      }
  });
});

describe('processing size', () => {
  it('fits the source into 960x540 (540x960 for portrait), rounded down to multiples of 8, never upscaled', () => {
    expect(processingSize({ width: 1920, height: 1080 })).toEqual({ width: 960, height: 536 });
    expect(processingSize({ width: 432, height: 240 })).toEqual({ width: 432, height: 240 });
    expect(processingSize({ width: 854, height: 480 })).toEqual({ width: 848, height: 480 });
    expect(processingSize({ width: 1080, height: 1920 })).toEqual({ width: 536, height: 960 });
    expect(processingSize({ width: 3840, height: 1600 })).toEqual({ width: 960, height: 400 });
    expect(processingSize({ width: 20, height: 10 })).toEqual({ width: 16, height: 8 });
  });

  it('rounds a user-set size down to multiples of 8', () => {
    expect(processingSize({ width: 1920, height: 1080 }, { width: 500, height: 301 })).toEqual({ width: 496, height: 296 });
  });

  it("scales small clips up to ProPainter's 128 px minimum side, keeping the aspect, and refuses a smaller set size", () => {
    expect(processingSize({ width: 160, height: 120 }, null, PROPAINTER_MIN_SIDE)).toEqual({ width: 168, height: 128 });
    expect(processingSize({ width: 96, height: 200 }, null, PROPAINTER_MIN_SIDE)).toEqual({ width: 128, height: 264 });
    expect(processingSize({ width: 1920, height: 1080 }, null, PROPAINTER_MIN_SIDE)).toEqual({ width: 960, height: 536 });
    expect(() => processingSize({ width: 1920, height: 1080 }, { width: 256, height: 120 }, PROPAINTER_MIN_SIDE)).toThrow(
      'the processing size 256x120 is too small for ProPainter (each side needs at least 128 px); choose a larger size or leave it automatic',
    );
  });
});

describe('outpainting geometry (ProPainter extrapolation)', () => {
  const g = outpaintGeometry({ width: 432, height: 240 }, { width: 432, height: 240 }, { scaleH: 1, scaleW: 1.2 });

  it('scales the processing canvas down to multiples of 8 and the full canvas to even sizes, frame centred', () => {
    expect(g.processing).toEqual({ width: 512, height: 240, x: 40, y: 0 });
    expect(g.full).toEqual({ width: 518, height: 240, x: 43, y: 0 });
  });

  it('makes the padding the hole and extends the flow mask 4 px inside on sides with more than 10 px margin', () => {
    const { hole, flowMask } = outpaintMasks({ width: 432, height: 240 }, g.processing);
    const at = (m: Uint8Array, x: number, y: number) => m[y * 512 + x];
    expect([at(hole, 39, 100), at(hole, 40, 100), at(hole, 471, 100), at(hole, 472, 100)]).toEqual([1, 0, 0, 1]);
    expect([at(flowMask, 43, 100), at(flowMask, 44, 100), at(flowMask, 467, 100), at(flowMask, 468, 100)]).toEqual([1, 0, 0, 1]);
    // No margin above and below: the flow mask does not reach in there.
    expect([at(flowMask, 200, 0), at(flowMask, 200, 239)]).toEqual([0, 0]);
    expect(hole.reduce((a, v) => a + v, 0)).toBe((512 - 432) * 240);
  });

  it('places frames on a black canvas', () => {
    const frame = new Uint8Array(4 * 2 * 3).fill(9);
    const canvas = placeOnCanvas(frame, { width: 4, height: 2 }, { width: 6, height: 4, x: 1, y: 1 });
    expect(canvas[3 * (1 * 6 + 1)]).toBe(9);
    expect(canvas[3 * (2 * 6 + 4)]).toBe(9);
    expect(canvas[0]).toBe(0);
    expect(canvas[3 * (1 * 6 + 5)]).toBe(0);
  });

  it('refuses scales below 1 or above 4 with a one-line message', () => {
    expect(() => outpaintGeometry({ width: 432, height: 240 }, { width: 432, height: 240 }, { scaleH: 0.5, scaleW: 1 })).toThrow(/between 1 and 4/);
  });
});
