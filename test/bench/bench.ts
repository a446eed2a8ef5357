/**
 * `npm run bench`: the figures of DESIGN.md "Budgets" for the classic engine, measured the way the
 * app runs jobs: each job in a fresh engine process (dist/engine/engine.cjs, forked as the web host
 * does), with this process acting as the host.
 *
 * - frames/s of whole jobs (decode, engine, full-resolution composite, H.264 encode) at 432x240
 *   (bmx-trees with its masks) and 854x480 (a generated clip with a moving square);
 * - time to the first final frame, from starting the engine process (aim <= 3 s at 432x240);
 * - peak RSS of the engine process for 240 and 1200 frames at 854x480 (aim: within 1.3x);
 * - this (host) process's event-loop delay p99 while a job runs (aim <= 50 ms);
 * then benchMedia() (decode/encode ceilings, export), benchProPainter() (the real architecture on seeded weights, CPU) and
 * benchOperators() (DeformConv and Col2Im against their GPU-portable rewrites), benchFp16Graphs()
 * (fp16 variants of the real graphs against fp32).
 * Prints a table and writes bench-results/bench.json. `npm run bench -- classic` runs one section.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { EngineSettingsSchema } from '../../common/project/schema';
import type { JobResult, JobSpec } from '../../main/engine/job';
import type { EngineToHost, HostToEngine } from '../../main/engine/protocol';
import { bmxFrames, bmxMasks, makeClip, makeSquareMasks, repoRoot } from '../helpers/media';
import { benchMedia } from './media';
import { benchFp16Graphs } from './fp16-graphs';
import { benchOperators } from './operators';
import { benchProPainter } from './propainter';

const engineModule = path.join(repoRoot, 'dist/engine/engine.cjs');

interface EngineRun {
  result: JobResult;
  /** From forking the engine process to the first final frame. */
  firstFrameSeconds: number;
  /** This process's event-loop delay while the job ran. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** Runs one job in a fresh engine process, as the web host does. */
function runInEngineProcess(spec: JobSpec): Promise<EngineRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const child = fork(engineModule, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    let firstFrame = Number.NaN;
    const send = (m: HostToEngine) => child.send(m);
    child.on('message', (raw) => {
      const m = raw as EngineToHost;
      if (m.type === 'ready') send({ type: 'run', jobId: 'bench', spec });
      else if (m.type === 'frame' && Number.isNaN(firstFrame)) firstFrame = (performance.now() - t0) / 1000;
      else if (m.type === 'done') {
        loop.disable();
        send({ type: 'shutdown' });
        resolve({ result: m.result, firstFrameSeconds: firstFrame, loopDelayP99Ms: loop.percentile(99) / 1e6, loopDelayMaxMs: loop.max / 1e6 });
      } else if (m.type === 'error') {
        send({ type: 'shutdown' });
        reject(new Error(`engine: ${m.error.message}`));
      }
    });
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the engine process exited with ${code}`));
    });
  });
}

const engine = EngineSettingsSchema.parse({});
const square = { size: 60, x0: 40, y0: 200, dx: 3, dy: 0 };

function clip480(frames: number): { input: string; masks: string } {
  const opts = { width: 854, height: 480, frames, square };
  return { input: makeClip('bench-480', { ...opts, background: 'testsrc' }), masks: makeSquareMasks('bench-480', opts) };
}

async function benchClassic(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const job = (name: string, input: string, masks: string): JobSpec => ({
    input,
    masks: { kind: 'files', path: masks },
    mode: 'inpaint',
    engine,
    output: { kind: 'video', path: path.join(dir, `${name}.mp4`), format: 'h264' },
    previews: { dir: path.join(dir, `${name}-previews`), maxWidth: 960, maxHeight: 540 },
  });

  console.log('classic: bmx-trees 432x240, 80 frames ...');
  const small = await runInEngineProcess(job('bmx', bmxFrames, bmxMasks));
  out['classic.432x240.fps'] = small.result.frames / small.result.seconds;
  out['classic.432x240.firstFrameSeconds'] = small.firstFrameSeconds;
  out['classic.432x240.peakRssMb'] = small.result.peakRssMb;

  console.log('classic: generated 854x480, 240 frames ...');
  const short = clip480(240);
  const mid = await runInEngineProcess(job('480-240', short.input, short.masks));
  out['classic.854x480.fps'] = mid.result.frames / mid.result.seconds;
  out['classic.854x480.firstFrameSeconds'] = mid.firstFrameSeconds;
  out['classic.854x480.240frames.peakRssMb'] = mid.result.peakRssMb;
  out['host.eventLoopDelay.p99Ms'] = mid.loopDelayP99Ms;
  out['host.eventLoopDelay.maxMs'] = mid.loopDelayMaxMs;

  console.log('classic: generated 854x480, 1200 frames ...');
  const long = clip480(1200);
  const big = await runInEngineProcess(job('480-1200', long.input, long.masks));
  out['classic.854x480.1200frames.peakRssMb'] = big.result.peakRssMb;
  out['classic.854x480.1200frames.fps'] = big.result.frames / big.result.seconds;
  out['classic.854x480.rssRatio1200vs240'] = big.result.peakRssMb / mid.result.peakRssMb;
  return out;
}

const AIMS: Record<string, string> = {
  'classic.432x240.fps': '>= 8',
  'classic.432x240.firstFrameSeconds': '<= 3',
  'classic.854x480.rssRatio1200vs240': '<= 1.3',
  'host.eventLoopDelay.p99Ms': '<= 50',
};

async function main(): Promise<void> {
  if (!existsSync(engineModule)) throw new Error(`${engineModule} is missing; run "npm run build" first`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-bench-'));
  const results: Record<string, number> = {};
  const failures: string[] = [];
  const sections: Array<[string, () => Promise<Record<string, number>>]> = [
    ['classic', () => benchClassic(dir)],
    ['media', benchMedia],
    ['propainter', benchProPainter],
    ['operators', benchOperators],
    ['fp16', benchFp16Graphs],
  ];
  const only = process.argv.slice(2);
  try {
    for (const [name, run] of sections) {
      if (only.length && !only.includes(name)) continue;
      try {
        Object.assign(results, await run());
      } catch (err) {
        failures.push(`${name}: ${(err as Error).message}`);
        console.error(`bench ${name} failed:`, err);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`\n${'measure'.padEnd(52)} ${'value'.padStart(10)}  aim`);
  for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(52)} ${(Number.isInteger(v) ? String(v) : v.toFixed(2)).padStart(10)}  ${AIMS[k] ?? ''}`);
  const outDir = path.join(repoRoot, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    path.join(outDir, 'bench.json'),
    `${JSON.stringify({ machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', memoryGb: Math.round(os.totalmem() / 2 ** 30) }, date: new Date().toISOString(), results, aims: AIMS, failures }, null, 2)}\n`,
  );
  console.log('\nwrote bench-results/bench.json');
  if (failures.length) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
