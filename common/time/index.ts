/**
 * Time is integer frames at a rational frame rate, counted from 0; seconds appear only at the edges
 * (ffmpeg arguments, display). 29.97 fps is {num: 30000, den: 1001}, never 29.97.
 */
export interface Rational {
  num: number;
  den: number;
}

export function rationalToNumber(r: Rational): number {
  return r.num / r.den;
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a || 1;
}

export function reduceRational(r: Rational): Rational {
  const g = gcd(r.num, r.den);
  return { num: r.num / g, den: r.den / g };
}

/** Parses ffprobe's "30000/1001" or "25", or a decimal "29.97" (also "0/0", which yields null). */
export function parseRational(text: string | undefined | null): Rational | null {
  if (!text) return null;
  const [a, b = '1'] = String(text).split('/');
  const num = Number(a);
  const den = Number(b);
  if (!Number.isFinite(num) || !Number.isFinite(den) || num <= 0 || den <= 0) return null;
  if (Number.isInteger(num) && Number.isInteger(den)) return reduceRational({ num, den });
  return rationalFromDecimal(num / den);
}

/**
 * A frame rate written as a decimal, as a rational: the NTSC rates people write as 23.976, 23.98,
 * 29.97, 47.952, 59.94 or 119.88 are exactly N * 1000/1001 (within 0.006 of it, and not a whole
 * number); whole numbers are N/1; anything else is kept to thousandths. Null unless positive and finite.
 */
export function rationalFromDecimal(fps: number): Rational | null {
  if (!Number.isFinite(fps) || fps <= 0) return null;
  const nominal = Math.round((fps * 1001) / 1000);
  if (nominal > 0 && Math.abs(fps - (nominal * 1000) / 1001) < 0.006 && Math.abs(fps - nominal) > 0.01) return { num: nominal * 1000, den: 1001 };
  if (Number.isInteger(fps)) return { num: fps, den: 1 };
  return reduceRational({ num: Math.round(fps * 1000), den: 1000 });
}

export function formatRational(r: Rational): string {
  return `${r.num}/${r.den}`;
}

/** Start time of a frame in seconds. */
export function frameToSeconds(frame: number, fps: Rational): number {
  return (frame * fps.den) / fps.num;
}

/** The frame shown at time t (floor, with a small tolerance for float error). */
export function secondsToFrame(seconds: number, fps: Rational): number {
  return Math.max(0, Math.floor((seconds * fps.num) / fps.den + 1e-6));
}

/** Whether the rate is one of the NTSC rates that use drop-frame timecode. */
export function isDropFrameRate(fps: Rational): boolean {
  return fps.den === 1001 && (fps.num === 30000 || fps.num === 60000);
}

/**
 * SMPTE timecode HH:MM:SS:FF (drop-frame HH:MM:SS;FF for 29.97/59.94, as editors display it).
 */
export function frameToTimecode(frame: number, fps: Rational): string {
  const nominal = Math.round(fps.num / fps.den);
  let f = Math.max(0, Math.floor(frame));
  const drop = isDropFrameRate(fps);
  if (drop) {
    // Drop-frame skips frame numbers 0 and 1 (2 and 3 at 59.94) each minute except every tenth.
    const dropPerMinute = nominal === 60 ? 4 : 2;
    const framesPer10Min = nominal * 600 - dropPerMinute * 9;
    const framesPerMin = nominal * 60 - dropPerMinute;
    const tens = Math.floor(f / framesPer10Min);
    const rem = f % framesPer10Min;
    f += dropPerMinute * 9 * tens + (rem > dropPerMinute ? dropPerMinute * Math.floor((rem - dropPerMinute) / framesPerMin) : 0);
  }
  const ff = f % nominal;
  const totalSeconds = Math.floor(f / nominal);
  const ss = totalSeconds % 60;
  const mm = Math.floor(totalSeconds / 60) % 60;
  const hh = Math.floor(totalSeconds / 3600);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(hh)}:${p(mm)}:${p(ss)}${drop ? ';' : ':'}${p(ff)}`;
}
