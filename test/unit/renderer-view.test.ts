// Viewer and timeline maths: zoom towards the cursor, pixel-accurate 100 %, frame <-> x, playback
// and J/K/L shuttle timing.
import { describe, expect, it } from 'vitest';
import { fitView, panBy, screenToSource, sourceToScreen, zoomAt } from '../../renderer/editor/viewport';
import { Playback } from '../../renderer/editor/playback';
import { frameAtX, nearestIndex, rulerStep, thumbnailForSlot, xOfFrame } from '../../renderer/timeline/scale';
import { editorWithProject } from './renderer-fixtures';

describe('viewport', () => {
  it('fits the frame centred inside the viewer', () => {
    const v = fitView({ width: 1000, height: 600 }, { width: 1920, height: 1080 });
    const tl = sourceToScreen(v, 0, 0);
    const br = sourceToScreen(v, 1920, 1080);
    expect(br.x - tl.x).toBeLessThanOrEqual(1000);
    expect(br.y - tl.y).toBeLessThanOrEqual(600);
    expect(tl.x + br.x).toBeCloseTo(1000, 5);
  });

  it('keeps the source point under the cursor while zooming', () => {
    const v = fitView({ width: 1000, height: 600 }, { width: 1920, height: 1080 });
    const before = screenToSource(v, 321, 123);
    const z = zoomAt(v, v.zoom * 3.7, 321, 123);
    const after = screenToSource(z, 321, 123);
    expect(after.x).toBeCloseTo(before.x, 6);
    expect(after.y).toBeCloseTo(before.y, 6);
    expect(z.fit).toBe(false);
  });

  it('maps source pixels to whole screen pixels at 100 %', () => {
    const v = zoomAt(fitView({ width: 1013, height: 611 }, { width: 640, height: 360 }), 1, 400.3, 300.7);
    expect(Number.isInteger(v.x) && Number.isInteger(v.y)).toBe(true);
    const p = panBy(v, 0.4, 0.6);
    expect(Number.isInteger(p.x) && Number.isInteger(p.y)).toBe(true);
  });
});

describe('timeline scale', () => {
  it('maps x to the frame whose cell contains it, clamped to the clip', () => {
    expect(frameAtX(0, 4, 100)).toBe(0);
    expect(frameAtX(3.99, 4, 100)).toBe(0);
    expect(frameAtX(4, 4, 100)).toBe(1);
    expect(frameAtX(xOfFrame(57, 4), 4, 100)).toBe(57);
    expect(frameAtX(1e6, 4, 100)).toBe(99);
    expect(frameAtX(-5, 4, 100)).toBe(0);
  });

  it('a strip slot waits for a thumbnail near it instead of repeating the first ones', () => {
    // 300 frames, 16 slots of 18.75 frames; only the first two thumbnails (coarse to fine: both ends) exist.
    const slots = (thumbs: number[]) => Array.from({ length: 16 }, (_, k) => thumbnailForSlot(thumbs, Math.floor((k + 0.5) * 18.75), 18.75, 300, 240));
    const early = slots([0, 299]);
    expect(early.filter((t) => t !== null)).toEqual([0, 299]);
    // Once the set is complete every slot has one, each standing for its own part of the clip.
    const all = Array.from({ length: 240 }, (_, i) => Math.round((i * 299) / 239));
    const full = slots(all);
    expect(full.every((t, k) => t !== null && Math.abs(t - Math.floor((k + 0.5) * 18.75)) <= 1.26)).toBe(true);
    // Zoomed in on a long clip, slots narrower than the spacing still show the nearest of the full set.
    const long = Array.from({ length: 240 }, (_, i) => Math.round((i * 9999) / 239));
    expect(thumbnailForSlot(long, 5000, 2, 10000, 240)).not.toBeNull();
  });

  it('labels the ruler at readable spacing and finds the nearest thumbnail', () => {
    expect(rulerStep(10)).toBe(10);
    expect(rulerStep(0.5)).toBe(250);
    expect(nearestIndex([0, 10, 20, 30], 14)).toBe(1);
    expect(nearestIndex([0, 10, 20, 30], 16)).toBe(2);
    expect(nearestIndex([0, 10, 20, 30], 99)).toBe(3);
  });
});

describe('playback', () => {
  function clock() {
    let t = 0;
    const callbacks: ((t: number) => void)[] = [];
    return {
      now: () => t,
      request: (cb: (t: number) => void) => callbacks.push(cb),
      cancel: () => void callbacks.splice(0),
      advance(ms: number) {
        t += ms;
        callbacks.splice(0).forEach((cb) => cb(t));
      },
    };
  }

  it('plays in real time at the clip rate and stops at the end', () => {
    const { ops } = editorWithProject(100); // 25 fps
    const c = clock();
    const p = new Playback(ops, c.now, c.request, c.cancel);
    p.toggle();
    c.advance(10); // the first animation frame comes before frame 1 is due
    expect(ops.session().rate).toBe(1);
    expect(ops.session().frame).toBe(0);
    c.advance(990);
    expect(ops.session().frame).toBe(25);
    c.advance(1000);
    expect(ops.session().frame).toBe(50);
    c.advance(5000);
    expect(ops.session().frame).toBe(99);
    expect(ops.session().rate).toBe(0);
  });

  it('J/K/L shuttle doubles the speed per press, reverses and stops', () => {
    const { ops } = editorWithProject(1000);
    const c = clock();
    const p = new Playback(ops, c.now, c.request, c.cancel);
    ops.setFrame(500);
    p.shuttle(1);
    p.shuttle(1);
    expect(ops.session().rate).toBe(2);
    c.advance(1000);
    expect(ops.session().frame).toBe(550);
    p.shuttle(-1);
    expect(ops.session().rate).toBe(-1);
    c.advance(1000);
    expect(ops.session().frame).toBe(525);
    p.shuttle(0);
    c.advance(1000);
    expect(ops.session().frame).toBe(525);
  });

  it('stepping while playing stops playback', () => {
    const { ops } = editorWithProject(100);
    const c = clock();
    const p = new Playback(ops, c.now, c.request, c.cancel);
    p.toggle();
    c.advance(400);
    ops.setSession({ rate: 0 });
    ops.setFrame(3);
    c.advance(400);
    expect(ops.session().frame).toBe(3);
  });
});
