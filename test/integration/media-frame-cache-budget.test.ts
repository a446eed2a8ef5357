// The frame cache's size limit: least recently used frames go first (read-ahead before frames asked
// for, frames left from an earlier session before both), the background fill stops at the limit
// instead of pushing out what the user looked at, and disk use stays within the limit whatever the
// length of the video.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ProbeResult } from '../../common/contract/types';
import { FrameCache } from '../../main/media/frame-cache';
import { FrameCacheBudget } from '../../main/media/frame-cache-budget';
import { probeMedia } from '../../main/media/probe';
import { childProcesses, makeClip } from '../helpers/media';

let tmp: string;
let clip: ProbeResult;
/** Bytes of each cached frame of `clip` (the JPEGs are deterministic). */
let frameBytes: number[];

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cp-budget-'));
  clip = await probeMedia(makeClip('budget-square', { width: 256, height: 96, frames: 30, square: { size: 16, x0: 4, y0: 20, dx: 5, dy: 0 } }));
  const reference = new FrameCache({ cacheRoot: path.join(tmp, 'reference'), mediaId: 'r', probe: clip });
  await reference.fillInBackground();
  frameBytes = Array.from({ length: 30 }, (_, i) => statSync(reference.pathFor(i)).size);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.waitFor(() => expect(childProcesses('ffmpeg')).toEqual([]), { timeout: 10_000 }));

const onDisk = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.jpg'))
    .map((n) => Number(n.slice(0, 6)))
    .sort((a, b) => a - b);
const bytesIn = (dir: string) => readdirSync(dir).reduce((sum, n) => sum + statSync(path.join(dir, n)).size, 0);

describe('FrameCacheBudget', () => {
  it('a tiny limit removes the least recently used frames first: read-ahead before frames asked for, then the oldest use', async () => {
    const root = path.join(tmp, 'lru');
    const dir = path.join(root, 'frames/m');
    const sum = (frames: number[]) => frames.reduce((s, i) => s + frameBytes[i]!, 0);
    // Room for three frames asked for, and half a frame to spare.
    const budget = new FrameCacheBudget(root, sum([0, 10, 20]) + Math.floor(frameBytes[0]! / 2));
    await budget.scanAll();
    const cache = new FrameCache({ cacheRoot: root, mediaId: 'm', probe: clip, budget });

    await cache.ensure(0); // decodes 0..11: the neighbours read ahead go before frame 0
    await cache.ensure(10);
    await cache.ensure(20);
    // The read-ahead ends after the frames asked for arrived: wait until the cache is quiet.
    await vi.waitFor(() => expect({ ffmpeg: childProcesses('ffmpeg'), frames: onDisk(dir) }).toEqual({ ffmpeg: [], frames: [0, 10, 20] }), { timeout: 10_000 });

    await cache.ensure(0); // used again: 10 is now the least recently used
    await cache.ensure(25); // 25 and its read-ahead 26..29 push out the read-ahead, then 10
    await vi.waitFor(() => expect({ ffmpeg: childProcesses('ffmpeg'), frames: onDisk(dir) }).toEqual({ ffmpeg: [], frames: [0, 20, 25] }), { timeout: 10_000 });
    expect(bytesIn(dir)).toBeLessThanOrEqual(budget.limit);
    expect(budget.usedBytes).toBe(bytesIn(dir));

    // A removed frame is decoded again when asked for.
    expect(await cache.ensure(10)).toBe('frames/m/000010.jpg');
    expect(statSync(cache.pathFor(10)).size).toBe(frameBytes[10]);
  });

  it('frames left from an earlier session go first, oldest file first, once the cache is counted', async () => {
    const root = path.join(tmp, 'earlier');
    const old = path.join(root, 'frames/old');
    mkdirSync(old, { recursive: true });
    const now = Date.now() / 1000;
    for (let i = 0; i < 6; i++) {
      const file = path.join(old, `${String(i).padStart(6, '0')}.jpg`);
      writeFileSync(file, Buffer.alloc(1000));
      // Frame 3 was written last and frame 0 first: the disk's only hint of their use.
      const age = [600, 300, 400, 10, 500, 200][i]!;
      utimesSync(file, now - age, now - age);
    }
    const budget = new FrameCacheBudget(root, 3500);
    await budget.scanAll();
    expect(onDisk(old)).toEqual([1, 3, 5]);
    expect(budget.usedBytes).toBe(3000);

    // Frames asked for in this session outrank every frame of the earlier one.
    const cache = new FrameCache({ cacheRoot: root, mediaId: 'm', probe: clip, budget });
    await cache.ensure(29);
    await vi.waitFor(() => expect(childProcesses('ffmpeg')).toEqual([]));
    expect(onDisk(path.join(root, 'frames/m'))).toEqual([29]);
    expect(onDisk(old)).toEqual(frameBytes[29]! + 1000 <= 3500 ? [3] : []);

    // Lowering the limit removes what no longer fits at once; the newest frame stays.
    await budget.setLimit(1);
    expect(onDisk(old)).toEqual([]);
    expect(onDisk(path.join(root, 'frames/m'))).toEqual([29]);
  });

  it('the background fill stops at the limit and keeps the frames asked for; disk use is flat in video length', async () => {
    const long = await probeMedia(makeClip('budget-long', { width: 128, height: 72, frames: 400 }));
    const root = path.join(tmp, 'fill');
    const dir = path.join(root, 'frames/l');
    const probeFrame = new FrameCache({ cacheRoot: path.join(tmp, 'fill-size'), mediaId: 'l', probe: long });
    await probeFrame.ensure(0);
    const limit = statSync(probeFrame.pathFor(0)).size * 40; // about 40 of 400 frames
    await vi.waitFor(() => expect(childProcesses('ffmpeg')).toEqual([]));

    const budget = new FrameCacheBudget(root, limit);
    await budget.scanAll();
    const cache = new FrameCache({ cacheRoot: root, mediaId: 'l', probe: long, budget });
    await cache.ensure(300); // what the user looks at
    await vi.waitFor(() => expect(childProcesses('ffmpeg')).toEqual([]));
    const progress: number[] = [];
    await cache.fillInBackground((cached) => progress.push(cached));
    const frames = onDisk(dir);
    expect(frames).toContain(300);
    expect(frames.length).toBeGreaterThan(20);
    expect(frames.length).toBeLessThan(60);
    expect(bytesIn(dir)).toBeLessThanOrEqual(limit);
    expect(budget.frameCount).toBe(frames.length);
    expect(progress.at(-1)).toBe(frames.length);
  });
});
