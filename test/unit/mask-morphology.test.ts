import { describe, expect, it } from 'vitest';
import { dilateCross, dilateDisk, erodeDisk, featherOutward } from '../../common/mask/morphology';
import { maskDifference } from './raster.helpers';
import { rng } from '../helpers/random';

function randomMask(w: number, h: number, density: number, random: () => number, value = () => 255): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let i = 0; i < m.length; i++) if (random() < density) m[i] = value();
  return m;
}

/** scipy's binary_dilation semantics, literally: N passes of the 3x3 cross, border value 0. */
function naiveCrossDilation(mask: Uint8Array, w: number, h: number, n: number): Uint8Array {
  let cur = Uint8Array.from(mask, (v) => (v ? 1 : 0));
  for (let it = 0; it < n; it++) {
    const next = new Uint8Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        next[i] = cur[i] || (x > 0 && cur[i - 1]) || (x < w - 1 && cur[i + 1]) || (y > 0 && cur[i - w]) || (y < h - 1 && cur[i + w]) ? 1 : 0;
      }
    cur = next;
  }
  return cur;
}

/** Brute-force distance from each pixel to the nearest pixel with the given membership. */
function bruteDistance(mask: Uint8Array, w: number, h: number, toInside: boolean): Float64Array {
  const d = new Float64Array(w * h).fill(Infinity);
  const seeds: [number, number][] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (mask[y * w + x]! >= 128 === toInside) seeds.push([x, y]);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) for (const [sx, sy] of seeds) d[y * w + x] = Math.min(d[y * w + x]!, Math.hypot(x - sx, y - sy));
  return d;
}

describe('dilateCross (scipy binary_dilation, default cross, N iterations)', () => {
  it('equals N naive passes of the 3x3 cross on random masks, borders included', () => {
    const random = rng(7);
    for (const [w, h] of [
      [1, 1],
      [7, 1],
      [1, 9],
      [23, 17],
      [40, 31],
    ] as const) {
      for (const density of [0, 0.01, 0.05, 0.3]) {
        const mask = randomMask(w, h, density, random, () => 1 + Math.floor(random() * 255));
        for (const n of [0, 1, 2, 3, 6, 50]) expect(maskDifference(dilateCross(mask, w, h, n), naiveCrossDilation(mask, w, h, n), w), `${w}x${h} d=${density} n=${n}`).toBeNull();
      }
    }
  });

  it('grows a single pixel into an L1 diamond of radius N', () => {
    const mask = new Uint8Array(11 * 11);
    mask[5 * 11 + 5] = 9;
    const out = dilateCross(mask, 11, 11, 3);
    for (let y = 0; y < 11; y++) for (let x = 0; x < 11; x++) expect(out[y * 11 + x]).toBe(Math.abs(x - 5) + Math.abs(y - 5) <= 3 ? 1 : 0);
  });

  it('refuses a buffer that does not match the size', () => {
    expect(() => dilateCross(new Uint8Array(10), 4, 4, 1)).toThrow(/not 4x4/);
  });
});

describe('dilateDisk / erodeDisk (Euclidean, between pixel centres)', () => {
  it('dilation by 1 is the cross, by 1.5 the 3x3 square', () => {
    const mask = new Uint8Array(5 * 5);
    mask[12] = 255;
    expect(Array.from(dilateDisk(mask, 5, 5, 1))).toEqual([0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(dilateDisk(mask, 5, 5, 1.5))).toEqual([0, 0, 0, 0, 0, 0, 255, 255, 255, 0, 0, 255, 255, 255, 0, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0]);
  });

  it('matches a brute-force distance check on random masks', () => {
    const random = rng(11);
    for (const [w, h] of [
      [19, 13],
      [32, 32],
      [1, 12],
    ] as const) {
      for (const density of [0.005, 0.03, 0.2, 0.8]) {
        const mask = randomMask(w, h, density, random);
        const toIn = bruteDistance(mask, w, h, true);
        const toOut = bruteDistance(mask, w, h, false);
        for (const r of [0.5, 1, 1.5, 2.3, 4, 9.9]) {
          const grown = Uint8Array.from(toIn, (d) => (d <= r + 1e-9 ? 255 : 0));
          const shrunk = Uint8Array.from(toOut, (d, i) => (mask[i] && !(d <= r + 1e-9) ? 255 : 0));
          expect(maskDifference(dilateDisk(mask, w, h, r), grown, w), `grow ${w}x${h} d=${density} r=${r}`).toBeNull();
          expect(maskDifference(erodeDisk(mask, w, h, r), shrunk, w), `shrink ${w}x${h} d=${density} r=${r}`).toBeNull();
        }
      }
    }
  });

  it('does not erode from the frame border', () => {
    const full = new Uint8Array(6 * 4).fill(255);
    expect(erodeDisk(full, 6, 4, 3)).toEqual(full);
  });

  it('leaves an empty mask empty and copies the input for radius 0', () => {
    expect(dilateDisk(new Uint8Array(16), 4, 4, 3)).toEqual(new Uint8Array(16));
    const m = randomMask(4, 4, 0.5, rng(3));
    expect(erodeDisk(m, 4, 4, 0)).toEqual(m);
  });
});

describe('featherOutward', () => {
  it('keeps the inside, fades outside monotonically and ends at feather + 0.5 pixels', () => {
    const w = 40;
    const h = 9;
    const mask = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < 10; x++) mask[y * w + x] = 255;
    featherOutward(mask, w, h, 8);
    const row = Array.from(mask.subarray(4 * w, 5 * w));
    expect(row.slice(0, 10).every((v) => v === 255)).toBe(true);
    for (let x = 10; x < w; x++) expect(row[x]!, `x=${x}`).toBeLessThanOrEqual(row[x - 1]!);
    expect(row[10]).toBeGreaterThan(200);
    expect(row[10]).toBeLessThan(255);
    expect(row[13]! > 0 && row[13]! < 255).toBe(true);
    expect(row.slice(18)).toEqual(new Array(w - 18).fill(0)); // distance 8.5 from the edge pixel centre at x = 9
    // Every row is the same: the region is a band.
    for (let y = 0; y < h; y++) expect(Array.from(mask.subarray(y * w, (y + 1) * w))).toEqual(row);
  });

  it('is radially symmetric around a dot', () => {
    const n = 21;
    const mask = new Uint8Array(n * n);
    mask[10 * n + 10] = 255;
    featherOutward(mask, n, n, 6);
    for (const [dx, dy] of [
      [3, 0],
      [0, 3],
      [-3, 0],
      [0, -3],
    ])
      expect(mask[(10 + dy) * n + 10 + dx]).toBe(mask[10 * n + 13]);
    expect(mask[10 * n + 13]).toBeGreaterThan(mask[12 * n + 12 + 1]!); // (3,0) is nearer than (3,2)
  });
});
