/**
 * pipeFrames(): the one loop that runs ffmpeg over a frame range of a probed source and yields
 * what comes out of its stdout, cut into one piece per frame (raw pixels, JPEG files). stdout is
 * read only when the consumer asks for the next frame, so a slow consumer leaves ffmpeg blocked on
 * a full pipe (memory stays flat); leaving the loop early or aborting kills ffmpeg.
 */
import type { ProbeResult } from '../../common/contract/types';
import { checkRange } from './decode-range';
import { abortReason, startTool, ToolFailure } from './process';
import { damaged, describeReadFailure } from './source';
import { openSourceAt } from './source-input';

export interface FramePipeOptions {
  /** Inclusive source frame indices; all frames when absent. */
  range?: { start: number; end: number };
  signal?: AbortSignal;
  /** The -vf chain (scaling, pixel format). */
  filter: string;
  /** Output options and target, e.g. ['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']. */
  output: string[];
  /** Cuts stdout into frames; must pull from the stream only as frames are asked for. */
  cut(stdout: AsyncIterable<Buffer>): AsyncIterable<Uint8Array>;
}

export async function* pipeFrames(probe: ProbeResult, opts: FramePipeOptions): AsyncGenerator<{ index: number; data: Uint8Array }> {
  const { signal } = opts;
  const { start, count } = checkRange(probe, opts.range);
  const source = await openSourceAt(probe, start, count, signal);
  signal?.throwIfAborted();
  const proc = startTool(
    'ffmpeg',
    [
      '-hide_banner', '-loglevel', 'error', ...(source.feed ? [] : ['-nostdin']),
      ...source.args,
      '-map', '0:v:0',
      '-vf', opts.filter,
      // One output frame per decoded frame: no duplicates or drops to fit a frame rate. Encoders
      // keep the source's time base, or a variable-rate source's times collide (MJPEG then fails).
      '-fps_mode', 'passthrough',
      '-enc_time_base', '-1',
      '-frames:v', String(count),
      ...opts.output,
    ],
    { stdin: !!source.feed, stdout: true, signal },
  );
  let feedError: unknown = null;
  const feeding = source.feed?.(proc.stdin!, signal).catch((err) => {
    feedError = err;
    proc.kill();
  });

  let produced = 0;
  try {
    for await (const data of opts.cut(proc.stdout! as AsyncIterable<Buffer>)) {
      yield { index: start + produced, data };
      // Every frame asked for has arrived; whatever ffmpeg still does no longer matters.
      if (++produced === count) return;
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
