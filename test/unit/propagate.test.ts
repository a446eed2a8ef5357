// Long-range propagation (engines/classic/propagate.ts): each hole pixel from the nearest frame in
// time where it is visible and not blocked (hole, moving on its own), through the homography, and
// the combination of the two directions with outliers dropped.
import { describe, expect, it } from 'vitest';
import { combineSamples, gatherDirection, type PropagationSource } from '../../main/engine/engines/classic/propagate';

const W = 40;
const H = 20;

function flat(value: number): Uint8Array {
  return new Uint8Array(W * H * 3).fill(value);
}

/** Target -> source: the source shows the target's scene shifted `dx` px right. */
function shift(dx: number): Float64Array {
  return Float64Array.of(1, 0, dx, 0, 1, 0, 0, 0, 1);
}

describe('propagation', () => {
  const pixels = Int32Array.of(10 * W + 10, 10 * W + 20);

  it('takes each pixel from the nearest source where it is visible, skipping blocked pixels', () => {
    const near = flat(50);
    const nearBlocked = new Uint8Array(W * H);
    // Where the second pixel lands in the near source (x 23) is blocked (a moving object there).
    for (let y = 8; y < 13; y++) for (let x = 22; x < 26; x++) nearBlocked[y * W + x] = 1;
    const sources: PropagationSource[] = [
      { rgb: near, blocked: nearBlocked, toSource: shift(3), distance: 1 },
      { rgb: flat(90), blocked: new Uint8Array(W * H), toSource: shift(6), distance: 5 },
    ];
    const got = gatherDirection(pixels, sources, W, H);
    expect(Array.from(got.count)).toEqual([1, 1]);
    expect(got.rgb[0]).toBe(50);
    expect(got.distance[0]).toBe(1);
    expect(got.rgb[3]).toBe(90);
    expect(got.distance[1]).toBe(5);
  });

  it("reads the source at the homography's sub-pixel position", () => {
    const ramp = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) ramp.fill(4 * x, 3 * (y * W + x), 3 * (y * W + x) + 3);
    const got = gatherDirection(Int32Array.of(10 * W + 10), [{ rgb: ramp, blocked: new Uint8Array(W * H), toSource: shift(2.5), distance: 1 }], W, H);
    expect(got.rgb[0]).toBeCloseTo(4 * 12.5, 3);
  });

  it("weights the two directions by nearness and drops a sample far from the others' median", () => {
    const one = (value: number, distance: number) => ({ depth: 1, rgb: Float32Array.of(value, value, value), distance: Uint16Array.of(distance), count: Uint8Array.of(1) });
    // Past at 1 frame (100), future at 3 frames (60): 1/1 and 1/3 weights.
    const two = combineSamples(1, [[one(100, 1), one(60, 3)]]);
    expect(two[0]).toBeCloseTo((100 + 60 / 3) / (1 + 1 / 3), 4);
    // Three samples, one of them a moving object the masks missed (250): it is dropped.
    const three = { depth: 3, rgb: Float32Array.of(100, 100, 100, 104, 104, 104, 250, 250, 250), distance: Uint16Array.of(2, 3, 1), count: Uint8Array.of(3) };
    const robust = combineSamples(1, [[three]]);
    expect(robust[0]).toBeGreaterThan(100);
    expect(robust[0]).toBeLessThan(104);
    // Nothing found: NaN, left to the exemplar fill.
    expect(Number.isNaN(combineSamples(1, [[{ depth: 1, rgb: new Float32Array(3), distance: new Uint16Array(1), count: new Uint8Array(1) }]])[0]!)).toBe(true);
  });
});
