/**
 * generateThumbnails(): the timeline strip, as small JPEGs under
 * `<cacheRoot>/thumbs/<mediaId>/<frame index 6 digits>.jpg`, named by the frame they show so that a
 * strip of another length reuses them. They arrive coarse to fine (ends, middle, quarters, ...), so
 * the whole strip fills evenly instead of left to right; at most two ffmpeg processes run at once.
 */
import path from 'node:path';
import type { MediaRef } from '../../common/contract/define';
import type { ProbeResult } from '../../common/contract/types';
import { cacheRefFor, fitWithin } from './cache-layout';
import { jpegFrames } from './jpeg-frames';
import { fileExists, writeFileAtomically } from './output-files';

const THUMB_BOX = { width: 160, height: 90 };
const THUMB_JPEG_QUALITY = 5;
const MAX_PROCESSES = 2;

export interface ThumbnailOptions {
  cacheRoot: string;
  mediaId: string;
  probe: ProbeResult;
  /** Slots in the strip; each shows the frame at its position (fewer when the clip is shorter). */
  count: number;
  /** Called once per thumbnail with the frame index it shows and its ref. */
  onThumbnail(index: number, ref: MediaRef): void;
  signal?: AbortSignal;
}

export async function generateThumbnails(opts: ThumbnailOptions): Promise<void> {
  const { probe, signal } = opts;
  const size = fitWithin(probe.width, probe.height, THUMB_BOX);
  const queue = thumbnailFrames(probe.frameCount, opts.count);
  const worker = async () => {
    for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
      signal?.throwIfAborted();
      const ref = cacheRefFor('thumbs', opts.mediaId, index);
      const file = path.join(opts.cacheRoot, ref);
      const cached = await fileExists(file);
      signal?.throwIfAborted(); // aborted while we looked: start no ffmpeg now
      if (!cached) {
        for await (const frame of jpegFrames(probe, { ...size, quality: THUMB_JPEG_QUALITY, range: { start: index, end: index }, signal }))
          await writeFileAtomically(file, frame.data);
      }
      signal?.throwIfAborted();
      opts.onThumbnail(index, ref);
    }
  };
  await Promise.all(Array.from({ length: MAX_PROCESSES }, worker));
}

/** The frames a strip of `count` slots shows, coarse to fine, without repeats. */
export function thumbnailFrames(frameCount: number, count: number): number[] {
  const slots = Math.max(1, Math.min(count, frameCount));
  const frameAt = (slot: number) => (slots === 1 ? 0 : Math.round((slot * (frameCount - 1)) / (slots - 1)));
  return [...new Set(coarseToFine(slots).map(frameAt))];
}

/** 0..n-1 ordered so that every prefix is spread evenly: both ends, the middle, the quarters, ... */
export function coarseToFine(n: number): number[] {
  if (n <= 0) return [];
  if (n === 1) return [0];
  const order = [0, n - 1];
  const intervals: Array<[number, number]> = [[0, n - 1]];
  for (let i = 0; i < intervals.length; i++) {
    const [a, b] = intervals[i]!;
    if (b - a < 2) continue;
    const mid = (a + b) >> 1;
    order.push(mid);
    intervals.push([a, mid], [mid, b]);
  }
  return order;
}
