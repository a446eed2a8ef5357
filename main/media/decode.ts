/**
 * decodeFrames(): a stream of raw frames from an ffmpeg pipe, one per source frame, in display
 * orientation (ffmpeg applies the rotation), scaled to the size asked for.
 *
 * Memory stays flat: the generator reads stdout only when the consumer asks for the next frame, so
 * a slow consumer leaves ffmpeg blocked on a full pipe. Leaving the loop early or aborting kills it.
 */
import { UserError } from '../../common/errors';
import type { ProbeResult } from '../../common/contract/types';
import { inputColorOptions } from './color';
import { probeMedia } from './probe';
import { abortReason, startTool, ToolFailure } from './process';
import { damaged, describeReadFailure } from './source';
import { openSourceAt } from './source-input';

export type RawPixelFormat = 'rgb24' | 'gray';
export type ScaleFilter = 'bicubic' | 'bilinear' | 'neighbor' | 'area';

export interface DecodeOptions {
  width: number;
  height: number;
  pixelFormat?: RawPixelFormat;
  scale?: ScaleFilter;
  /** Inclusive source frame indices. */
  range?: { start: number; end: number };
  signal?: AbortSignal;
}

export interface DecodedFrame {
  /** Index in the source. */
  index: number;
  /** width*height*3 bytes (rgb24) or width*height bytes (gray), rows top to bottom. */
  data: Uint8Array;
}

export function bytesPerPixel(format: RawPixelFormat): number {
  return format === 'rgb24' ? 3 : 1;
}

/** Checks a frame range against a source; a range from the user gets a line that says what fits. */
export function checkRange(probe: ProbeResult, range: { start: number; end: number } | undefined): { start: number; count: number } {
  if (!range) return { start: 0, count: probe.frameCount };
  const { start, end } = range;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end >= probe.frameCount)
    throw new UserError('bad-input', `Frames ${start}..${end} are not inside ${probe.path}, which has frames 0..${probe.frameCount - 1}; choose a range inside it.`);
  return { start, count: end - start + 1 };
}

export async function* decodeFrames(input: string | ProbeResult, opts: DecodeOptions): AsyncGenerator<DecodedFrame> {
  const { width, height, signal } = opts;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new RangeError(`decode size ${width}x${height} is not a positive integer size`);
  const probe = typeof input === 'string' ? await probeMedia(input, { signal }) : input;
  const { start, count } = checkRange(probe, opts.range);
  const pixelFormat = opts.pixelFormat ?? 'rgb24';
  const source = await openSourceAt(probe, start, count, signal);
  signal?.throwIfAborted();

  // Exact conversions: accurate rounding, and chroma interpolated at full resolution for RGB.
  const flags = [opts.scale ?? 'bicubic', 'accurate_rnd', ...(pixelFormat === 'rgb24' ? ['full_chroma_int'] : [])].join('+');
  const args = [
    '-hide_banner', '-loglevel', 'error', ...(source.feed ? [] : ['-nostdin']),
    ...source.args,
    '-map', '0:v:0',
    '-vf', [`scale=${width}:${height}`, `flags=${flags}`, ...inputColorOptions(probe.pixelFormat, probe.color)].join(':'),
    // One output frame per decoded frame: no duplicates or drops to fit a frame rate.
    '-vsync', 'passthrough',
    '-frames:v', String(count),
    '-f', 'rawvideo', '-pix_fmt', pixelFormat, 'pipe:1',
  ];
  const proc = startTool('ffmpeg', args, { stdin: !!source.feed, stdout: true, signal });
  let feedError: unknown = null;
  const feeding = source.feed?.(proc.stdin!, signal).catch((err) => {
    feedError = err;
    proc.kill();
  });

  let produced = 0;
  try {
    for await (const frame of fixedSizeChunks(proc.stdout!, width * height * bytesPerPixel(pixelFormat))) {
      yield { index: start + produced, data: frame };
      produced++;
      // Every frame asked for has arrived; whatever ffmpeg still does no longer matters.
      if (produced === count) return;
    }
    await feeding;
    const { code } = await proc.exited;
    if (signal?.aborted) throw abortReason(signal);
    if (feedError) throw feedError;
    if (code !== 0) {
      const failure = new ToolFailure('ffmpeg', code, proc.stderrTail());
      throw (await describeReadFailure(probe.path, failure)) ?? failure;
    }
    throw damaged(probe.path, ` (it ended after ${start + produced} of ${start + count} frames)`);
  } finally {
    // Also runs when the consumer leaves the loop early: ffmpeg must not outlive the stream.
    proc.kill();
    await proc.exited;
  }
}

/**
 * Cuts a byte stream into frames of `size` bytes. Pulls from the stream only when asked for the
 * next frame, which is what gives ffmpeg its backpressure.
 */
async function* fixedSizeChunks(stream: AsyncIterable<Buffer>, size: number): AsyncGenerator<Uint8Array> {
  let frame = new Uint8Array(size);
  let filled = 0;
  for await (const chunk of stream) {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(size - filled, chunk.length - offset);
      frame.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === size) {
        yield frame;
        frame = new Uint8Array(size);
        filled = 0;
      }
    }
  }
}
