/**
 * jpegFrames(): frames of a probed source as JPEG files (the UI's frame cache and thumbnails): exact
 * seek, scaled, MJPEG from one ffmpeg process cut into files (see frame-pipe.ts for the stream rules).
 */
import type { ProbeResult } from '../../common/contract/types';
import { inputColorOptions } from './color';
import { pipeFrames } from './frame-pipe';
import { JpegStreamSplitter } from './jpeg-stream';

export interface JpegFrameOptions {
  width: number;
  height: number;
  /** ffmpeg's MJPEG qscale: 2 (best) .. 31; 3 looks like the source at proxy sizes. */
  quality?: number;
  range?: { start: number; end: number };
  signal?: AbortSignal;
}

export function jpegFrames(probe: ProbeResult, opts: JpegFrameOptions): AsyncGenerator<{ index: number; data: Uint8Array }> {
  const scale = [`scale=${opts.width}:${opts.height}`, 'flags=bicubic', ...inputColorOptions(probe.pixelFormat, probe.color)].join(':');
  return pipeFrames(probe, {
    range: opts.range,
    signal: opts.signal,
    filter: `${scale},format=yuvj420p`, // JPEG is full range
    output: ['-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', String(opts.quality ?? 3), 'pipe:1'],
    cut: splitJpegs,
  });
}

async function* splitJpegs(stdout: AsyncIterable<Buffer>): AsyncGenerator<Uint8Array> {
  const splitter = new JpegStreamSplitter();
  for await (const chunk of stdout) yield* splitter.push(chunk);
}
