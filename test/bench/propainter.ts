/**
 * ProPainter engine benchmark on the CPU with the real architecture (the fixtures: the product's
 * builder on seeded weights, so the graphs cost what the official ones cost; `npm run bench` calls
 * benchProPainter(); `npx tsx test/bench/propainter.ts` runs it alone). Per stage, seconds per frame
 * spent in the graphs and in TypeScript (image propagation, conversions, averaging) on the first
 * BENCH_PP_FRAMES (default 40) frames of bmx-trees at 432x240 with the default settings, the time to
 * the first final frame, and peak RSS of whole jobs (runJob in a child process each) for a clip and
 * one five times longer.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dilateCross } from '../../common/mask/morphology';
import { EngineSettingsSchema } from '../../common/project/schema';
import { createProPainterEngine } from '../../main/engine/engines/propainter';
import { ortSessionFactory, type SessionFactory } from '../../main/engine/engines/propainter/sessions';
import type { JobResult, JobSpec } from '../../main/engine/job';
import type { ProcFrame } from '../../main/engine/types';
import { decodeFrames, decodeMaskFrames } from '../../main/media';
import { fixtureModels } from '../../models/fixtures';

const repoRoot = path.resolve(__dirname, '../..');
const bmx = path.resolve(repoRoot, '../shared/data/bmx-trees');
const W = 432;
const H = 240;
/** Frames of the sample the stage timing runs on (the real network takes seconds per frame on a CPU). */
const TIMED_FRAMES = Number(process.env.BENCH_PP_FRAMES ?? 40);

const STAGE: Record<string, string> = {
  raft: 'flow',
  rfc_encoder: 'flowCompletion',
  rfc_prop_backward: 'flowCompletion',
  rfc_prop_forward: 'flowCompletion',
  rfc_decoder: 'flowCompletion',
  pp_encoder: 'inpaint',
  pp_prop_backward: 'inpaint',
  pp_prop_forward: 'inpaint',
  pp_transformer: 'inpaint',
  pp_decoder: 'inpaint',
};

async function* bmxFrames(): AsyncGenerator<ProcFrame> {
  const masks = decodeMaskFrames(path.join(bmx, 'masks'), { width: W, height: H, frameCount: 80 });
  try {
    for await (const f of decodeFrames(path.join(bmx, 'frames'), { width: W, height: H, range: { start: 0, end: TIMED_FRAMES - 1 } })) {
      const m = await masks.next();
      yield { index: f.index, rgb: f.data, mask: dilateCross(m.value!.data, W, H, 4) };
    }
  } finally {
    await masks.return(undefined);
  }
}

/** Graph time per stage and the rest (TypeScript) on the sample's first frames, in seconds per frame. */
async function stageTimes(models: string): Promise<Record<string, number>> {
  const graphSeconds: Record<string, number> = { flow: 0, flowCompletion: 0, inpaint: 0 };
  const timed: SessionFactory = async (file, provider) => {
    const session = await ortSessionFactory(file, provider);
    const stage = STAGE[path.basename(file).replace(/(\.fp16)?\.onnx$/, '')]!;
    return {
      ...session,
      run: async (feeds) => {
        const t = performance.now();
        try {
          return await session.run(feeds);
        } finally {
          graphSeconds[stage]! += (performance.now() - t) / 1000;
        }
      },
    };
  };
  const settings = EngineSettingsSchema.parse({ id: 'propainter', device: 'cpu' });
  const engine = await createProPainterEngine(
    { device: 'cpu', fp16: false, modelsDir: models, classic: settings.classic, propainter: settings.propainter },
    { createSession: timed },
  );
  const started = performance.now();
  let first = 0;
  let frames = 0;
  const ctx = { width: W, height: H, frameCount: TIMED_FRAMES, signal: new AbortController().signal, progress: () => {}, notice: () => {} };
  for await (const _ of engine.run(bmxFrames(), ctx)) if (frames++ === 0) first = (performance.now() - started) / 1000;
  const total = (performance.now() - started) / 1000;
  await engine.dispose();
  const graphs = graphSeconds.flow! + graphSeconds.flowCompletion! + graphSeconds.inpaint!;
  return {
    'propainter.cpu.real_arch.432x240.s_per_frame': total / frames,
    'propainter.cpu.real_arch.432x240.flow_graph_s_per_frame': graphSeconds.flow! / frames,
    'propainter.cpu.real_arch.432x240.flow_completion_graphs_s_per_frame': graphSeconds.flowCompletion! / frames,
    'propainter.cpu.real_arch.432x240.inpaint_graphs_s_per_frame': graphSeconds.inpaint! / frames,
    'propainter.cpu.real_arch.432x240.typescript_s_per_frame': (total - graphs) / frames,
    'propainter.cpu.real_arch.432x240.first_frame_s': first,
  };
}

/** Peak RSS of a whole job over a ping-pong extension of the sample, in a fresh process. */
function jobPeakRss(root: string, models: string, count: number, size: { width: number; height: number }): JobResult {
  const dir = path.join(root, `clip-${count}`);
  mkdirSync(path.join(dir, 'frames'), { recursive: true });
  mkdirSync(path.join(dir, 'masks'), { recursive: true });
  const frames = readdirSync(path.join(bmx, 'frames')).sort();
  const masks = readdirSync(path.join(bmx, 'masks')).sort();
  for (let i = 0; i < count; i++) {
    const k = Math.floor(i / 80) % 2 === 0 ? i % 80 : 79 - (i % 80);
    const name = String(i).padStart(5, '0');
    copyFileSync(path.join(bmx, 'frames', frames[k]!), path.join(dir, 'frames', `${name}.jpg`));
    copyFileSync(path.join(bmx, 'masks', masks[k]!), path.join(dir, 'masks', `${name}.png`));
  }
  const spec: JobSpec = {
    input: path.join(dir, 'frames'),
    masks: { kind: 'files', path: path.join(dir, 'masks') },
    mode: 'inpaint',
    engine: EngineSettingsSchema.parse({ id: 'propainter', device: 'cpu', processingSize: size }),
    modelsDir: models,
    output: { kind: 'video', path: path.join(dir, 'out.mkv'), format: 'ffv1' },
  };
  const child = path.join(repoRoot, 'test/integration/propainter-memory-child.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, JSON.stringify(spec)], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ProPainter bench job of ${count} frames failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as JobResult;
}

export async function benchProPainter(): Promise<Record<string, number>> {
  const root = mkdtempSync(path.join(tmpdir(), 'cleanplate-bench-pp-'));
  try {
    const models = await fixtureModels();
    const out = await stageTimes(models);
    // Memory for a clip and one five times longer, at the smallest processing size ProPainter takes
    // for this aspect (224x128) to keep the run within minutes.
    const size = { width: 224, height: 128 };
    const short = jobPeakRss(root, models, 40, size);
    const long = jobPeakRss(root, models, 200, size);
    out['propainter.job.224x128.40_frames.peak_rss_mb'] = short.peakRssMb;
    out['propainter.job.224x128.200_frames.peak_rss_mb'] = long.peakRssMb;
    out['propainter.job.224x128.rss_ratio_200_vs_40'] = long.peakRssMb / short.peakRssMb;
    out['propainter.job.224x128.200_frames.s_per_frame'] = long.seconds / long.frames;
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith(path.join('bench', 'propainter.ts'))) {
  benchProPainter().then(
    (r) => {
      for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(64)} ${v.toFixed(3)}`);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
