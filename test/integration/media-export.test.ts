// exportVideo() from an FFV1 intermediate made by createEncoder(), as the app does: every format,
// exact fps, audio from the source, rotation, progress, and cancel/failure leaving nothing behind.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../common/contract/types';
import { decodeFrames } from '../../main/media/decode';
import { createEncoder } from '../../main/media/encode';
import { exportVideo, type ExportOptions } from '../../main/media/export';
import { probeMedia } from '../../main/media/probe';
import { childProcesses, makeClip } from '../helpers/media';

let tmp: string;
let source: ProbeResult;
let intermediate: string;

/** What the job runner does: decode upright frames and keep them losslessly. */
async function makeIntermediate(src: ProbeResult, out: string): Promise<string> {
  const encoder = createEncoder(out, { format: 'ffv1', width: src.width, height: src.height, fps: src.fps });
  for await (const f of decodeFrames(src, { width: src.width, height: src.height })) await encoder.write(f.data);
  await encoder.finish();
  return out;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cp-export-'));
  source = await probeMedia(
    makeClip('export-src', {
      width: 64,
      height: 48,
      frames: 24,
      fps: '30000/1001',
      audio: true,
      rotation: 90,
      color: { range: 'tv', space: 'bt709', primaries: 'bt709', transfer: 'bt709' },
    }),
  );
  intermediate = await makeIntermediate(source, path.join(tmp, 'intermediate.mkv'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const base = (extra: Partial<ExportOptions>): ExportOptions => ({
  video: intermediate,
  audioFrom: source.path,
  out: '',
  format: 'h264',
  rotation: source.rotation,
  color: source.color,
  ...extra,
});

describe('exportVideo', () => {
  it.each([
    ['h264', 'clean.mp4', 'aac'],
    ['h265', 'clean-hevc.mp4', 'aac'],
    ['prores', 'clean.mov', 'aac'],
  ] as const)('%s keeps frame count, 29.97 fps, rotation, colour tags and audio, reporting progress', async (format, name, audioCodec) => {
    const dir = path.join(tmp, format);
    mkdirSync(dir);
    const out = path.join(dir, name);
    const progress: Array<[number, number]> = [];
    const result = await exportVideo(base({ out, format, onProgress: (done, total) => progress.push([done, total]) }));
    expect(result).toMatchObject({ path: out, frames: 24 });
    expect(result.seconds).toBeGreaterThan(0);
    expect(readdirSync(dir)).toEqual([name]);
    const back = await probeMedia(out);
    expect(back).toMatchObject({ frameCount: 24, fps: { num: 30000, den: 1001 }, rotation: 90, width: 48, height: 64, codedWidth: 64, codedHeight: 48 });
    expect(back.color).toMatchObject({ space: 'bt709', primaries: 'bt709', transfer: 'bt709' });
    expect(back.audio.map((a) => a.codec)).toEqual([audioCodec]);
    expect(back.durationSec).toBeCloseTo(source.durationSec, 1);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual([24, 24]);
    progress.forEach(([done], i) => expect(done).toBeGreaterThanOrEqual(progress[i - 1]?.[0] ?? 0));
  });

  it('writes a PNG sequence named from 00000.png, upright', async () => {
    const out = path.join(tmp, 'png-out');
    const result = await exportVideo(base({ out, format: 'png' }));
    expect(result.frames).toBe(24);
    expect(readdirSync(out)).toEqual([...Array(24).keys()].map((i) => `${String(i).padStart(5, '0')}.png`));
    expect(await probeMedia(out)).toMatchObject({ width: 48, height: 64, frameCount: 24 });
  });

  it('cancelling stops ffmpeg and leaves nothing at the target', async () => {
    // H.265 at 320x240 takes a few seconds: long enough for the first progress report to arrive.
    const big = await probeMedia(makeClip('export-big', { width: 320, height: 240, frames: 60, background: 'testsrc' }));
    const bigIntermediate = await makeIntermediate(big, path.join(tmp, 'big.mkv'));
    const dir = path.join(tmp, 'cancel');
    mkdirSync(dir);
    const controller = new AbortController();
    const run = exportVideo({
      video: bigIntermediate,
      audioFrom: null,
      out: path.join(dir, 'x.mp4'),
      format: 'h265',
      signal: controller.signal,
      onProgress: (done) => {
        if (done > 0) controller.abort(new Error('cancelled by the user'));
      },
    });
    await expect(run).rejects.toThrow('cancelled by the user');
    expect(readdirSync(dir)).toEqual([]);
    expect(childProcesses('ffmpeg')).toEqual([]);
  });

  it('says the disk is full and leaves nothing behind', async () => {
    const dir = path.join(tmp, 'full');
    mkdirSync(dir);
    const out = path.join(dir, 'clean.mp4');
    symlinkSync('/dev/full', path.join(dir, `.clean.${process.pid}.partial.mp4`));
    await expect(exportVideo(base({ out, rotation: 0 }))).rejects.toThrow(`The disk is full while writing ${out}; free space and export again.`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('says the disk is full when a PNG export fills a real, tiny filesystem (ffmpeg itself exits 0)', async (ctx) => {
    const mountPoint = path.join(tmp, 'tiny');
    mkdirSync(mountPoint);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint]);
    if (mounted.status !== 0) ctx.skip(`cannot mount a tmpfs here (${String(mounted.stderr).trim() || 'not root'})`);
    try {
      const out = path.join(mountPoint, 'frames');
      await expect(exportVideo(base({ out, format: 'png' }))).rejects.toThrow(`The disk is full while writing ${out}; free space and export again.`);
      expect(readdirSync(mountPoint)).toEqual([]);
    } finally {
      spawnSync('umount', [mountPoint]);
    }
  });

  it('refuses an unwritable target before starting', async () => {
    await expect(exportVideo(base({ out: '/sys/kernel/clean.mp4' }))).rejects.toThrow('Cannot write to /sys/kernel (permission denied)');
    await expect(exportVideo(base({ out: path.join(tmp, 'clean.avi') }))).rejects.toThrow('H.264 is written as .mp4, .m4v, .mov, .mkv');
  });
});
