// decodeFrames() on real media: one frame per source frame with the right picture in it, exact
// ranges (CFR, NTSC, VFR, Matroska), rotation, frames folders and single images, backpressure,
// and ffmpeg never outliving the stream.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../common/errors';
import { decodeFrames, type DecodeOptions } from '../../main/media/decode';
import { probeMedia } from '../../main/media/probe';
import { bmxFrames, childProcesses, makeClip, runFfmpeg, squareAt, type ClipOptions } from '../helpers/media';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cp-decode-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function collect(input: Parameters<typeof decodeFrames>[0], opts: DecodeOptions) {
  const frames: Array<{ index: number; data: Uint8Array }> = [];
  for await (const f of decodeFrames(input, opts)) frames.push(f);
  return frames;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Left edge of the red square in an RGB frame (the generator's object), or -1. */
function redSquareLeft(rgb: Uint8Array, width: number, height: number): number {
  let left = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (rgb[i]! > 200 && rgb[i + 1]! < 70 && rgb[i + 2]! < 70 && (left < 0 || x < left)) left = x;
    }
  return left;
}

/** Mean absolute difference of two byte arrays. */
function meanDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** An RGB image turned 90 degrees clockwise. */
function rotateClockwise(rgb: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const src = (y * w + x) * 3;
      const dst = (x * h + (h - 1 - y)) * 3;
      out.set(rgb.subarray(src, src + 3), dst);
    }
  return out;
}

const square = { size: 12, x0: 4, y0: 10, dx: 3, dy: 0 };

describe('decodeFrames', () => {
  it('yields one frame per source frame, in order, each showing that frame', async () => {
    const clip = makeClip('decode-square', { width: 96, height: 48, frames: 20, square });
    const frames = await collect(clip, { width: 96, height: 48 });
    expect(frames.map((f) => f.index)).toEqual([...Array(20).keys()]);
    for (const f of frames) {
      expect(f.data.length).toBe(96 * 48 * 3);
      expect(Math.abs(redSquareLeft(f.data, 96, 48) - squareAt(square, f.index).x)).toBeLessThanOrEqual(1);
    }
  });

  it('scales to the size asked for and decodes grey frames', async () => {
    const clip = makeClip('decode-square', { width: 96, height: 48, frames: 20, square });
    const small = await collect(clip, { width: 48, height: 24, range: { start: 10, end: 10 } });
    expect(small[0]!.data.length).toBe(48 * 24 * 3);
    expect(Math.abs(redSquareLeft(small[0]!.data, 48, 24) - squareAt(square, 10).x / 2)).toBeLessThanOrEqual(1);
    const grey = await collect(clip, { width: 96, height: 48, pixelFormat: 'gray', range: { start: 0, end: 1 } });
    expect(grey.map((f) => f.data.length)).toEqual([96 * 48, 96 * 48]);
  });

  const rangeCases: Array<[string, ClipOptions]> = [
    ['25 fps mp4', { width: 64, height: 48, frames: 40 }],
    ['30000/1001 mp4', { width: 64, height: 48, frames: 40, fps: '30000/1001' }],
    ['variable frame rate mp4', { width: 64, height: 48, frames: 40, vfr: true }],
    ['29.97 fps Matroska', { width: 64, height: 48, frames: 40, fps: '30000/1001', codec: 'ffv1', container: 'mkv' }],
    ['mp4 with audio', { width: 64, height: 48, frames: 40, audio: true }],
  ];
  it.each(rangeCases)('decodes exact frame ranges of a %s (checked against a full decode)', async (name, opts) => {
    const clip = makeClip(`decode-range-${name.replace(/\W+/g, '-')}`, opts);
    const probe = await probeMedia(clip);
    const full = await collect(probe, { width: 64, height: 48 });
    expect(full).toHaveLength(probe.frameCount);
    // Neighbouring frames differ (the background pans), so an off-by-one cannot pass.
    expect(meanDiff(full[10]!.data, full[11]!.data)).toBeGreaterThan(1);
    const last = probe.frameCount - 1;
    for (const [start, end] of [[1, 3], [17, 21], [last - 2, last], [last, last]] as const) {
      const part = await collect(probe, { width: 64, height: 48, range: { start, end } });
      expect(part.map((f) => f.index)).toEqual(full.slice(start, end + 1).map((f) => f.index));
      part.forEach((f) => expect(Buffer.compare(f.data, full[f.index]!.data), `${name}: frame ${f.index}`).toBe(0));
    }
  });

  it('applies the display rotation (frames come out upright)', async () => {
    const plain = makeClip('decode-rot-src', { width: 64, height: 32, frames: 3, square: { size: 8, x0: 2, y0: 2, dx: 0, dy: 0 } });
    const rotated = makeClip('decode-rot-src', { width: 64, height: 32, frames: 3, square: { size: 8, x0: 2, y0: 2, dx: 0, dy: 0 }, rotation: 90 });
    const [coded] = await collect(plain, { width: 64, height: 32, range: { start: 1, end: 1 } });
    const [upright] = await collect(rotated, { width: 32, height: 64, range: { start: 1, end: 1 } });
    // Same pixels, turned a quarter clockwise (chroma is interpolated after the turn: allow rounding).
    expect(meanDiff(upright!.data, rotateClockwise(coded!.data, 64, 32))).toBeLessThan(2);
    // The square at the top left of the coded picture is at the top right once upright.
    expect(redSquareLeft(upright!.data, 32, 64)).toBeGreaterThan(16);
  });

  it('reads a folder of frames in name order, also from the middle', async () => {
    const part = await collect(bmxFrames, { width: 432, height: 240, range: { start: 37, end: 39 } });
    expect(part.map((f) => f.index)).toEqual([37, 38, 39]);
    const [single] = await collect(path.join(bmxFrames, '00038.jpg'), { width: 432, height: 240 });
    expect(Buffer.compare(part[1]!.data, single!.data)).toBe(0);
    expect(meanDiff(part[0]!.data, part[1]!.data)).toBeGreaterThan(1);
    const all = await collect(bmxFrames, { width: 216, height: 120, pixelFormat: 'gray' });
    expect(all).toHaveLength(80);
  });

  it('yields exactly one frame for a single image', async () => {
    const frames = await collect(path.join(bmxFrames, '00000.jpg'), { width: 432, height: 240 });
    expect(frames.map((f) => f.index)).toEqual([0]);
  });

  it('keeps ffmpeg waiting while the consumer is slow (backpressure), then delivers every frame', async () => {
    // 120 frames of 320x240 RGB are 27 MB: ffmpeg decodes them in well under a second when unblocked.
    const clip = makeClip('decode-backpressure', { width: 320, height: 240, frames: 120, background: 'testsrc' });
    const it = decodeFrames(clip, { width: 320, height: 240 });
    expect((await it.next()).done).toBe(false);
    await sleep(1500);
    const [pid] = childProcesses('ffmpeg');
    expect(pid, 'ffmpeg should still be running, blocked on the full pipe').toBeDefined();
    // Blocked writing to the pipe, not busy decoding.
    expect(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0]).toBe('S');
    let count = 1;
    for await (const _ of { [Symbol.asyncIterator]: () => it }) count++;
    expect(count).toBe(120);
    expect(childProcesses('ffmpeg')).toEqual([]);
  });

  it('kills ffmpeg when the consumer leaves the loop early', async () => {
    const clip = makeClip('decode-backpressure', { width: 320, height: 240, frames: 120, background: 'testsrc' });
    let seen = 0;
    for await (const _ of decodeFrames(clip, { width: 320, height: 240 })) {
      expect(childProcesses('ffmpeg')).toHaveLength(1);
      if (++seen === 2) break;
    }
    expect(childProcesses('ffmpeg')).toEqual([]);
  });

  it('kills ffmpeg and rejects with the reason when aborted', async () => {
    const clip = makeClip('decode-backpressure', { width: 320, height: 240, frames: 120, background: 'testsrc' });
    const controller = new AbortController();
    const it = decodeFrames(clip, { width: 320, height: 240, signal: controller.signal });
    await it.next();
    controller.abort(new Error('user cancelled'));
    await expect(
      (async () => {
        for (;;) if ((await it.next()).done) return;
      })(),
    ).rejects.toThrow('user cancelled');
    await sleep(50);
    expect(childProcesses('ffmpeg')).toEqual([]);
  });

  it('says a file that ends early is damaged, and how far it got', async () => {
    // moov at the front (faststart) so the header survives the cut and probing succeeds.
    const clip = makeClip('decode-trunc', { width: 64, height: 48, frames: 60 });
    const faststart = path.join(tmp, 'faststart.mp4');
    runFfmpeg(['-i', clip, '-c', 'copy', '-movflags', '+faststart', faststart]);
    const cut = path.join(tmp, 'cut.mp4');
    const bytes = readFileSync(faststart);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const err = await collect(cut, { width: 64, height: 48 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(/^\S+cut\.mp4 is damaged or incomplete.*; it may have been cut off while copying or recording, so copy or export it again\.$/);
  });

  it('refuses a range outside the source, saying which frames exist', async () => {
    const clip = makeClip('decode-square', { width: 96, height: 48, frames: 20, square });
    await expect(collect(clip, { width: 96, height: 48, range: { start: 15, end: 25 } })).rejects.toThrow(
      `Frames 15..25 are not inside ${clip}, which has frames 0..19; choose a range inside it.`,
    );
  });

  it('refuses a missing file with the same line as probing', async () => {
    const missing = path.join(tmp, 'missing.mov');
    await expect(collect(missing, { width: 8, height: 8 })).rejects.toThrow(`${missing} does not exist; check the input path.`);
  });
});
