// decodeMaskFrames() on real masks: the bmx-trees PNG folder, a single PNG, mask videos (lossless
// and lossy), scaling with nearest neighbour, and the size and count mismatches users hit.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames } from '../../main/media/decode';
import { decodeMaskFrames, type MaskDecodeOptions } from '../../main/media/masks';
import { bmxMasks, makeSquareMasks, runFfmpeg, squareAt } from '../helpers/media';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cp-masks-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function collect(input: string, opts: MaskDecodeOptions) {
  const frames: Array<{ index: number; data: Uint8Array }> = [];
  for await (const f of decodeMaskFrames(input, opts)) frames.push(f);
  return frames;
}

/** The PNG's own grey values, unscaled. */
async function rawGrey(file: string, width: number, height: number): Promise<Uint8Array> {
  for await (const f of decodeFrames(file, { width, height, pixelFormat: 'gray', scale: 'neighbor' })) return f.data;
  throw new Error('no frame');
}

const count = (data: Uint8Array, value: number) => data.reduce((n, v) => n + (v === value ? 1 : 0), 0);
const square = { size: 10, x0: 6, y0: 8, dx: 2, dy: 1 };

describe('decodeMaskFrames', () => {
  it('reads a folder of PNGs: 255 wherever the source pixel is not zero, 0 elsewhere', async () => {
    const frames = await collect(bmxMasks, { width: 432, height: 240, frameCount: 80 });
    expect(frames.map((f) => f.index)).toEqual([...Array(80).keys()]);
    const source = await rawGrey(path.join(bmxMasks, '00042.png'), 432, 240);
    const mask = frames[42]!.data;
    expect(mask.length).toBe(432 * 240);
    for (let i = 0; i < mask.length; i++) if (mask[i] !== (source[i] ? 255 : 0)) throw new Error(`pixel ${i}: ${source[i]} -> ${mask[i]}`);
    expect(count(mask, 255)).toBeGreaterThan(1000);
  });

  it('scales to a processing size with nearest neighbour (no grey edge pixels) and honours a range', async () => {
    const frames = await collect(bmxMasks, { width: 216, height: 120, frameCount: 80, range: { start: 10, end: 12 } });
    expect(frames.map((f) => f.index)).toEqual([10, 11, 12]);
    for (const f of frames) {
      expect(f.data.length).toBe(216 * 120);
      expect(count(f.data, 0) + count(f.data, 255)).toBe(f.data.length);
    }
  });

  it('applies a single PNG to every frame', async () => {
    const frames = await collect(path.join(bmxMasks, '00005.png'), { width: 432, height: 240, frameCount: 80, range: { start: 70, end: 79 } });
    expect(frames.map((f) => f.index)).toEqual([70, 71, 72, 73, 74, 75, 76, 77, 78, 79]);
    for (const f of frames) expect(Buffer.compare(f.data, frames[0]!.data)).toBe(0);
    expect(frames[0]!.data).not.toBe(frames[1]!.data); // each frame is its own buffer
  });

  it('counts a pixel as "remove" when any colour channel is non-zero', async () => {
    const blue = path.join(tmp, 'blue.png');
    runFfmpeg(['-f', 'lavfi', '-i', 'color=c=black:s=32x18', '-vf', 'format=rgb24,geq=r=0:g=0:b=1', '-frames:v', '1', blue]);
    const [frame] = await collect(blue, { width: 32, height: 18, frameCount: 1 });
    expect(count(frame!.data, 255)).toBe(32 * 18);
  });

  it.each([
    ['lossless (FFV1)', ['-c:v', 'ffv1'], 'mkv'],
    ['lossy (H.264)', ['-c:v', 'libx264', '-crf', '28', '-pix_fmt', 'yuv420p'], 'mp4'],
  ])('reads a %s mask video frame by frame', async (_name, codec, ext) => {
    const pngs = makeSquareMasks('masks-video', { width: 64, height: 48, frames: 12, square });
    const video = path.join(tmp, `mask-${ext}.${ext}`);
    runFfmpeg(['-framerate', '25', '-i', path.join(pngs, '%05d.png'), ...codec, video]);
    const frames = await collect(video, { width: 64, height: 48, frameCount: 12 });
    expect(frames).toHaveLength(12);
    for (const f of frames) {
      const { x, y } = squareAt(square, f.index);
      // The square and nothing else: codec noise in the black must not count as "remove".
      expect(f.data[(y + 5) * 64 + x + 5], `frame ${f.index} centre`).toBe(255);
      expect(Math.abs(count(f.data, 255) - square.size * square.size), `frame ${f.index} area`).toBeLessThanOrEqual(12);
    }
  });

  it('scales a mask of another size when the aspect ratio matches', async () => {
    const big = path.join(tmp, 'big.png');
    runFfmpeg(['-i', path.join(bmxMasks, '00000.png'), '-vf', 'scale=864:480:flags=neighbor', big]);
    const [frame] = await collect(big, { width: 432, height: 240, frameCount: 1 });
    expect(frame!.data.length).toBe(432 * 240);
    const direct = (await collect(path.join(bmxMasks, '00000.png'), { width: 432, height: 240, frameCount: 1 }))[0]!.data;
    expect(Buffer.compare(frame!.data, direct)).toBe(0);
  });

  it('refuses a mask whose aspect ratio differs, naming both sizes', async () => {
    const square400 = path.join(tmp, 'square400.png');
    runFfmpeg(['-f', 'lavfi', '-i', 'color=c=white:s=400x400', '-frames:v', '1', square400]);
    await expect(collect(square400, { width: 432, height: 240, frameCount: 80 })).rejects.toThrow(
      `${square400}: mask is 400x400 but the video is 432x240; masks must have the video's aspect ratio.`,
    );
    // A processing size names the video's own size.
    await expect(collect(square400, { width: 216, height: 120, frameCount: 80, videoSize: { width: 432, height: 240 } })).rejects.toThrow(
      'mask is 400x400 but the video is 432x240',
    );
  });

  it('refuses a folder with a different number of masks, saying how many were expected and found', async () => {
    const short = path.join(tmp, 'short');
    mkdirSync(short);
    cpSync(bmxMasks, short, { recursive: true });
    rmSync(path.join(short, '00079.png'));
    await expect(collect(short, { width: 432, height: 240, frameCount: 80 })).rejects.toThrow(
      `${short}: the mask folder holds 79 images but the video has 80 frames; give exactly one mask per frame (or a single PNG for all frames).`,
    );
  });
});
