// What the run bar says about time: frames per second of a render and the time left of an export,
// from the reports that came in (renderer/editor/hostEvents.ts), and how the time left is written.
import { describe, expect, it } from 'vitest';
import { Eta, Rate } from '../../renderer/editor/hostEvents';
import { formatEta } from '../../renderer/ui/stages';

describe('progress figures', () => {
  it('an export’s time left comes from its rate since its first report, per task', () => {
    let now = 1000;
    const eta = new Eta(() => now);
    // The first report has no rate yet: no number rather than a guess.
    expect(eta.seconds('a', 0, 292)).toBeNull();
    now += 2000;
    expect(eta.seconds('a', 40, 292)).toBeCloseTo(12.6, 5); // 20 frames/s, 252 left
    now += 1000;
    expect(eta.seconds('a', 60, 292)).toBeCloseTo(11.6, 5); // still 20 frames/s, 232 left
    // Another export starts its own count.
    expect(eta.seconds('b', 10, 100)).toBeNull();
    now += 1000;
    expect(eta.seconds('b', 10, 100)).toBeNull(); // no progress: no rate
    expect(eta.seconds('a', 292, 292)).toBe(0);
  });

  it('a render’s frames per second counts from its first finished frame, and starts again on reset', () => {
    let now = 0;
    const rate = new Rate(() => now);
    expect(rate.fps()).toBeNull();
    rate.frame();
    now = 500;
    rate.frame();
    rate.frame();
    expect(rate.fps()).toBeCloseTo(4, 5); // 2 frames after the first in 0.5 s
    rate.reset();
    now = 10_000;
    rate.frame();
    expect(rate.fps()).toBeNull();
  });

  it('writes the time left in seconds, then minutes and seconds; none as a dash', () => {
    expect(formatEta(null)).toBe('—');
    expect(formatEta(Infinity)).toBe('—');
    expect(formatEta(0)).toBe('0 s');
    expect(formatEta(12.2)).toBe('13 s');
    expect(formatEta(125)).toBe('2 min 5 s');
  });
});
