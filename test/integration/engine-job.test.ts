// The job runner and the engine process on generated clips: frames outside the range pass through
// untouched, outpainting keeps the original area on a larger canvas, cancel stops within a second
// with nothing left behind (and a rerun works), and peak memory does not grow with the clip's length.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dilateCross } from '../../common/mask/morphology';
import { commands, createProject } from '../../common/project';
import { EngineSettingsSchema } from '../../common/project/schema';
import type { JobSpec } from '../../main/engine/job';
import type { EngineToHost, HostToEngine } from '../../main/engine/protocol';
import { runJob, staleSegments } from '../../main/engine/runner';
import { decodeFrames, probeMedia } from '../../main/media';
import { makeClip, makeSquareMasks, repoRoot, runFfmpeg } from '../helpers/media';

const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-engine-job-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function readAll(input: string, width: number, height: number, pixelFormat: 'rgb24' | 'gray' = 'rgb24'): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const f of decodeFrames(input, { width, height, pixelFormat, scale: 'neighbor' })) out.push(f.data);
  return out;
}

const engine = EngineSettingsSchema.parse({});

describe('job runner: keeping what an earlier run made', () => {
  it('computes only the frames whose inputs changed and copies the others from the earlier result, bit for bit', async () => {
    const W = 160;
    const H = 96;
    const N = 40;
    const square = { size: 20, x0: 20, y0: 30, dx: 2, dy: 0 };
    const clip = makeClip('job-reuse', { width: W, height: H, frames: N, square });
    const corners = (n: number) => [0, 1, 2, 3].map((i) => ({ x: square.x0 + square.dx * n - 2 + (i === 1 || i === 2 ? 24 : 0), y: square.y0 - 2 + (i >= 2 ? 24 : 0) }));
    let doc = createProject({ path: clip, width: W, height: H, fps: { num: 25, den: 1 }, frameCount: N }, '2026-01-01T00:00:00.000Z', 't');
    commands.addLayer(doc, { layer: { id: 'roto', name: 'Roto', kind: 'shape', shapes: [{ id: 's', kind: 'polygon', keys: [{ frame: 0, vertices: corners(0) }, { frame: N - 1, vertices: corners(N - 1) }] }] } });
    commands.addLayer(doc, { layer: { id: 'paint', name: 'Paint', kind: 'brush' } });
    const spec = (out: string, reuse: JobSpec['reuse'] = null): JobSpec => ({
      input: clip,
      masks: { kind: 'document', doc },
      mode: 'inpaint',
      range: { start: 0, end: N - 1 },
      engine,
      output: { kind: 'video', path: out, format: 'ffv1' },
      reuse,
    });
    const first = path.join(base, 'reuse-first.mkv');
    const computed1: number[] = [];
    const r1 = await runJob(spec(first), { frame: (i, reused) => void (!reused && computed1.push(i)) }, new AbortController().signal);
    expect(computed1).toHaveLength(N);
    expect(r1.fingerprints).toHaveLength(N);
    expect(r1.reused).toBe(0);

    // One stroke on frame 25 only: the one frame whose input changed.
    doc = structuredClone(doc);
    commands.addStroke(doc, { layerId: 'paint', stroke: { id: 'k', frame: 25, mode: 'paint', radius: 6, points: [120, 20, 140, 24] } });
    const second = path.join(base, 'reuse-second.mkv');
    const computed2: number[] = [];
    const reusedFrames: number[] = [];
    const fingerprints = Object.fromEntries(r1.fingerprints!.map((f, i) => [i, f]));
    const r2 = await runJob(spec(second, { video: first, fingerprints }), { frame: (i, reused) => void (reused ? reusedFrames : computed2).push(i) }, new AbortController().signal);
    expect(computed2).toEqual([25]);
    expect(r2.reused).toBe(N - 1);
    expect([...computed2, ...reusedFrames].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    const [a, b] = await Promise.all([readAll(first, W, H), readAll(second, W, H)]);
    for (let k = 0; k < N; k++) expect(Buffer.compare(a[k]!, b[k]!) === 0, `frame ${k}`).toBe(k !== 25);

    // An earlier result of another size cannot stand in: everything is computed.
    const small = path.join(base, 'reuse-small.mkv');
    runFfmpeg(['-f', 'lavfi', '-i', `testsrc2=size=80x48:rate=25`, '-frames:v', String(N), '-c:v', 'ffv1', small]);
    const computed3: number[] = [];
    await runJob(spec(path.join(base, 'reuse-third.mkv'), { video: small, fingerprints }), { frame: (i, reused) => void (!reused && computed3.push(i)) }, new AbortController().signal);
    expect(computed3).toHaveLength(N);
  });

  it('plans engine passes around runs of stale frames with context on both sides', () => {
    expect(staleSegments([], 8, 0, 99)).toEqual([]);
    expect(staleSegments([50], 8, 0, 99)).toEqual([[42, 58]]);
    expect(staleSegments([2, 3, 40, 41, 95], 8, 0, 99)).toEqual([[0, 11], [32, 49], [87, 99]]);
    // Close runs share one pass rather than computing their context twice.
    expect(staleSegments([10, 20], 8, 0, 99)).toEqual([[2, 28]]);
    expect(staleSegments([10, 40], 0, 5, 45)).toEqual([[10, 10], [40, 40]]);
  });
});

describe('job runner', () => {
  it('passes frames outside the range through unchanged and keeps the frame count', async () => {
    const W = 160;
    const H = 96;
    const square = { size: 20, x0: 20, y0: 30, dx: 3, dy: 1 };
    const clip = makeClip('job-range', { width: W, height: H, frames: 30, square });
    const masks = makeSquareMasks('job-range', { width: W, height: H, frames: 30, square });
    const dir = path.join(base, 'range');
    const seen: number[] = [];
    await runJob(
      { input: clip, masks: { kind: 'files', path: masks }, mode: 'inpaint', range: { start: 10, end: 19 }, engine, output: { kind: 'frames', dir } },
      { frame: (i) => seen.push(i) },
      new AbortController().signal,
    );
    expect(seen).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const [out, plain, m] = await Promise.all([readAll(dir, W, H), readAll(clip, W, H), readAll(masks, W, H, 'gray')]);
    expect(out).toHaveLength(30);
    for (let k = 0; k < 30; k++) {
      if (k < 10 || k > 19) {
        expect(Buffer.compare(out[k]!, plain[k]!), `frame ${k} outside the range changed`).toBe(0);
        continue;
      }
      const hole = dilateCross(m[k]!, W, H, 4);
      let changed = 0;
      for (let i = 0; i < W * H; i++) {
        const diff = Math.abs(out[k]![3 * i]! - plain[k]![3 * i]!) + Math.abs(out[k]![3 * i + 1]! - plain[k]![3 * i + 1]!);
        if (!hole[i] && diff !== 0) throw new Error(`frame ${k}: pixel ${i} outside the dilated mask changed`);
        if (m[k]![i] && diff > 60) changed++;
      }
      expect(changed, `frame ${k}: the red square should be gone`).toBeGreaterThan(0.8 * square.size * square.size);
    }
  });

  it('outpaints onto the larger canvas, keeping the original frame exactly in its centre', async () => {
    const W = 160;
    const H = 96;
    const clip = makeClip('job-outpaint', { width: W, height: H, frames: 24 });
    const dir = path.join(base, 'outpaint');
    await runJob(
      { input: clip, masks: { kind: 'none' }, mode: 'outpaint', outpaint: { scaleH: 1, scaleW: 1.25 }, engine, output: { kind: 'frames', dir } },
      {},
      new AbortController().signal,
    );
    const probe = await probeMedia(dir);
    expect([probe.width, probe.height, probe.frameCount]).toEqual([200, 96, 24]);
    const [out, plain] = await Promise.all([readAll(dir, 200, 96), readAll(clip, W, H)]);
    for (let k = 0; k < 24; k++) {
      for (let y = 0; y < H; y++) {
        const row = out[k]!.subarray((y * 200 + 20) * 3, (y * 200 + 20 + W) * 3);
        expect(Buffer.compare(row, plain[k]!.subarray(y * W * 3, (y + 1) * W * 3)), `frame ${k} row ${y} of the original area changed`).toBe(0);
      }
      // The new side strips are filled from the scene (the texture pans into view), not left black.
      let sum = 0;
      for (let y = 0; y < H; y++) for (let x = 0; x < 20; x++) sum += out[k]![(y * 200 + x) * 3]! + out[k]![(y * 200 + 199 - x) * 3]!;
      expect(sum / (2 * 20 * H)).toBeGreaterThan(40);
    }
  });
});

/** The engine process from source (what dist/engine/engine.cjs is built from), as the hosts fork it. */
function startEngine(): { child: ChildProcess; next(type: EngineToHost['type'], jobId?: string): Promise<EngineToHost & { at: number }>; send(m: HostToEngine): void } {
  const child = fork(path.join(repoRoot, 'main/engine/process.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd: repoRoot });
  const messages: Array<EngineToHost & { at: number }> = [];
  const waiters: Array<() => void> = [];
  child.on('message', (m) => {
    messages.push({ ...(m as EngineToHost), at: performance.now() });
    for (const w of waiters.splice(0)) w();
  });
  return {
    child,
    send: (m) => child.send(m),
    async next(type, jobId) {
      for (;;) {
        const i = messages.findIndex((m) => m.type === type && (jobId === undefined || ('jobId' in m && m.jobId === jobId)));
        if (i >= 0) return messages.splice(0, i + 1).pop()!;
        const failed = messages.find((m) => m.type === 'error');
        if (failed && type !== 'error') throw new Error(`engine error: ${JSON.stringify(failed)}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

/** ffmpeg processes whose parent is `pid`. */
function ffmpegChildrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const m = /^\d+ \((.*)\) (\S) (\d+)/.exec(readFileSync(`/proc/${e}/stat`, 'utf8'));
        return m !== null && m[1] === 'ffmpeg' && m[2] !== 'Z' && Number(m[3]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('engine process', () => {
  const W = 192;
  const H = 112;
  const square = { size: 24, x0: 10, y0: 40, dx: 2, dy: 0 };
  const spec = (frames: number, output: string): JobSpec => ({
    input: makeClip('job-process', { width: W, height: H, frames, square }),
    masks: { kind: 'files', path: makeSquareMasks('job-process', { width: W, height: H, frames, square }) },
    mode: 'inpaint',
    engine,
    output: { kind: 'video', path: output, format: 'h264' },
  });

  it('stops within a second on cancel with no output or ffmpeg left, then runs the next job', async () => {
    const dir = mkdtempSync(path.join(base, 'cancel-'));
    const output = path.join(dir, 'out.mp4');
    const engineProcess = startEngine();
    try {
      await engineProcess.next('ready');
      engineProcess.send({ type: 'run', jobId: 'a', spec: spec(80, output) });
      await engineProcess.next('frame', 'a');
      expect(ffmpegChildrenOf(engineProcess.child.pid!).length).toBeGreaterThan(0);
      const asked = performance.now();
      engineProcess.send({ type: 'cancel', jobId: 'a' });
      const cancelled = await engineProcess.next('cancelled', 'a');
      const ms = cancelled.at - asked;
      console.log(`cancel answered after ${ms.toFixed(0)} ms`);
      expect(ms).toBeLessThan(1000);
      expect(ffmpegChildrenOf(engineProcess.child.pid!)).toEqual([]);
      expect(readdirSync(dir)).toEqual([]);

      engineProcess.send({ type: 'run', jobId: 'b', spec: spec(80, output) });
      const done = await engineProcess.next('done', 'b');
      expect(done.type === 'done' && done.result.frames).toBe(80);
      expect((await probeMedia(output)).frameCount).toBe(80);
    } finally {
      engineProcess.send({ type: 'shutdown' });
      await new Promise((resolve) => engineProcess.child.once('exit', resolve));
    }
  });

  it('keeps peak memory flat in video length (360 vs 72 frames, each in a fresh process)', async () => {
    const peak = async (frames: number) => {
      const engineProcess = startEngine();
      try {
        await engineProcess.next('ready');
        engineProcess.send({ type: 'run', jobId: 'm', spec: spec(frames, path.join(base, `memory-${frames}.mp4`)) });
        const done = await engineProcess.next('done', 'm');
        return done.type === 'done' ? done.result.peakRssMb : NaN;
      } finally {
        engineProcess.send({ type: 'shutdown' });
        await new Promise((resolve) => engineProcess.child.once('exit', resolve));
      }
    };
    const short = await peak(72);
    const long = await peak(360);
    console.log(`peak RSS: 72 frames ${short} MB, 360 frames ${long} MB (x${(long / short).toFixed(2)})`);
    // Holding the clip would add ~0.43 MB per frame at this size (frame, mask, two flows): ~120 MB more,
    // over 1.4x of the short run's peak. The rebuilt engine measured 1.17 and 1.21 on a busy machine
    // (allocator noise), so the bound is the bench's aim, 1.3x.
    expect(long / short).toBeLessThan(1.3);
  });
});
