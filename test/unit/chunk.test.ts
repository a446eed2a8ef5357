import { describe, expect, it } from 'vitest';
import { chunkWeight, defaultChunkOptions, planChunks, type ChunkPlanOptions } from '../../main/engine/engines/classic/chunks';

const opts: ChunkPlanOptions = { core: 20, firstCore: 8, blend: 4, context: 16 };

describe('classic engine chunk plan', () => {
  it('cuts a clip at 0, firstCore, firstCore + core, ... with windows padded by blend + context', () => {
    const plan = planChunks(60, opts);
    expect(plan.map((c) => [c.coreStart, c.coreEnd])).toEqual([[0, 8], [8, 28], [28, 48], [48, 60]]);
    expect(plan[0]).toMatchObject({ start: 0, end: 28, outStart: 0, outEnd: 12, finalBefore: 4, blendIn: 0, blendOut: 4 });
    expect(plan[1]).toMatchObject({ start: 0, end: 48, outStart: 4, outEnd: 32, finalBefore: 24 });
    expect(plan[2]).toMatchObject({ start: 8, end: 60, outStart: 24, outEnd: 52, finalBefore: 44 });
    expect(plan[3]).toMatchObject({ start: 28, end: 60, outStart: 44, outEnd: 60, finalBefore: 60, blendOut: 0 });
  });

  it('gives every frame weights that sum to exactly 1, from at most two chunks', () => {
    for (const n of [1, 5, 12, 29, 60, 61, 250]) {
      const plan = planChunks(n, opts);
      for (let f = 0; f < n; f++) {
        const weights = plan.map((c) => chunkWeight(c, f)).filter((w) => w > 0);
        expect(weights.length).toBeGreaterThanOrEqual(1);
        expect(weights.length).toBeLessThanOrEqual(2);
        expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      }
    }
  });

  it('cross-fades linearly across each seam', () => {
    const [a, b] = planChunks(60, opts);
    const seam = [4, 5, 6, 7, 8, 9, 10, 11].map((f) => chunkWeight(b!, f));
    expect(seam).toEqual([1, 3, 5, 7, 9, 11, 13, 15].map((v) => v / 16));
    expect(chunkWeight(a!, 3)).toBe(1);
    expect(chunkWeight(a!, 12)).toBe(0);
  });

  it('lets every contributed frame draw on at least `context` frames each side (clip ends aside)', () => {
    const plan = planChunks(250, opts);
    for (const c of plan) {
      expect(c.outStart - c.start).toBe(Math.min(c.outStart, opts.context));
      expect(c.end - c.outEnd).toBe(Math.min(250 - c.outEnd, opts.context));
      expect(c.end - c.start).toBeLessThanOrEqual(opts.core + 2 * (opts.blend + opts.context));
    }
  });

  it('emits each frame once, in order, and only needs frames from the next window on (trimming)', () => {
    const plan = planChunks(137, opts);
    let finalSoFar = 0;
    for (let i = 0; i < plan.length; i++) {
      const c = plan[i]!;
      expect(c.finalBefore).toBeGreaterThan(finalSoFar);
      // Frames that become final here are ones this chunk wrote (no later chunk contributes to them).
      for (let f = finalSoFar; f < c.finalBefore; f++) for (const later of plan.slice(i + 1)) expect(chunkWeight(later, f)).toBe(0);
      finalSoFar = c.finalBefore;
      // The next window never reaches below this chunk's window: frames before it can be dropped.
      if (i + 1 < plan.length) expect(plan[i + 1]!.start).toBeGreaterThanOrEqual(c.start);
    }
    expect(finalSoFar).toBe(137);
  });

  it('merges a last core shorter than the cross-fade into the one before', () => {
    const plan = planChunks(30, opts); // bounds 0, 8, 28 and a 2-frame tail
    expect(plan.map((c) => [c.coreStart, c.coreEnd])).toEqual([[0, 8], [8, 30]]);
  });

  it('derives the window from the propagation radius', () => {
    const o = defaultChunkOptions(40);
    expect(o.blend + o.context).toBe(20);
    expect(planChunks(1000, o).every((c) => c.end - c.start <= o.core + 2 * (o.blend + o.context))).toBe(true);
  });
});
