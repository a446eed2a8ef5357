/**
 * decodeMaskFrames(): user-supplied masks (a folder of PNGs, one PNG for every frame, or a mask
 * video) as 8-bit frames at the size asked for: 255 = remove, 0 = keep. Any non-zero pixel of a PNG
 * (or another lossless source) means remove; lossy mask videos are thresholded (see below).
 * Scaling is nearest-neighbour so no grey edge pixels appear; sizes whose aspect ratio differs from
 * the video's are refused rather than stretched.
 */
import { UserError } from '../../common/errors';
import type { ProbeResult } from '../../common/contract/types';
import { checkRange, decodeFrames, type DecodedFrame } from './decode';
import { probeMedia } from './probe';

export interface MaskDecodeOptions {
  width: number;
  height: number;
  /** Frames in the video the masks belong to. */
  frameCount: number;
  /** Inclusive frame indices. */
  range?: { start: number; end: number };
  /** The video's own size, named in messages when `width`x`height` is a processing size. */
  videoSize?: { width: number; height: number };
  signal?: AbortSignal;
}

/** Aspect ratios within 1 % count as the same (rounding in scaled exports). */
const ASPECT_TOLERANCE = 0.01;

/** Codecs that store mask pixels exactly; there any non-zero pixel means "remove". */
const LOSSLESS_CODECS = new Set(['png', 'apng', 'bmp', 'tiff', 'gif', 'ffv1', 'rawvideo', 'qtrle', 'utvideo', 'huffyuv', 'ffvhuff', 'pgm', 'ppm', 'pam', 'targa']);
/**
 * Lossy codecs leave ringing of 1..10 around edges and in flat black (measured on H.264 masks):
 * counting that as "remove" would grow every mask, so lossy masks use this threshold instead.
 */
const LOSSY_THRESHOLD = 32;

export async function* decodeMaskFrames(input: string, opts: MaskDecodeOptions): AsyncGenerator<DecodedFrame> {
  const { width, height, signal } = opts;
  const probe = await probeMedia(input, { signal });
  checkMaskSource(probe, opts);
  // A mask covers the video's frames: ranges are checked against the video, not the mask source.
  const { start, count } = checkRange({ ...probe, frameCount: opts.frameCount }, opts.range);
  const end = start + count - 1;
  // RGB sources are read as RGB so that a pixel with only one non-zero channel still counts.
  const pixelFormat = /^(gray|ya|y[0-9]|monob|monow|yuv|yuvj|nv)/.test(probe.pixelFormat) ? 'gray' : 'rgb24';
  const threshold = LOSSLESS_CODECS.has(probe.codec) ? 0 : LOSSY_THRESHOLD;

  if (probe.frameCount === 1) {
    let single: Uint8Array | null = null;
    for await (const frame of decodeFrames(probe, { width, height, pixelFormat, scale: 'neighbor', signal })) single = binarize(frame.data, pixelFormat, threshold);
    for (let index = start; index <= end; index++) {
      signal?.throwIfAborted();
      yield { index, data: single!.slice() };
    }
    return;
  }
  for await (const frame of decodeFrames(probe, { width, height, pixelFormat, scale: 'neighbor', range: { start, end }, signal }))
    yield { index: frame.index, data: binarize(frame.data, pixelFormat, threshold) };
}

function checkMaskSource(probe: ProbeResult, opts: MaskDecodeOptions): void {
  const video = opts.videoSize ?? { width: opts.width, height: opts.height };
  const maskAspect = probe.width / probe.height;
  const videoAspect = video.width / video.height;
  if (Math.abs(maskAspect - videoAspect) / videoAspect > ASPECT_TOLERANCE)
    throw new UserError(
      'bad-input',
      `${probe.path}: mask is ${probe.width}x${probe.height} but the video is ${video.width}x${video.height}; masks must have the video's aspect ratio.`,
    );
  if (probe.frameCount !== 1 && probe.frameCount !== opts.frameCount) {
    const what = probe.isImageSequence ? `mask folder holds ${probe.frameCount} images` : `mask video has ${probe.frameCount} frames`;
    throw new UserError(
      'bad-input',
      `${probe.path}: the ${what} but the video has ${opts.frameCount} frames; give exactly one mask per frame (or a single PNG for all frames).`,
    );
  }
}

/** One byte per pixel: 255 where any channel is above `threshold`, else 0. */
function binarize(data: Uint8Array, format: 'gray' | 'rgb24', threshold: number): Uint8Array {
  if (format === 'gray') {
    for (let i = 0; i < data.length; i++) data[i] = data[i]! > threshold ? 255 : 0;
    return data;
  }
  const out = new Uint8Array(data.length / 3);
  for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = Math.max(data[j]!, data[j + 1]!, data[j + 2]!) > threshold ? 255 : 0;
  return out;
}
