// The UI's frame cache and thumbnails on real media: exact frames, atomic files, resumable
// background fill that yields to single-frame requests, stop(), media ids, thumbnails coarse to fine
// with at most two ffmpeg processes, and the MJPEG stream splitter.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ProbeResult } from '../../common/contract/types';
import { decodeFrames } from '../../main/media/decode';
import { FrameCache, generateThumbnails, mediaIdFor } from '../../main/media/frame-cache';
import { JpegStreamSplitter } from '../../main/media/jpeg-stream';
import { probeMedia } from '../../main/media/probe';
import { bmxFrames, childProcesses, makeClip, runFfmpeg, squareAt } from '../helpers/media';

let tmp: string;
let clip: ProbeResult;
const square = { size: 16, x0: 4, y0: 20, dx: 5, dy: 0 };

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cp-cache-'));
  clip = await probeMedia(makeClip('cache-square', { width: 256, height: 96, frames: 30, square }));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Decodes a cached JPEG back to RGB at its own size. */
async function readJpeg(file: string): Promise<{ probe: ProbeResult; rgb: Uint8Array }> {
  const probe = await probeMedia(file);
  for await (const f of decodeFrames(probe, { width: probe.width, height: probe.height })) return { probe, rgb: f.data };
  throw new Error('no frame');
}

function redSquareLeft(rgb: Uint8Array, width: number, height: number): number {
  for (let x = 0; x < width; x++) {
    let red = 0;
    for (let y = 0; y < height; y++) {
      const i = (y * width + x) * 3;
      if (rgb[i]! > 190 && rgb[i + 1]! < 80 && rgb[i + 2]! < 80) red++;
    }
    if (red >= 8) return x;
  }
  return -1;
}

const jpgs = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.jpg')).sort();

describe('FrameCache', () => {
  // ensure() resolves once its frame is written, while the rest of its run may still be decoding:
  // let it end so that the next test's process counts are its own.
  afterEach(() => vi.waitFor(() => expect(childProcesses('ffmpeg')).toEqual([]), { timeout: 10_000 }));

  it('ensure() writes exactly the frame asked for, at proxy size, and returns its ref', async () => {
    const cache = new FrameCache({ cacheRoot: path.join(tmp, 'ensure'), mediaId: 'm1', probe: clip });
    expect(cache.proxy).toEqual({ width: 256, height: 96 });
    for (const index of [0, 17, 29]) {
      expect(await cache.ensure(index)).toBe(`frames/m1/${String(index).padStart(6, '0')}.jpg`);
      const { probe, rgb } = await readJpeg(cache.pathFor(index));
      expect({ w: probe.width, h: probe.height }).toEqual({ w: 256, h: 96 });
      expect(Math.abs(redSquareLeft(rgb, 256, 96) - squareAt(square, index).x)).toBeLessThanOrEqual(1);
    }
    await expect(cache.ensure(30)).rejects.toThrow(`Frame 30 is not in ${clip.path}, which has frames 0..29.`);
  });

  it('reads a run of neighbours ahead in the direction of travel, each frame exact, with one ffmpeg per run', async () => {
    const cache = new FrameCache({ cacheRoot: path.join(tmp, 'ahead'), mediaId: 'a', probe: clip });
    const dir = path.join(tmp, 'ahead/frames/a');
    const names = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => `${String(from + k).padStart(6, '0')}.jpg`);
    let maxProcesses = 0;
    const watch = setInterval(() => (maxProcesses = Math.max(maxProcesses, childProcesses('ffmpeg').length)), 5);
    // Stepping forwards: the first request decodes 12 frames; the next ones wait for that same run.
    const refs = await Promise.all([cache.ensure(2), cache.ensure(3), cache.ensure(4)]);
    expect(refs).toEqual(['frames/a/000002.jpg', 'frames/a/000003.jpg', 'frames/a/000004.jpg']);
    expect(await cache.ensure(13)).toBe('frames/a/000013.jpg'); // the run's last frame
    clearInterval(watch);
    expect(maxProcesses).toBe(1);
    expect(jpgs(dir)).toEqual(names(2, 13));
    // Going backwards from there: the run ends at the asked-for frame.
    await cache.ensure(1);
    expect(jpgs(dir)).toEqual(names(0, 13));
    await cache.ensure(29); // forwards again, clipped at the last frame
    await cache.ensure(25); // backwards: 14..25, 25 last
    expect(jpgs(dir)).toEqual([...names(0, 25), '000029.jpg']);
    for (const index of [0, 9, 13, 14, 24]) {
      const { rgb } = await readJpeg(cache.pathFor(index));
      expect(Math.abs(redSquareLeft(rgb, 256, 96) - squareAt(square, index).x), `frame ${index}`).toBeLessThanOrEqual(1);
    }
  });

  it('runs one decode for concurrent requests of the same frame', async () => {
    const cache = new FrameCache({ cacheRoot: path.join(tmp, 'dedupe'), mediaId: 'm', probe: clip });
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, childProcesses('ffmpeg').length)), 5);
    const [a, b] = await Promise.all([cache.ensure(5), cache.ensure(5)]);
    expect(a).toBe(b);
    // The run reads ahead after frame 5 arrived; let it end so later tests count only their own ffmpeg.
    while (childProcesses('ffmpeg').length) await new Promise((r) => setTimeout(r, 10));
    clearInterval(watch);
    expect(most).toBe(1);
  });

  it('fillInBackground() caches every frame in order with one process, atomically, and resumes where it stopped', async () => {
    const root = path.join(tmp, 'fill');
    const dir = path.join(root, 'frames/m2');
    const cache = new FrameCache({ cacheRoot: root, mediaId: 'm2', probe: clip });
    const progress: Array<[number, number]> = [];
    let maxProcesses = 0;
    const watch = setInterval(() => (maxProcesses = Math.max(maxProcesses, childProcesses('ffmpeg').length)), 5);
    await cache.fillInBackground((cached, total) => progress.push([cached, total]));
    clearInterval(watch);
    expect(maxProcesses).toBe(1);
    expect(progress[0]).toEqual([0, 30]);
    expect(progress.at(-1)).toEqual([30, 30]);
    expect(readdirSync(dir)).toEqual([...Array(30).keys()].map((i) => `${String(i).padStart(6, '0')}.jpg`)); // no temporaries
    const { rgb } = await readJpeg(cache.pathFor(23));
    expect(Math.abs(redSquareLeft(rgb, 256, 96) - squareAt(square, 23).x)).toBeLessThanOrEqual(1);

    // Remove two frames; a new fill writes only those and leaves the others untouched.
    rmSync(cache.pathFor(12));
    rmSync(cache.pathFor(25));
    const untouched = statSync(cache.pathFor(20)).mtimeMs;
    const again: Array<[number, number]> = [];
    await new FrameCache({ cacheRoot: root, mediaId: 'm2', probe: clip }).fillInBackground((c, t) => again.push([c, t]));
    expect(again[0]).toEqual([28, 30]);
    expect(again.at(-1)).toEqual([30, 30]);
    expect(jpgs(dir)).toHaveLength(30);
    expect(statSync(cache.pathFor(20)).mtimeMs).toBe(untouched);
  });

  it('serves ensure() first while the background fill waits, and stop() ends the fill and its ffmpeg', async () => {
    const big = await probeMedia(makeClip('cache-big', { width: 1280, height: 720, frames: 120, background: 'testsrc' }));
    const cache = new FrameCache({ cacheRoot: path.join(tmp, 'priority'), mediaId: 'm3', probe: big });
    let filled = false;
    const fill = cache.fillInBackground().then(() => (filled = true));
    await sleep(200);
    const ref = await cache.ensure(119);
    expect(ref).toBe('frames/m3/000119.jpg');
    expect(filled, 'ensure() should not wait for the fill').toBe(false);
    cache.stop();
    await fill;
    // The fill's ffmpeg is killed, and the one that decoded frame 119 ends after its last frame
    // (a moment later on a busy machine); a fill left running would block on its pipe for good.
    await vi.waitFor(() => expect(childProcesses('ffmpeg')).toEqual([]), { timeout: 5_000 });
    expect(jpgs(path.join(tmp, 'priority/frames/m3')).length).toBeLessThan(120);
    // ensure() still works after stop().
    expect(await cache.ensure(60)).toBe('frames/m3/000060.jpg');
  });

  it('caches frames of a variable frame rate clip', async () => {
    const vfr = await probeMedia(makeClip('cache-vfr', { width: 64, height: 48, frames: 30, vfr: true }));
    const cache = new FrameCache({ cacheRoot: path.join(tmp, 'vfr'), mediaId: 'v', probe: vfr });
    await cache.fillInBackground();
    expect(jpgs(path.join(tmp, 'vfr/frames/v'))).toHaveLength(vfr.frameCount);
    expect(await cache.ensure(vfr.frameCount - 1)).toBe(`frames/v/${String(vfr.frameCount - 1).padStart(6, '0')}.jpg`);
  });

  it('caches a folder of frames', async () => {
    const probe = await probeMedia(bmxFrames);
    const cache = new FrameCache({ cacheRoot: path.join(tmp, 'bmx'), mediaId: 'bmx', probe });
    await cache.ensure(40);
    const { rgb } = await readJpeg(cache.pathFor(40));
    let source: Uint8Array | null = null;
    for await (const f of decodeFrames(path.join(bmxFrames, '00040.jpg'), { width: 432, height: 240 })) source = f.data;
    let diff = 0;
    for (let i = 0; i < rgb.length; i++) diff += Math.abs(rgb[i]! - source![i]!);
    expect(diff / rgb.length).toBeLessThan(4);
  });
});

describe('mediaIdFor', () => {
  it('is a hex id that changes when the file changes', async () => {
    const a = await mediaIdFor(clip.path);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(await mediaIdFor(clip.path)).toBe(a);
    const copy = path.join(tmp, 'copy.mp4');
    runFfmpeg(['-i', clip.path, '-c', 'copy', copy]);
    const before = await mediaIdFor(copy);
    expect(before).not.toBe(a);
    utimesSync(copy, new Date(), new Date(Date.now() + 60_000));
    expect(await mediaIdFor(copy)).not.toBe(before);
  });
});

describe('generateThumbnails', () => {
  it('writes small thumbnails coarse to fine with at most two ffmpeg processes, then reuses them', async () => {
    const root = path.join(tmp, 'thumbs');
    const seen: Array<[number, string]> = [];
    let maxProcesses = 0;
    const watch = setInterval(() => (maxProcesses = Math.max(maxProcesses, childProcesses('ffmpeg').length)), 5);
    await generateThumbnails({ cacheRoot: root, mediaId: 't', probe: clip, count: 9, onThumbnail: (i, ref) => seen.push([i, ref]) });
    clearInterval(watch);
    expect(maxProcesses).toBeGreaterThan(0);
    expect(maxProcesses).toBeLessThanOrEqual(2);
    // 9 slots over 30 frames, ends first then halves (two workers may finish neighbours swapped).
    expect(seen.map(([i]) => i).sort((a, b) => a - b)).toEqual([0, 4, 7, 11, 15, 18, 22, 25, 29]);
    expect(seen.slice(0, 2).map(([i]) => i).sort((a, b) => a - b)).toEqual([0, 29]);
    for (const [i, ref] of seen) expect(ref).toBe(`thumbs/t/${String(i).padStart(6, '0')}.jpg`);
    const { probe, rgb } = await readJpeg(path.join(root, 'thumbs/t/000015.jpg'));
    expect({ w: probe.width, h: probe.height }).toEqual({ w: 160, h: 60 });
    expect(Math.abs(redSquareLeft(rgb, 160, 60) - (squareAt(square, 15).x * 160) / 256)).toBeLessThanOrEqual(2);

    const again: number[] = [];
    const started = Date.now();
    await generateThumbnails({ cacheRoot: root, mediaId: 't', probe: clip, count: 9, onThumbnail: (i) => again.push(i) });
    expect(again).toHaveLength(9);
    expect(Date.now() - started).toBeLessThan(200); // from disk, no ffmpeg
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const run = generateThumbnails({
      cacheRoot: path.join(tmp, 'thumbs-abort'),
      mediaId: 'a',
      probe: clip,
      count: 30,
      signal: controller.signal,
      onThumbnail: (i) => {
        seen.push(i);
        if (seen.length === 3) controller.abort(new Error('closed'));
      },
    });
    await expect(run).rejects.toThrow('closed');
    await sleep(50);
    expect(seen.length).toBeLessThan(30);
    expect(childProcesses('ffmpeg')).toEqual([]);
  });
});

describe('JpegStreamSplitter', () => {
  it('cuts ffmpeg MJPEG output into the same files ffmpeg writes one by one, whatever the chunking', () => {
    const dir = path.join(tmp, 'mjpeg');
    runFfmpeg(['-i', clip.path, '-frames:v', '12', '-q:v', '2', '-f', 'image2', '-start_number', '0', `${tmp}/mjpeg-%02d.jpg`]);
    runFfmpeg(['-i', clip.path, '-frames:v', '12', '-q:v', '2', '-f', 'image2pipe', '-c:v', 'mjpeg', `${dir}.mjpeg`]);
    const stream = readFileSync(`${dir}.mjpeg`);
    for (const chunkSize of [1, 7, 4096, stream.length]) {
      const splitter = new JpegStreamSplitter();
      const files: Buffer[] = [];
      for (let i = 0; i < stream.length; i += chunkSize) files.push(...splitter.push(stream.subarray(i, i + chunkSize)).map((b) => Buffer.from(b)));
      expect(files).toHaveLength(12);
      expect(splitter.pending).toBe(0);
      files.forEach((f, i) => expect(Buffer.compare(f, readFileSync(`${tmp}/mjpeg-${String(i).padStart(2, '0')}.jpg`)), `chunk ${chunkSize} file ${i}`).toBe(0));
    }
  });

  it('refuses data that is not JPEG', () => {
    expect(() => new JpegStreamSplitter().push(Buffer.from('not a jpeg'))).toThrow('not a JPEG stream');
  });
});
