/**
 * How ffmpeg opens a probed source at an exact frame: the input arguments, plus a feeder that pipes
 * image files into stdin for a folder of frames (any names, any count, read in name order).
 *
 * Video seeks use ffmpeg's accurate input seek (jump to the keyframe before, decode and drop up to
 * the seek point) aimed halfway between the frame before and the wanted frame, so float rounding
 * can neither keep the frame before nor drop the wanted one. A variable frame rate source is aimed
 * with the frame times from the probe's packet scan.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { UserError } from '../../common/errors';
import type { ProbeResult } from '../../common/contract/types';
import { cachedTiming, probeMedia, type SourceTiming } from './probe';
import { writeWithBackpressure } from './process';
import { listFrameFiles } from './source';

export interface SourceInput {
  /** Arguments that go before the output options: demuxer options and `-i`. */
  args: string[];
  /** For frames folders: writes the image files to ffmpeg's stdin, then closes it. */
  feed: ((stdin: Writable, signal?: AbortSignal) => Promise<void>) | null;
}

/** Opens `probe`'s source so that the first decoded frame is frame `start`; `count` frames follow. */
export async function openSourceAt(probe: ProbeResult, start: number, count: number, signal?: AbortSignal): Promise<SourceInput> {
  if (start < 0 || count < 1 || start + count > probe.frameCount)
    throw new RangeError(`frames ${start}..${start + count - 1} are outside ${probe.path} (0..${probe.frameCount - 1})`);
  if (probe.container === 'image') return { args: ['-i', probe.path], feed: null };
  if (probe.isImageSequence) {
    const files = (await listFrameFiles(probe.path)).slice(start, start + count);
    if (files.length < count) throw new UserError('bad-input', `${probe.path} has changed since it was opened (fewer frames now); open it again.`);
    return { args: ['-f', probe.codec === 'png' ? 'png_pipe' : 'jpeg_pipe', '-i', 'pipe:0'], feed: (stdin, s) => feedFiles(files, stdin, s) };
  }
  const seek = start > 0 ? await seekSecondsFor(probe, start, signal) : 0;
  return { args: [...(seek > 0 ? ['-ss', seek.toFixed(6)] : []), '-i', probe.path], feed: null };
}

async function feedFiles(files: string[], stdin: Writable, signal?: AbortSignal): Promise<void> {
  for (const file of files) {
    if (signal?.aborted || stdin.destroyed) return;
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      throw new UserError('bad-input', `${file} could not be read while decoding; check that the frames folder is still there.`);
    }
    try {
      await writeWithBackpressure(stdin, data);
    } catch {
      return; // ffmpeg stopped reading (it failed, or the consumer stopped): its exit status tells why
    }
  }
  stdin.end();
}

/** The -ss value (relative to the file's start time) that makes `index` the first frame out. */
export async function seekSecondsFor(probe: ProbeResult, index: number, signal?: AbortSignal): Promise<number> {
  const timing = await timingOf(probe, signal);
  const frameTime = (i: number) => timing.frameTimes?.[i] ?? timing.videoStart + (i * probe.fps.den) / probe.fps.num;
  return (frameTime(index - 1) + frameTime(index)) / 2 - timing.formatStart;
}

/** The probe's timing details, probing again where this process has not seen the file. */
export async function timingOf(probe: ProbeResult, signal?: AbortSignal): Promise<SourceTiming> {
  const st = await stat(probe.path);
  // A ProbeResult that crossed a process boundary has no cached timing here: probe again (fast).
  let timing = cachedTiming(probe.path, st.size, st.mtimeMs);
  if (!timing) {
    await probeMedia(probe.path, { signal });
    timing = cachedTiming(probe.path, st.size, st.mtimeMs);
  }
  if (!timing) throw new Error(`no timing for ${probe.path} after probing it`);
  return timing;
}
