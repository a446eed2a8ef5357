// The classic engine's fill for what no frame saw and its blending: PatchMatch exemplar fill on a
// textured hole (patch-fill.ts), its temporal seeding, and the gradient-domain blend (blend.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOpenCv, type OpenCv } from '../../main/engine/cv';
import { outerRing, poissonBlend } from '../../main/engine/engines/classic/blend';
import { SpatialFiller } from '../../main/engine/engines/classic/fill';
import { PatchFiller } from '../../main/engine/engines/classic/patch-fill';
import { setPixels } from '../../main/engine/engines/classic/pixels';
import { smoothWithPrevious } from '../../main/engine/engines/classic/temporal';
import { identityHomography } from '../../main/engine/flow/motion';

let cv: OpenCv;
beforeAll(async () => {
  cv = await loadOpenCv();
});

const W = 160;
const H = 96;

/** Diagonal stripes of two colours (period 8) with a second, vertical period: a texture diffusion blurs. */
function texture(shift = 0): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const stripe = ((x + shift + y) >> 2) & 1;
      const band = (y >> 3) & 1;
      rgb.set(stripe ? [200, 60 + 80 * band, 40] : [30, 90, 180 - 60 * band], 3 * (y * W + x));
    }
  return rgb;
}

function box(x0: number, y0: number, w: number, h: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) m[y * W + x] = 1;
  return m;
}

/** Mean absolute error (per channel) over the mask. */
function maeIn(a: Uint8Array, b: Uint8Array, mask: Uint8Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) for (let c = 0; c < 3; c++, n++) s += Math.abs(a[3 * i + c]! - b[3 * i + c]!);
  return s / n;
}

function blanked(rgb: Uint8Array, hole: Uint8Array): Uint8Array {
  const out = rgb.slice();
  for (let i = 0; i < hole.length; i++) if (hole[i]) out.fill(0, 3 * i, 3 * i + 3);
  return out;
}

describe('patch fill', () => {
  const truth = texture();
  const hole = box(60, 30, 28, 26);
  const none = new Uint8Array(W * H);

  it('continues the stripes into a hole where diffusion blurs them', () => {
    const patched = blanked(truth, hole);
    const field = new PatchFiller(cv).fill(patched, hole, none, W, H);
    expect(field).not.toBeNull();
    const telea = blanked(truth, hole);
    const filler = new SpatialFiller(cv, W, H);
    filler.fill(telea, hole.slice());
    filler.dispose();
    const patchError = maeIn(patched, truth, hole);
    const teleaError = maeIn(telea, truth, hole);
    console.log(`textured hole, mean abs error: patches ${patchError.toFixed(1)}, Telea ${teleaError.toFixed(1)}`);
    expect(patchError).toBeLessThan(0.5 * teleaError);
    // Nothing outside the hole changes.
    for (let i = 0; i < hole.length; i++) if (!hole[i]) expect(patched[3 * i]).toBe(truth[3 * i]);
  });

  it('copies nothing from where it must not: an avoided red square never appears in the fill', () => {
    const rgb = blanked(truth, hole);
    const avoid = box(100, 30, 20, 20);
    for (let i = 0; i < avoid.length; i++) if (avoid[i]) rgb.set([255, 0, 0], 3 * i);
    new PatchFiller(cv).fill(rgb, hole, avoid, W, H);
    for (let i = 0; i < hole.length; i++) if (hole[i]) expect(rgb[3 * i]! > 240 && rgb[3 * i + 1]! < 20).toBe(false);
  });

  it("starts from the previous frame's fill: a static scene keeps its fill from frame to frame", () => {
    // Noise has no right answer: two unseeded fills differ, a seeded one repeats the first.
    let seed = 3;
    const noise = Uint8Array.from({ length: W * H * 3 }, () => (seed = (seed * 1103515245 + 12345) % 2147483648) >> 23);
    const filler = new PatchFiller(cv);
    const first = blanked(noise, hole);
    const field = filler.fill(first, hole, none, W, H);
    const seeded = blanked(noise, hole);
    filler.fill(seeded, hole, none, W, H, field, identityHomography());
    const unseeded = blanked(noise, hole);
    filler.fill(unseeded, hole, none, W, H);
    const kept = maeIn(seeded, first, hole);
    const redrawn = maeIn(unseeded, first, hole);
    console.log(`static noise, change of the fill from one frame to the next: seeded ${kept.toFixed(1)}, unseeded ${redrawn.toFixed(1)}`);
    expect(redrawn).toBeGreaterThan(20);
    expect(kept).toBeLessThan(0.25 * redrawn);
  });
});

describe('gradient-domain blend', () => {
  it("moves a fill that is 25 levels too bright onto the frame: no step at the hole's edge", () => {
    // A smooth ramp; the fill is the same ramp brighter, as a source frame under other light gives.
    const frame = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) frame.set([60 + x, 50 + y, 120], 3 * (y * W + x));
    const hole = box(50, 30, 40, 30);
    const ring = outerRing(hole, W, H);
    const rgb = frame.slice();
    for (let i = 0; i < hole.length; i++) if (hole[i]) for (let c = 0; c < 3; c++) rgb[3 * i + c] += 25;
    // The fill's sources show the ring 25 levels brighter too.
    const ringRgb = new Float32Array(3 * ring.length);
    ring.forEach((p, r) => {
      for (let c = 0; c < 3; c++) ringRgb[3 * r + c] = frame[3 * p + c]! + 25;
    });
    const before = maeIn(rgb, frame, hole);
    const used = poissonBlend(rgb, hole, { pixels: ring, rgb: ringRgb }, W, H, 40);
    expect(used).toBe(ring.length);
    expect(before).toBeCloseTo(25, 0);
    expect(maeIn(rgb, frame, hole)).toBeLessThan(1);
    // Outside the hole nothing changed.
    for (let i = 0; i < hole.length; i++) if (!hole[i]) expect(rgb[3 * i]).toBe(frame[3 * i]);
  });

  it('leaves out ring pixels where the frame shows something else (a moving object beside the hole)', () => {
    const frame = new Uint8Array(W * H * 3).fill(100);
    const hole = box(50, 30, 40, 30);
    const ring = outerRing(hole, W, H);
    // An object (200) covers the ring's left side; the fill (background, 100) is right as it is.
    for (const p of ring) if (p % W < 50) frame.fill(200, 3 * p, 3 * p + 3);
    const rgb = frame.slice();
    const ringRgb = new Float32Array(3 * ring.length).fill(100);
    poissonBlend(rgb, hole, { pixels: ring, rgb: ringRgb }, W, H, 40);
    expect(maeIn(rgb, new Uint8Array(W * H * 3).fill(100), hole)).toBe(0);
  });
});

describe('temporal smoothing of the fill', () => {
  // The previous frame's fill is 100 everywhere in its hole; the camera moved 5 pixels right, so
  // this frame's pixel (x, y) shows the previous frame's (x + 5, y).
  const previousHole = box(40, 30, 40, 30);
  const previous = { rgb: new Uint8Array(W * H * 3).fill(100), hole: previousHole };
  const toPrevious = Float64Array.of(1, 0, 5, 0, 1, 0, 0, 0, 1);

  it('pulls each filled pixel towards the previous fill at the same scene point, by the strength', () => {
    const hole = box(36, 30, 40, 30);
    const rgb = new Uint8Array(W * H * 3).fill(120);
    const smoothed = smoothWithPrevious(rgb, setPixels(hole), previous, toPrevious, 0.5, W, H);
    // Pixels whose scene point was filled before (x + 5 inside 40..78): halfway to 100.
    expect(rgb[3 * (40 * W + 50)]).toBe(110);
    // x = 36 maps to 41, filled; x = 75 maps to 80, outside the previous hole: kept as it was.
    expect(rgb[3 * (40 * W + 36)]).toBe(110);
    expect(rgb[3 * (40 * W + 75)]).toBe(120);
    expect(smoothed).toBeGreaterThan(0);
    expect(smoothed).toBeLessThan(setPixels(hole).length);
    // Outside the hole nothing changes.
    expect(rgb[3 * (10 * W + 10)]).toBe(120);
  });

  it('lets a real change through unsmoothed', () => {
    const hole = box(40, 30, 30, 30);
    const rgb = new Uint8Array(W * H * 3).fill(200); // 100 levels per channel from the previous fill
    expect(smoothWithPrevious(rgb, setPixels(hole), previous, toPrevious, 0.5, W, H)).toBe(0);
    expect(rgb[3 * (40 * W + 50)]).toBe(200);
  });
});
