// The CLI's flag values: what each accepts, and the one line each refusal prints.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../common/errors';
import { describeFailure } from '../../main/cli/failure';
import {
  outputSpecFor,
  parseCrf,
  parseDevice,
  parseEngine,
  parseMaskDilation,
  parseRange,
  parseScale,
  parseSize,
  parseWindowAveraging,
  resolveRange,
} from '../../main/cli/options';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isUserError(err)).toBe(true);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a refusal');
}

describe('engine and device', () => {
  it('accepts the known names in any case', () => {
    expect(parseEngine('classic')).toBe('classic');
    expect(parseEngine('ProPainter')).toBe('propainter');
    expect(parseDevice('CUDA')).toBe('cuda');
  });
  it('lists the valid names when refusing', () => {
    expect(refusal(() => parseEngine('lama'))).toBe("unknown engine 'lama'; valid engines: classic, propainter");
    expect(refusal(() => parseDevice('tpu'))).toContain('valid devices: auto, cpu, cuda, webgpu, dml, coreml');
  });
});

describe('--window-averaging', () => {
  it('accepts mean and halving in any case', () => {
    expect(parseWindowAveraging('mean')).toBe('mean');
    expect(parseWindowAveraging('Halving')).toBe('halving');
  });
  it('names both modes when refusing', () => {
    expect(refusal(() => parseWindowAveraging('median'))).toBe("--window-averaging median: give mean or halving (halving reproduces upstream ProPainter's output exactly)");
  });
});

describe('--size', () => {
  it('parses WxH', () => expect(parseSize('432x240')).toEqual({ width: 432, height: 240 }));
  it('refuses a half-written size with an example', () => expect(refusal(() => parseSize('12x'))).toBe('--size 12x: give width x height in pixels, e.g. --size 960x540'));
  it('refuses sizes outside 16..8192', () => expect(refusal(() => parseSize('8x8'))).toContain('between 16 and 8192'));
  it('suggests the nearest multiple of 8', () => expect(refusal(() => parseSize('430x241'))).toContain('e.g. --size 424x240'));
});

describe('--range', () => {
  it('parses inclusive and open ranges', () => {
    expect(parseRange('3:9')).toEqual({ start: 3, end: 9 });
    expect(parseRange('5:')).toEqual({ start: 5, end: null });
    expect(parseRange(':7')).toEqual({ start: 0, end: 7 });
    expect(parseRange('4:4')).toEqual({ start: 4, end: 4 });
  });
  it('refuses a reversed range', () => expect(refusal(() => parseRange('9:3'))).toBe('--range 9:3: the first frame (9) is after the last (3); give first:last with first <= last'));
  it('refuses text that is not a range', () => {
    expect(refusal(() => parseRange('a:b'))).toContain('give first:last frame indices');
    expect(refusal(() => parseRange(':'))).toContain('give first:last frame indices');
    expect(refusal(() => parseRange('-1:4'))).toContain('give first:last frame indices');
  });
  it('checks the range against the clip and fills an open end', () => {
    expect(resolveRange({ start: 5, end: null }, 20)).toEqual({ start: 5, end: 19 });
    expect(refusal(() => resolveRange({ start: 5, end: 20 }, 20))).toBe('--range 5:20: the clip has 20 frames (0 to 19); give a range within them');
    expect(refusal(() => resolveRange({ start: 25, end: null }, 20))).toContain('the clip has 20 frames');
  });
});

describe('--scale', () => {
  it('parses height x width factors', () => {
    expect(parseScale('1x1.333')).toEqual({ scaleH: 1, scaleW: 1.333 });
    expect(parseScale('1.5X2')).toEqual({ scaleH: 1.5, scaleW: 2 });
  });
  it('refuses zero, huge and no-op factors', () => {
    expect(refusal(() => parseScale('0x2'))).toBe('--scale 0x2: each factor must be between 1 and 4 (1 keeps that side), e.g. --scale 1x1.333');
    expect(refusal(() => parseScale('1x5'))).toContain('between 1 and 4');
    expect(refusal(() => parseScale('1x1'))).toContain('make at least one factor larger than 1');
    expect(refusal(() => parseScale('wide'))).toContain('give height x width factors');
  });
});

describe('numbers', () => {
  it('--mask-dilation takes 0..32', () => {
    expect(parseMaskDilation('0')).toBe(0);
    expect(parseMaskDilation('8')).toBe(8);
    expect(refusal(() => parseMaskDilation('-2'))).toContain('from 0 to 32');
    expect(refusal(() => parseMaskDilation('40'))).toContain('from 0 to 32');
  });
  it('--crf takes 0..51', () => {
    expect(parseCrf('18')).toBe(18);
    expect(refusal(() => parseCrf('60'))).toContain('from 0 (lossless) to 51');
  });
});

describe('--out', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-cli-options-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('chooses the encoding from the extension', () => {
    expect(outputSpecFor(path.join(tmp, 'a.mp4'))).toEqual({ kind: 'video', path: path.join(tmp, 'a.mp4'), format: 'h264' });
    expect(outputSpecFor(path.join(tmp, 'a.MOV'))).toMatchObject({ kind: 'video', format: 'prores' });
    expect(outputSpecFor(path.join(tmp, 'a.mkv'), { format: 'ffv1' })).toMatchObject({ format: 'ffv1' });
    expect(outputSpecFor(path.join(tmp, 'a.mp4'), { format: 'h265', crf: 22 })).toMatchObject({ format: 'h265', crf: 22 });
  });
  it('treats a path without extension, a trailing slash or an existing folder as a frames folder', () => {
    expect(outputSpecFor(path.join(tmp, 'frames'))).toEqual({ kind: 'frames', dir: path.join(tmp, 'frames') });
    expect(outputSpecFor(`${path.join(tmp, 'frames.v2')}/`)).toEqual({ kind: 'frames', dir: path.join(tmp, 'frames.v2') });
    expect(outputSpecFor(tmp)).toEqual({ kind: 'frames', dir: tmp });
  });
  it('refuses unknown extensions and encodings the container cannot hold', () => {
    expect(refusal(() => outputSpecFor('out.avi'))).toBe("--out out.avi: cannot write '.avi' files; use .mp4, .mkv or .mov, or a folder for PNG frames");
    expect(refusal(() => outputSpecFor('out.mp4', { format: 'prores' }))).toBe('--format prores cannot go into a .mp4 file; use h264 or h265 there, or another extension');
    expect(refusal(() => outputSpecFor('out.png'))).toContain('give a folder (e.g. --out out/)');
    expect(refusal(() => outputSpecFor('frames/', { format: 'h264' }))).toContain('needs a video file');
  });
});

describe('failures', () => {
  it('maps commander, user, system and unknown errors to one line and an exit status', () => {
    expect(describeFailure(Object.assign(new Error("error: unknown option '--frobnicate'"), { code: 'commander.unknownOption', exitCode: 1 }))).toEqual({
      info: { code: 'invalid-args', message: "unknown option '--frobnicate' (see cleanplate --help)" },
      exitCode: 2,
    });
    expect(describeFailure(Object.assign(new Error('nope'), { name: 'UserError', code: 'cancelled' })).exitCode).toBe(130);
    expect(describeFailure(Object.assign(new Error('ENOSPC: no space'), { code: 'ENOSPC', path: '/x/out.mp4' })).info.message).toBe(
      'the disk is full while writing /x/out.mp4; free some space and run again',
    );
    const internal = describeFailure(new TypeError('x is undefined\n    at foo (bar.ts:1:1)'));
    expect(internal.info).toEqual({ code: 'internal', message: 'internal error: x is undefined; rerun with CLEANPLATE_DEBUG=1 for details, and please report it' });
  });
});
