// How a job reports: JSON Lines for programs, a bar on a terminal, sparse lines in logs.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createJobReporter, formatSeconds, reportModeFor, summaryLine, writeError } from '../../main/cli/reporter';
import type { JobResult, JobStartInfo } from '../../main/engine/job';

function sink(isTTY = false) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  let text = '';
  stream.on('data', (d) => (text += d.toString()));
  stream.isTTY = isTTY;
  stream.columns = 120;
  return { stream, text: () => text };
}

const info: JobStartInfo = { engine: 'classic', device: 'cpu (wasm)', frameCount: 3, width: 320, height: 240, processingWidth: 320, processingHeight: 240 };
const result: JobResult = { frames: 3, seconds: 1.23456, peakRssMb: 210.6, engine: 'classic', device: 'cpu (wasm)', output: '/tmp/out.mp4' };

describe('report mode', () => {
  it('is json with --json, a bar on a terminal, lines otherwise', () => {
    expect(reportModeFor(true, { isTTY: true } as never)).toBe('json');
    expect(reportModeFor(false, { isTTY: true } as never)).toBe('bar');
    expect(reportModeFor(false, { isTTY: false } as never)).toBe('lines');
  });
});

describe('JSON Lines', () => {
  it('writes one parseable event per line, done last, nothing on stderr', () => {
    const out = sink();
    const err = sink();
    const r = createJobReporter('json', { out: out.stream, err: err.stream });
    r.started(info);
    r.progress('flow', 1, 3);
    r.notice('webgpu is not available; using cpu');
    for (let i = 0; i < 3; i++) r.frame(i);
    r.progress('flow', 3, 3);
    r.done(result);
    const events = out.text().trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => e.event)).toEqual(['start', 'progress', 'notice', 'frame', 'frame', 'frame', 'progress', 'done']);
    expect(events[0]).toEqual({ event: 'start', engine: 'classic', device: 'cpu (wasm)', frames: 3, width: 320, height: 240, processingWidth: 320, processingHeight: 240 });
    expect(events.filter((e) => e.event === 'frame').map((e) => e.index)).toEqual([0, 1, 2]);
    expect(events.at(-1)).toEqual({ event: 'done', frames: 3, seconds: 1.235, peakRssMb: 211, engine: 'classic', device: 'cpu (wasm)', output: '/tmp/out.mp4' });
    expect(err.text()).toBe('');
  });

  it('thins out a flood of progress from one stage but keeps each stage\'s last report', () => {
    const out = sink();
    const r = createJobReporter('json', { out: out.stream, err: sink().stream });
    for (let i = 1; i <= 1000; i++) r.progress('propagate', i, 1000);
    r.progress('composite', 1, 10);
    const events = out.text().trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(events.length).toBeLessThan(20);
    expect(events.filter((e) => e.stage === 'propagate').at(-1)).toEqual({ event: 'progress', stage: 'propagate', done: 1000, total: 1000 });
    expect(events.at(-1)).toEqual({ event: 'progress', stage: 'composite', done: 1, total: 10 });
  });

  it('reports an error as one event with its code', () => {
    const out = sink();
    writeError({ out: out.stream, err: sink().stream }, true, { code: 'bad-input', message: 'mask is 400x400\nbut the video is 432x240' });
    expect(JSON.parse(out.text())).toEqual({ event: 'error', code: 'bad-input', message: 'mask is 400x400 but the video is 432x240' });
  });
});

describe('for people', () => {
  it('prints plain lines at most every interval, the last frame always, and the summary on stdout', async () => {
    const out = sink();
    const err = sink();
    const r = createJobReporter('lines', { out: out.stream, err: err.stream }, { lineEveryMs: 60 });
    r.started({ ...info, frameCount: 200 });
    for (let i = 0; i < 200; i++) {
      r.progress('propagate', i + 1, 200);
      r.frame(i);
      if (i % 50 === 49) await new Promise((res) => setTimeout(res, 70));
    }
    r.notice('fell back to cpu');
    r.done({ ...result, frames: 200 });
    const lines = err.text().trimEnd().split('\n');
    expect(lines[0]).toBe('classic on cpu (wasm): 200 frames at 320x240, processing at 320x240');
    const progress = lines.filter((l) => l.startsWith('progress: '));
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.length).toBeLessThanOrEqual(8);
    expect(progress.at(-1)).toMatch(/^progress: 200\/200 frames \(100%\), [\d.]+ frames\/s, ETA 0s, propagate 200\/200$/);
    expect(lines.at(-1)).toBe('note: fell back to cpu');
    expect(out.text()).toBe('Done: 200 frames in 1.2 s (162.0 frames/s) with classic on cpu (wasm), peak memory 211 MB -> /tmp/out.mp4\n');
  });

  it('draws a bar with frames, rate and ETA on a terminal and clears it at the end', async () => {
    const out = sink();
    const err = sink(true);
    const r = createJobReporter('bar', { out: out.stream, err: err.stream });
    r.started(info);
    r.progress('flow', 2, 3);
    r.frame(0);
    await new Promise((res) => setTimeout(res, 300));
    r.frame(1);
    r.frame(2);
    r.done(result);
    const drawn = err.text();
    expect(drawn).toContain('classic on cpu (wasm): 3 frames at 320x240');
    expect(drawn).toMatch(/1\/3 frames \| [\d.]+ frames\/s \| ETA \S+ \| flow 2\/3/);
    expect(out.text()).toBe(`${summaryLine(result)}\n`);
  });

  it('formats durations compactly', () => {
    expect(formatSeconds(4.4)).toBe('4s');
    expect(formatSeconds(125)).toBe('2m05s');
    expect(formatSeconds(7322)).toBe('2h02m');
    expect(formatSeconds(Infinity)).toBe('?');
  });
});
