// createEncoder() round trips on real media for every format (frame count, exact fps, size,
// rotation, audio, colour tags, pixels), and what is left on disk after abort, failure, a full disk
// and an unwritable target: nothing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../common/contract/types';
import { isUserError } from '../../common/errors';
import { decodeFrames } from '../../main/media/decode';
import { createEncoder, type EncoderOptions } from '../../main/media/encode';
import type { OutputFormat } from '../../main/media/output-args';
import { probeMedia } from '../../main/media/probe';
import { childProcesses, makeClip, runFfmpeg } from '../helpers/media';

let tmp: string;
let source: { probe: ProbeResult; frames: Uint8Array[] };

async function decodeAll(input: string | ProbeResult, width: number, height: number, pixelFormat: 'rgb24' | 'gray' = 'rgb24'): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const f of decodeFrames(input, { width, height, pixelFormat })) out.push(f.data);
  return out;
}

async function encodeAll(out: string, frames: Uint8Array[], opts: EncoderOptions) {
  const encoder = createEncoder(out, opts);
  for (const f of frames) await encoder.write(f);
  return encoder.finish();
}

function meanDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: Error) => err,
  );
}

/** Everything in a folder, hidden temporaries included. */
const listing = (dir: string) => readdirSync(dir).sort();

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cp-encode-'));
  const clip = makeClip('encode-src', {
    width: 64,
    height: 48,
    frames: 12,
    fps: '30000/1001',
    audio: true,
    square: { size: 10, x0: 4, y0: 8, dx: 3, dy: 1 },
    color: { range: 'tv', space: 'bt709', primaries: 'bt709', transfer: 'bt709' },
  });
  const probe = await probeMedia(clip);
  source = { probe, frames: await decodeAll(probe, 64, 48) };
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const roundTrips: Array<[OutputFormat, string, { lossless: boolean; audio: string | null; colorTags: boolean }]> = [
  ['h264', 'out.mp4', { lossless: false, audio: 'aac', colorTags: true }],
  ['h265', 'out-hevc.mp4', { lossless: false, audio: 'aac', colorTags: true }],
  ['prores', 'out.mov', { lossless: false, audio: 'aac', colorTags: true }],
  ['ffv1', 'out.mkv', { lossless: true, audio: 'aac', colorTags: false }],
  ['png', 'frames', { lossless: true, audio: null, colorTags: false }],
];

describe('createEncoder round trips', () => {
  it.each(roundTrips)('%s keeps frame count, exact fps, size, audio and colour tags', async (format, name, expected) => {
    const out = path.join(tmp, `rt-${format}`, name);
    mkdirSync(path.dirname(out));
    const { probe, frames } = source;
    const result = await encodeAll(out, frames, { format, width: 64, height: 48, fps: probe.fps, audioFrom: probe.path, color: probe.color });
    expect(result).toEqual({ path: out, frames: 12 });
    // Only the output: no temporary left next to it.
    expect(listing(path.dirname(out))).toEqual([name]);

    const back = await probeMedia(out);
    expect(back.frameCount).toBe(12);
    expect({ w: back.width, h: back.height }).toEqual({ w: 64, h: 48 });
    if (format === 'png') {
      expect(listing(out)).toEqual([...Array(12).keys()].map((i) => `${String(i).padStart(5, '0')}.png`));
    } else {
      expect(back.fps).toEqual({ num: 30000, den: 1001 });
      expect(back.audio.map((a) => a.codec)).toEqual([expected.audio]);
      expect(back.durationSec).toBeCloseTo(probe.durationSec, 1);
    }
    if (expected.colorTags) expect(back.color).toMatchObject({ space: 'bt709', primaries: 'bt709', transfer: 'bt709' });

    const decoded = await decodeAll(back, 64, 48);
    decoded.forEach((f, i) => {
      if (expected.lossless) expect(Buffer.compare(f, frames[i]!), `frame ${i}`).toBe(0);
      else expect(meanDiff(f, frames[i]!), `frame ${i}`).toBeLessThan(4);
    });
  });

  it.each([
    ['h264', 'rot.mp4'],
    ['prores', 'rot.mov'],
  ] as const)('%s keeps a 90 degree display rotation (pixels stored as coded, matrix restored)', async (format, name) => {
    const clip = makeClip('encode-rot', { width: 64, height: 32, frames: 6, rotation: 90, square: { size: 8, x0: 2, y0: 2, dx: 4, dy: 0 } });
    const probe = await probeMedia(clip);
    const upright = await decodeAll(probe, 32, 64);
    const out = path.join(tmp, name);
    await encodeAll(out, upright, { format, width: 32, height: 64, fps: probe.fps, rotation: 90 });
    const back = await probeMedia(out);
    expect(back).toMatchObject({ rotation: 90, codedWidth: 64, codedHeight: 32, width: 32, height: 64, frameCount: 6 });
    const again = await decodeAll(back, 32, 64);
    again.forEach((f, i) => expect(meanDiff(f, upright[i]!)).toBeLessThan(4));
  });

  it.each([
    ['PCM into MP4 becomes AAC', 'h264', 'pcm.mp4', 'pcm_s16le', 'aac'],
    ['FLAC into a ProRes MOV becomes 24-bit PCM', 'prores', 'flac.mov', 'flac', 'pcm_s24le'],
  ] as const)('re-encodes audio the container cannot hold: %s', async (_name, format, out, sourceCodec, expected) => {
    const audio = path.join(tmp, `${sourceCodec}.mkv`);
    runFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=48000:duration=0.4', '-c:a', sourceCodec, audio]);
    const target = path.join(tmp, out);
    await encodeAll(target, source.frames, { format, width: 64, height: 48, fps: source.probe.fps, audioFrom: audio });
    expect((await probeMedia(target)).audio.map((a) => a.codec)).toEqual([expected]);
  });

  it('keeps odd sizes exactly (4:4:4 instead of cropping to even)', async () => {
    const frame = new Uint8Array(65 * 33 * 3).fill(120);
    const out = path.join(tmp, 'odd.mp4');
    await encodeAll(out, [frame, frame, frame], { format: 'h264', width: 65, height: 33, fps: { num: 24, den: 1 } });
    expect(await probeMedia(out)).toMatchObject({ width: 65, height: 33, frameCount: 3, fps: { num: 24, den: 1 } });
  });

  it('writes grey frames losslessly to FFV1 and PNG', async () => {
    const grey = await decodeAll(source.probe, 64, 48, 'gray');
    for (const [format, name] of [['ffv1', 'grey.mkv'], ['png', 'grey-frames']] as const) {
      const out = path.join(tmp, name);
      await encodeAll(out, grey, { format, width: 64, height: 48, fps: source.probe.fps, inputPixelFormat: 'gray' });
      const back = await decodeAll(out, 64, 48, 'gray');
      back.forEach((f, i) => expect(Buffer.compare(f, grey[i]!)).toBe(0));
    }
  });
});

describe('createEncoder leaves nothing half-written', () => {
  const opts = (extra: Partial<EncoderOptions> = {}): EncoderOptions => ({ format: 'h264', width: 64, height: 48, fps: source.probe.fps, ...extra });

  it('abort() stops ffmpeg and removes the temporary file', async () => {
    const dir = path.join(tmp, 'abort');
    mkdirSync(dir);
    const encoder = createEncoder(path.join(dir, 'a.mp4'), opts({ audioFrom: source.probe.path }));
    for (const f of source.frames.slice(0, 5)) await encoder.write(f);
    // ffmpeg opens its (temporary) output once the first frames are through.
    for (let waited = 0; listing(dir).length === 0 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(listing(dir)).toEqual([`.a.${process.pid}.partial.mp4`]);
    await encoder.abort();
    expect(listing(dir)).toEqual([]);
    expect(childProcesses('ffmpeg')).toEqual([]);
    await expect(encoder.write(source.frames[0]!)).rejects.toThrow('cancelled');
  });

  it('an aborted signal rejects with its reason and removes the temporary file', async () => {
    const dir = path.join(tmp, 'signal');
    mkdirSync(dir);
    const controller = new AbortController();
    const encoder = createEncoder(path.join(dir, 's.mkv'), opts({ format: 'ffv1', signal: controller.signal }));
    await encoder.write(source.frames[0]!);
    controller.abort(new Error('stop now'));
    await expect(encoder.finish()).rejects.toThrow('stop now');
    expect(listing(dir)).toEqual([]);
  });

  it('a PNG sequence that is aborted leaves no folder', async () => {
    const dir = path.join(tmp, 'png-abort');
    mkdirSync(dir);
    const encoder = createEncoder(path.join(dir, 'frames'), opts({ format: 'png' }));
    for (const f of source.frames.slice(0, 3)) await encoder.write(f);
    await encoder.abort();
    expect(listing(dir)).toEqual([]);
  });

  it('says the disk is full (ENOSPC from /dev/full) and removes what it wrote', async () => {
    const dir = path.join(tmp, 'full');
    mkdirSync(dir);
    const target = path.join(dir, 'clean.mp4');
    // The encoder's temporary name (hidden, next to the target, with this process id) is /dev/full.
    symlinkSync('/dev/full', path.join(dir, `.clean.${process.pid}.partial.mp4`));
    const encoder = createEncoder(target, opts());
    const err = await rejection(
      (async () => {
        for (let i = 0; i < 40; i++) await encoder.write(source.frames[i % 12]!);
        await encoder.finish();
      })(),
    );
    expect(isUserError(err)).toBe(true);
    expect(err.message).toBe(`The disk is full while writing ${target}; free space and export again.`);
    expect(listing(dir)).toEqual([]);
  });

  // Incompressible frames: nothing can squeeze noise, so 256 KiB fill within a few frames.
  const noise = () => Uint8Array.from({ length: 64 * 48 * 3 }, () => (Math.random() * 256) | 0);

  it.for([
    ['an FFV1 file', 'ffv1', 'clean.mkv', 200],
    // ffmpeg exits 0 here: the last PNGs are just cut short.
    ['a PNG sequence', 'png', 'frames', 40],
  ] as const)('says the disk is full on a real, tiny filesystem (%s) and leaves it empty', async ([, format, name, count], ctx) => {
    const mountPoint = path.join(tmp, `tiny-${format}`);
    mkdirSync(mountPoint);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]);
    if (mounted.status !== 0) ctx.skip(`cannot mount a tmpfs here (${String(mounted.stderr).trim() || 'not root'}); the /dev/full test covers ENOSPC`);
    try {
      const target = path.join(mountPoint, name);
      const encoder = createEncoder(target, opts({ format }));
      const err = await rejection(
        (async () => {
          for (let i = 0; i < count; i++) await encoder.write(noise());
          await encoder.finish();
        })(),
      );
      expect(err.message).toBe(`The disk is full while writing ${target}; free space and export again.`);
      expect(listing(mountPoint)).toEqual([]);
    } finally {
      spawnSync('umount', [mountPoint]);
    }
  });

  it('refuses outputs it cannot write, before starting, with one clear line', () => {
    const missing = path.join(tmp, 'no-such-folder');
    expect(() => createEncoder(path.join(missing, 'x.mp4'), opts())).toThrow(`The folder ${missing} does not exist; choose an existing folder for x.mp4.`);
    expect(() => createEncoder('/sys/kernel/x.mp4', opts())).toThrow('Cannot write to /sys/kernel (permission denied); choose another folder or fix its permissions.');
    const aFile = path.join(tmp, 'a-file');
    writeFileSync(aFile, 'x');
    expect(() => createEncoder(path.join(aFile, 'x.mp4'), opts())).toThrow(`${aFile} is not a folder; choose an existing folder for x.mp4.`);
    expect(() => createEncoder(tmp, opts({ format: 'ffv1' }))).toThrow(`${tmp}: FFV1 is written as .mkv; change the file name's extension.`);
    const folder = path.join(tmp, 'is-a-folder.mp4');
    mkdirSync(folder);
    expect(() => createEncoder(folder, opts())).toThrow(`${folder} is a folder; choose a file name for the video.`);
    const busy = path.join(tmp, 'busy');
    mkdirSync(busy);
    writeFileSync(path.join(busy, 'keep.txt'), 'mine');
    expect(() => createEncoder(busy, opts({ format: 'png' }))).toThrow(`${busy} already has files in it; choose a new or empty folder for the PNG frames.`);
    expect(() => createEncoder(path.join(tmp, 'q.mp4'), opts({ crf: 70 }))).toThrow('CRF 70 is outside 0..51 for H.264');
  });
});
