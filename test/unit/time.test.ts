import { describe, expect, it } from 'vitest';
import {
  formatRational,
  frameToSeconds,
  frameToTimecode,
  isDropFrameRate,
  parseRational,
  rationalFromDecimal,
  secondsToFrame,
} from '../../common/time';

const ntsc = { num: 30000, den: 1001 };
const ntsc60 = { num: 60000, den: 1001 };

describe('rational frame rates', () => {
  it('parses ffprobe rates and reduces them', () => {
    expect(parseRational('30000/1001')).toEqual(ntsc);
    expect(parseRational('50/2')).toEqual({ num: 25, den: 1 });
    expect(parseRational('24')).toEqual({ num: 24, den: 1 });
    expect(parseRational('0/0')).toBeNull();
    expect(parseRational('')).toBeNull();
    expect(parseRational('abc')).toBeNull();
    expect(formatRational(ntsc)).toBe('30000/1001');
  });

  it('reads decimal NTSC rates as N*1000/1001, others to thousandths', () => {
    expect(parseRational('29.97')).toEqual(ntsc);
    expect(rationalFromDecimal(23.976)).toEqual({ num: 24000, den: 1001 });
    expect(rationalFromDecimal(23.98)).toEqual({ num: 24000, den: 1001 });
    expect(rationalFromDecimal(59.94)).toEqual(ntsc60);
    expect(rationalFromDecimal(119.88)).toEqual({ num: 120000, den: 1001 });
    expect(rationalFromDecimal(30000 / 1001)).toEqual(ntsc); // what frames / duration gives back
    expect(rationalFromDecimal(25)).toEqual({ num: 25, den: 1 });
    expect(rationalFromDecimal(12.5)).toEqual({ num: 25, den: 2 });
    expect(rationalFromDecimal(24.5)).toEqual({ num: 49, den: 2 });
    expect(rationalFromDecimal(0)).toBeNull();
    expect(rationalFromDecimal(Number.NaN)).toBeNull();
  });
});

describe('frames and seconds', () => {
  it('round-trips every frame through seconds at 29.97, far into a long clip', () => {
    for (let f = 0; f < 2_000_000; f += 997) expect(secondsToFrame(frameToSeconds(f, ntsc), ntsc)).toBe(f);
    expect(frameToSeconds(30, ntsc)).toBeCloseTo(1.001, 12);
  });

  it('a time inside a frame shows that frame (floor), never a negative one', () => {
    expect(secondsToFrame(frameToSeconds(10, ntsc) - 0.001, ntsc)).toBe(9);
    expect(secondsToFrame(frameToSeconds(10, ntsc) + 0.03, ntsc)).toBe(10);
    expect(secondsToFrame(0.999, { num: 25, den: 1 })).toBe(24);
    expect(secondsToFrame(-3, ntsc)).toBe(0);
  });
});

describe('timecode', () => {
  it('non-drop rates count whole frames per second', () => {
    expect(frameToTimecode(0, { num: 25, den: 1 })).toBe('00:00:00:00');
    expect(frameToTimecode(25 * 3661 + 7, { num: 25, den: 1 })).toBe('01:01:01:07');
    expect(isDropFrameRate({ num: 24000, den: 1001 })).toBe(false);
    expect(frameToTimecode(24 * 60, { num: 24000, den: 1001 })).toBe('00:01:00:00'); // 23.976 is non-drop
  });

  it('29.97 drop-frame skips ;00 and ;01 each minute except every tenth', () => {
    expect(isDropFrameRate(ntsc)).toBe(true);
    const tc = (f: number) => frameToTimecode(f, ntsc);
    expect(tc(1799)).toBe('00:00:59;29');
    expect(tc(1800)).toBe('00:01:00;02');
    expect(tc(3597)).toBe('00:01:59;29');
    expect(tc(3598)).toBe('00:02:00;02');
    expect(tc(17981)).toBe('00:09:59;29');
    expect(tc(17982)).toBe('00:10:00;00'); // the tenth minute keeps its ;00
    expect(tc(17982 + 1800)).toBe('00:11:00;02');
    expect(tc(107892)).toBe('01:00:00;00'); // one hour of 29.97 is 107892 frames
  });

  it('drop-frame timecode never repeats or skips a displayed label over an hour', () => {
    let previous = -1;
    const wrong: string[] = [];
    for (let f = 0; f < 107892; f++) {
      const text = frameToTimecode(f, ntsc);
      const [hh, mm, ss, ff] = text.split(/[:;]/).map(Number) as [number, number, number, number];
      const label = ((hh * 60 + mm) * 60 + ss) * 30 + ff;
      const skipped = label - previous - 1;
      // Labels advance by one, except the two dropped ones at the start of each non-tenth minute.
      if (!(skipped === 0 || (skipped === 2 && ss === 0 && ff === 2 && mm % 10 !== 0))) wrong.push(`${f}: ${text}`);
      previous = label;
    }
    expect(wrong).toEqual([]);
  });

  it('59.94 drop-frame drops four labels a minute', () => {
    expect(frameToTimecode(3599, ntsc60)).toBe('00:00:59;59');
    expect(frameToTimecode(3600, ntsc60)).toBe('00:01:00;04');
    expect(frameToTimecode(35964, ntsc60)).toBe('00:10:00;00');
  });
});
