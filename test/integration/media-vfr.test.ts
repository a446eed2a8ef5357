// A variable frame rate source keeps its timing: every output frame at its source frame's time
// (within 1 ms) and the audio in sync (a white frame and a beep that start together in the source
// still do), written straight to a video by the job runner (the CLI's way) and through the lossless
// intermediate and the export (the app's way). PNG sequences, which have no timestamps, say so
// before the first frame and get timestamps.txt beside them.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineSettingsSchema } from '../../common/project/schema';
import type { ProbeResult } from '../../common/contract/types';
import { runJob, PNG_TIMING_NOTICE } from '../../main/engine/runner';
import { exportVideo } from '../../main/media/export';
import { frameTimesOf, onTicks } from '../../main/media/frame-times';
import { probeMedia } from '../../main/media/probe';
import { makeVfrSyncClip, VFR_FLASH_FRAME, VFR_FLASH_SECONDS } from '../helpers/media';
import { brightestFrame, firstLoudSample, videoFrameTimes } from '../helpers/timing';

const engine = EngineSettingsSchema.parse({});
let tmp: string;
let source: ProbeResult;
let sourceTimes: number[];
let masks: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cp-vfr-'));
  source = await probeMedia(makeVfrSyncClip('vfr-sync', { width: 128, height: 96 }));
  sourceTimes = videoFrameTimes(source.path);
  // A small hole in a corner: the engine has work to do, the flash stays the brightest frame.
  masks = path.join(tmp, 'mask.png');
  const { runFfmpeg } = await import('../helpers/media');
  runFfmpeg(['-f', 'lavfi', '-i', 'color=black:s=128x96', '-vf', 'drawbox=x=8:y=8:w=16:h=16:c=white:t=fill', '-frames:v', '1', masks]);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Largest distance in ms between the output's and the source's frame times; the counts must match. */
function maxPtsErrorMs(out: string): number {
  const times = videoFrameTimes(out);
  expect(times).toHaveLength(sourceTimes.length);
  return Math.max(...times.map((t, i) => Math.abs(t - sourceTimes[i]!))) * 1000;
}

/** How much later the beep starts than the flash shows, in ms (0 in the source). */
function beepAfterFlashMs(file: string): number {
  return (firstLoudSample(file) - brightestFrame(file).seconds) * 1000;
}

function expectSourceTiming(out: string): void {
  expect(maxPtsErrorMs(out)).toBeLessThanOrEqual(1);
  const flash = brightestFrame(out);
  expect(flash.index).toBe(VFR_FLASH_FRAME);
  expect(flash.seconds).toBeCloseTo(VFR_FLASH_SECONDS, 3);
  expect(Math.abs(beepAfterFlashMs(out) - beepAfterFlashMs(source.path))).toBeLessThanOrEqual(1);
}

describe('variable frame rate', () => {
  it('is a source whose frame 25 sits at 1.00 s, far from where its average rate would put it', () => {
    expect(source.vfr).toBe(true);
    expect(sourceTimes[VFR_FLASH_FRAME]).toBeCloseTo(VFR_FLASH_SECONDS, 6);
    expect((VFR_FLASH_FRAME * source.fps.den) / source.fps.num).toBeGreaterThan(1.5);
    expect(Math.abs(beepAfterFlashMs(source.path))).toBeLessThan(1);
  });

  it('keeps every frame time and the audio sync when the job writes the video itself (the CLI)', async () => {
    const out = path.join(tmp, 'direct.mp4');
    await runJob({ input: source.path, masks: { kind: 'files', path: masks }, mode: 'inpaint', engine, output: { kind: 'video', path: out, format: 'h264' } }, {}, new AbortController().signal);
    expectSourceTiming(out);
  });

  describe('through the lossless intermediate and the export (the app)', () => {
    let intermediate: string;
    beforeAll(async () => {
      intermediate = path.join(tmp, 'result.mkv');
      await runJob({ input: source.path, masks: { kind: 'files', path: masks }, mode: 'inpaint', engine, output: { kind: 'video', path: intermediate, format: 'ffv1' } }, {}, new AbortController().signal);
    });

    it.each([
      ['h264', 'clean.mp4'],
      ['prores', 'clean.mov'],
    ] as const)('%s keeps every frame time and the audio sync', async (format, name) => {
      const out = path.join(tmp, name);
      const frameTimes = await frameTimesOf(source);
      await exportVideo({ video: intermediate, audioFrom: source.path, out, format, color: source.color, fps: source.fps, frameTimes });
      expectSourceTiming(out);
    });

    it('writes the frame times beside an exported PNG sequence', async () => {
      const out = path.join(tmp, 'png-export');
      await exportVideo({ video: intermediate, audioFrom: source.path, out, format: 'png', fps: source.fps, frameTimes: await frameTimesOf(source) });
      expect(readdirSync(out).filter((n) => n.endsWith('.png'))).toHaveLength(sourceTimes.length);
      expectTimestampFile(path.join(out, 'timestamps.txt'));
    });
  });

  it('says before the first frame that PNGs have no timestamps, and writes them beside the PNGs', async () => {
    const out = path.join(tmp, 'frames');
    const events: string[] = [];
    await runJob(
      { input: source.path, masks: { kind: 'files', path: masks }, mode: 'inpaint', engine, output: { kind: 'frames', dir: out } },
      { notice: (m) => events.push(`notice: ${m}`), frame: (i) => events.push(`frame ${i}`) },
      new AbortController().signal,
    );
    expect(events[0]).toBe(`notice: ${PNG_TIMING_NOTICE}`);
    expect(events.filter((e) => e.startsWith('notice'))).toHaveLength(1);
    expectTimestampFile(path.join(out, 'timestamps.txt'));
  });
});

/** mkvmerge's v2 timestamp file: a header line, then each frame's time in ms, as in the source. */
function expectTimestampFile(file: string): void {
  const [header, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  expect(header).toBe('# timestamp format v2');
  expect(lines).toHaveLength(sourceTimes.length);
  lines.forEach((ms, i) => expect(Math.abs(Number(ms) - sourceTimes[i]! * 1000), `frame ${i}`).toBeLessThanOrEqual(1));
}

describe('onTicks', () => {
  it('puts times on the time base grid, strictly increasing and never before 0', () => {
    const tb = { num: 1, den: 1000 };
    expect(onTicks([-0.0004, 0.0101, 0.0101, 0.0102, 0.5], tb).map((t) => Math.round(t * 1000))).toEqual([0, 10, 11, 12, 500]);
    const ninety = onTicks([0.119989, 1.004], { num: 1, den: 90000 });
    expect(ninety.map((t) => Math.round(t * 90000))).toEqual([10799, 90360]);
  });
});
