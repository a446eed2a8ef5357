// probeMedia() on real media: generated clips (rational and variable rates, rotation, audio, colour
// tags, containers without a frame count), the bmx-trees frames, and every kind of bad input.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../common/errors';
import { probeMedia } from '../../main/media/probe';
import { bmxFrames, bmxMasks, makeClip, runFfmpeg } from '../helpers/media';
import { locateFfmpeg } from '../../main/media/index';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cp-probe-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Frames the decoder shows (ffprobe decoding every frame), independent of the probe's packet count. */
function decodedFrames(file: string): number {
  const r = spawnSync(locateFfmpeg().ffprobe, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

/** The one line a bad input gets (a UserError with code bad-input). */
async function badInputMessage(input: string): Promise<string> {
  try {
    await probeMedia(input);
  } catch (err) {
    expect(isUserError(err), String(err)).toBe(true);
    expect((err as { code: string }).code).toBe('bad-input');
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`probing ${input} did not fail`);
}

describe('probeMedia on videos', () => {
  it('reads size, integer fps, frame count, duration and pixel format', async () => {
    const clip = makeClip('probe-cfr', { width: 64, height: 48, frames: 30 });
    const p = await probeMedia(clip);
    expect(p).toMatchObject({
      path: clip,
      container: 'mp4',
      codec: 'h264',
      width: 64,
      height: 48,
      codedWidth: 64,
      codedHeight: 48,
      rotation: 0,
      fps: { num: 25, den: 1 },
      vfr: false,
      frameCount: 30,
      pixelFormat: 'yuv420p',
      bitDepth: 8,
      audio: [],
      isImageSequence: false,
    });
    expect(p.durationSec).toBeCloseTo(1.2, 3);
  });

  it('keeps NTSC rates as a rational (30000/1001), never 29.97', async () => {
    const p = await probeMedia(makeClip('probe-ntsc', { width: 64, height: 48, frames: 30, fps: '30000/1001' }));
    expect(p.fps).toEqual({ num: 30000, den: 1001 });
    expect(p.frameCount).toBe(30);
    expect(p.vfr).toBe(false);
  });

  it('detects a variable frame rate from packet timestamps and counts only the frames that are shown', async () => {
    const clip = makeClip('probe-vfr', { width: 64, height: 48, frames: 30, vfr: true });
    const p = await probeMedia(clip);
    expect(p.vfr).toBe(true);
    // Whether the mp4 hides the generator's last frame with an edit list depends on the ffmpeg that
    // made the clip (4.1 did, 5.1 does not): the count must be what the decoder shows, either way.
    expect(p.frameCount).toBe(decodedFrames(clip));
    expect(p.frameCount).toBeGreaterThanOrEqual(29);
    expect(p.fps.num / p.fps.den).toBeGreaterThan(20);
    expect(p.fps.num / p.fps.den).toBeLessThan(30);
  });

  it('counts frames in a container without a frame count (Matroska) and keeps 29.97 exact', async () => {
    const p = await probeMedia(makeClip('probe-mkv', { width: 64, height: 48, frames: 31, codec: 'ffv1', container: 'mkv', fps: '30000/1001' }));
    expect(p).toMatchObject({ container: 'matroska', codec: 'ffv1', frameCount: 31, fps: { num: 30000, den: 1001 }, vfr: false });
  });

  it.each([90, 180, 270] as const)('reports display rotation %i and swaps the displayed size for quarter turns', async (rotation) => {
    const p = await probeMedia(makeClip(`probe-rot${rotation}`, { width: 64, height: 48, frames: 5, rotation }));
    expect(p.rotation).toBe(rotation);
    expect({ w: p.codedWidth, h: p.codedHeight }).toEqual({ w: 64, h: 48 });
    expect({ w: p.width, h: p.height }).toEqual(rotation === 180 ? { w: 64, h: 48 } : { w: 48, h: 64 });
  });

  it('lists audio streams', async () => {
    const p = await probeMedia(makeClip('probe-audio', { width: 64, height: 48, frames: 25, audio: true }));
    expect(p.audio).toEqual([{ index: 1, codec: 'aac', channels: 1, sampleRate: 48000, language: null }]);
    expect(p.frameCount).toBe(25);
  });

  it('reads colour tags', async () => {
    const p = await probeMedia(
      makeClip('probe-color', { width: 64, height: 48, frames: 5, color: { range: 'tv', space: 'bt709', primaries: 'bt709', transfer: 'bt709' } }),
    );
    expect(p.color).toEqual({ range: 'tv', space: 'bt709', transfer: 'bt709', primaries: 'bt709' });
  });
});

describe('probeMedia on images', () => {
  it('treats a folder of frames as a 24 fps sequence in name order', async () => {
    const p = await probeMedia(bmxFrames);
    expect(p).toMatchObject({ container: 'frames', codec: 'mjpeg', width: 432, height: 240, frameCount: 80, fps: { num: 24, den: 1 }, isImageSequence: true, vfr: false });
    expect(p.durationSec).toBeCloseTo(80 / 24, 6);
  });

  it('treats a single image as one frame', async () => {
    const p = await probeMedia(path.join(bmxMasks, '00000.png'));
    expect(p).toMatchObject({ container: 'image', codec: 'png', width: 432, height: 240, frameCount: 1, pixelFormat: 'gray', bitDepth: 8, isImageSequence: true });
  });

  it('orders numbered frames by number, not by text', async () => {
    const dir = path.join(tmp, 'unpadded');
    mkdirSync(dir);
    for (const n of [1, 2, 10]) copyFileSync(path.join(bmxFrames, '00000.jpg'), path.join(dir, `f${n}.jpg`));
    writeFileSync(path.join(dir, 'notes.txt'), 'not a frame');
    expect((await probeMedia(dir)).frameCount).toBe(3);
  });
});

describe('probeMedia refuses bad input with one line that names the file and what to do', () => {
  it('a missing file', async () => {
    const missing = path.join(tmp, 'nope.mp4');
    expect(await badInputMessage(missing)).toBe(`${missing} does not exist; check the input path.`);
  });

  it('an empty (0-byte) file', async () => {
    const empty = path.join(tmp, 'empty.mp4');
    writeFileSync(empty, '');
    expect(await badInputMessage(empty)).toBe(`${empty} is empty (0 bytes); copy or export it again.`);
  });

  it.each(['notes.mp4', 'notes.txt'])('a text file (%s)', async (name) => {
    // ffmpeg reads .txt files as "tty" video (text drawn as pictures); that is not a video either.
    const text = path.join(tmp, name);
    writeFileSync(text, 'these are my notes, not a video\n'.repeat(20));
    expect(await badInputMessage(text)).toBe(
      `${text} is not a video or image Cleanplate can read; choose a video file (mp4, mov, mkv, ...), an image, or a folder of frames.`,
    );
  });

  it('a truncated mp4 (cut in half) is called damaged', async () => {
    const clip = makeClip('probe-trunc', { width: 64, height: 48, frames: 30 });
    const cut = path.join(tmp, 'cut.mp4');
    const bytes = readFileSync(clip);
    writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
    expect(await badInputMessage(cut)).toMatch(new RegExp(`^${escape(cut)} is damaged or incomplete; .*copy or export it again\\.$`));
  });

  it('a file with no video stream', async () => {
    const audioOnly = path.join(tmp, 'tone.m4a');
    runFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.5', '-c:a', 'aac', audioOnly]);
    expect(await badInputMessage(audioOnly)).toBe(`${audioOnly} has no video stream (it holds only audio); choose a video file.`);
  });

  it('a folder with no frames', async () => {
    const dir = path.join(tmp, 'no-frames');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'readme.txt'), 'hello');
    expect(await badInputMessage(dir)).toBe(`${dir} contains no frames (.jpg, .jpeg or .png files); choose a folder of numbered frames or a video file.`);
  });

  it('a folder that mixes JPEG and PNG frames', async () => {
    const dir = path.join(tmp, 'mixed');
    mkdirSync(dir);
    copyFileSync(path.join(bmxFrames, '00000.jpg'), path.join(dir, '00000.jpg'));
    copyFileSync(path.join(bmxMasks, '00001.png'), path.join(dir, '00001.png'));
    expect(await badInputMessage(dir)).toBe(`${dir} mixes JPEG and PNG frames; keep one image format per frames folder.`);
  });
});

describe('probeMedia as a process', () => {
  it('stops at once when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(probeMedia(makeClip('probe-cfr', { width: 64, height: 48, frames: 30 }), { signal: controller.signal })).rejects.toThrow('stop');
  });

  it('gives up after its time limit with a clear line', async () => {
    // A FIFO nobody writes to: ffprobe blocks reading it until the time limit kills it.
    const fifo = path.join(tmp, 'stuck.mp4');
    runMkfifo(fifo);
    const started = Date.now();
    await expect(probeMedia(fifo, { timeoutMs: 500 })).rejects.toThrow(`Reading ${fifo} took too long`);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

function runMkfifo(file: string) {
  if (spawnSync('mkfifo', [file]).status !== 0) throw new Error('mkfifo failed');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
