/**
 * A variable frame rate source's timing, as outputs keep it: every frame's time from the start of
 * the file (where ffmpeg starts the source's audio too, so picture and sound stay in sync), and the
 * video's time base, whose ticks the output counts in so that each time survives exactly.
 */
import type { ProbeResult } from '../../common/contract/types';
import type { Rational } from '../../common/time';
import { timingOf } from './source-input';

export interface FrameTimes {
  /** Seconds from the start of the source file, one per frame in display order, increasing. */
  times: number[];
  /** The unit the output's video timestamps count in (the source's). */
  timeBase: Rational;
}

/** Matroska's unit, for a source whose time base ffprobe did not report. */
const FALLBACK_TIME_BASE: Rational = { num: 1, den: 1000 };

/** The frame times a variable frame rate source's outputs keep; null for a constant rate (its fps says it all). */
export async function frameTimesOf(probe: ProbeResult, signal?: AbortSignal): Promise<FrameTimes | null> {
  if (!probe.vfr || probe.isImageSequence) return null;
  const timing = await timingOf(probe, signal);
  if (!timing.frameTimes || timing.frameTimes.length !== probe.frameCount) return null;
  const timeBase = timing.timeBase ?? FALLBACK_TIME_BASE;
  return { times: onTicks(timing.frameTimes.map((t) => t - timing.formatStart), timeBase), timeBase };
}

/** Seconds from the start of the file (its earliest stream) to its first video frame. */
export async function videoDelayOf(probe: ProbeResult, signal?: AbortSignal): Promise<number> {
  if (probe.isImageSequence) return 0;
  const timing = await timingOf(probe, signal);
  return timing.videoStart - timing.formatStart;
}

/**
 * The times on the time base's grid, each at least one tick after the one before: an output cannot
 * hold two frames at one timestamp (a damaged source may have them), nor a frame before the file's start.
 */
export function onTicks(times: number[], timeBase: Rational): number[] {
  const tick = timeBase.num / timeBase.den;
  let previous = -1;
  return times.map((t) => {
    const n = Math.max(0, Math.round(t / tick), previous + 1);
    previous = n;
    return n * tick;
  });
}

/** mkvmerge's "timestamp format v2": one line per frame, milliseconds, for PNG sequences (which have no timestamps). */
export function timestampFileText(times: number[]): string {
  return ['# timestamp format v2', ...times.map((t) => (t * 1000).toFixed(3))].join('\n') + '\n';
}

/** The name of that file, next to the PNGs. */
export const TIMESTAMP_FILE = 'timestamps.txt';
