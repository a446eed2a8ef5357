// Sizes and orderings of the UI's cached pictures: proxy sizes, cache refs, and the coarse-to-fine
// order that fills the thumbnail strip evenly.
import { describe, expect, it } from 'vitest';
import { cacheRefFor, fitWithin } from '../../main/media/cache-layout';
import { proxySizeFor } from '../../main/media/frame-cache';
import { coarseToFine, thumbnailFrames } from '../../main/media/thumbnails';

describe('proxySizeFor', () => {
  it.each([
    [1920, 1080, 960, 540],
    [3840, 2160, 960, 540],
    [432, 240, 432, 240], // never enlarged
    [1080, 1920, 302, 540], // portrait: fits the height
    [4000, 3000, 720, 540],
    [433, 241, 432, 240], // even, rounded down (never past the source)
    [2000, 200, 960, 96],
  ])('%ix%i -> %ix%i', (w, h, pw, ph) => {
    expect(proxySizeFor(w, h)).toEqual({ width: pw, height: ph });
  });

  it('fits thumbnails within 160x90', () => {
    expect(fitWithin(1920, 1080, { width: 160, height: 90 })).toEqual({ width: 160, height: 90 });
    expect(fitWithin(48, 64, { width: 160, height: 90 })).toEqual({ width: 48, height: 64 });
    expect(fitWithin(1080, 1920, { width: 160, height: 90 })).toEqual({ width: 50, height: 90 });
  });
});

describe('cache refs', () => {
  it('are <kind>/<mediaId>/<index 6 digits>.jpg', () => {
    expect(cacheRefFor('frames', 'ab12', 42)).toBe('frames/ab12/000042.jpg');
    expect(cacheRefFor('thumbs', 'ab12', 123456)).toBe('thumbs/ab12/123456.jpg');
  });
});

describe('coarse-to-fine order', () => {
  it('visits every slot once, ends first, then halves', () => {
    expect(coarseToFine(9)).toEqual([0, 8, 4, 2, 6, 1, 3, 5, 7]);
    for (const n of [1, 2, 3, 10, 100, 2000]) expect([...coarseToFine(n)].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
  });

  it('spreads every prefix over the whole strip', () => {
    const order = coarseToFine(100);
    // After 5 thumbnails no gap is wider than a quarter of the strip (+1 for rounding).
    const first = order.slice(0, 5).sort((a, b) => a - b);
    const gaps = first.slice(1).map((v, i) => v - first[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(26);
  });

  it('maps slots to frames without repeats, also when the clip has fewer frames than slots', () => {
    expect(thumbnailFrames(80, 5)).toEqual([0, 79, 40, 20, 59]);
    expect(thumbnailFrames(3, 10)).toEqual([0, 2, 1]);
    expect(thumbnailFrames(1, 10)).toEqual([0]);
  });
});
