// ProPainter's real network end to end on the CPU: the contract fixtures are the ten graphs (and
// nine fp16 variants) that the product's builder writes from seeded random weights of the real
// architecture (models/fixtures), run through runJob on the bmx-trees sample, and through the engine
// in fp32 and fp16. The weights are untrained, so the painted pixels are checked only for being
// painted, finite and the same in both precisions; equality with upstream is `npm run parity`'s job.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dilateCross } from '../../common/mask/morphology';
import { EngineSettingsSchema } from '../../common/project/schema';
import { createProPainterEngine } from '../../main/engine/engines/propainter';
import { ortSessionFactory, type SessionFactory } from '../../main/engine/engines/propainter/sessions';
import type { JobSpec } from '../../main/engine/job';
import { runJob } from '../../main/engine/runner';
import type { EngineOptions, FilledFrame, ProcFrame } from '../../main/engine/types';
import { decodeFrames, decodeMaskFrames } from '../../main/media';
import { fixtureModels } from '../../models/fixtures';
import { bmxFrames, bmxMasks } from '../helpers/media';

let root: string;
let models: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'cleanplate-pp-job-'));
  models = await fixtureModels();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Small windows and a few RAFT iterations keep the real network affordable on two CPU cores. */
const small = { neighborLength: 6, refStride: 5, subvideoLength: 20, raftIterations: 6, windowAveraging: 'mean' as const };
const engine = (over: object = {}) => EngineSettingsSchema.parse({ id: 'propainter', device: 'cpu', propainter: small, ...over });

describe('ProPainter (real architecture, seeded weights) through runJob on bmx-trees', () => {
  it('cleans the range in order, streaming, leaves every pixel outside the dilated hole and outside the range untouched', async () => {
    const out = path.join(root, 'bmx-out');
    const frames: number[] = [];
    const notices: string[] = [];
    const spec: JobSpec = {
      input: bmxFrames,
      masks: { kind: 'files', path: bmxMasks },
      mode: 'inpaint',
      range: { start: 30, end: 41 },
      engine: engine({ processingSize: { width: 224, height: 128 } }),
      modelsDir: models,
      output: { kind: 'frames', dir: out },
    };
    const result = await runJob(spec, { frame: (i) => frames.push(i), notice: (m) => notices.push(m) }, new AbortController().signal);

    expect(result).toMatchObject({ frames: 80, engine: 'propainter', device: 'cpu' });
    expect(notices).toEqual([]);
    // Frame events are the engine's frames (the range, in order); the 68 outside it are copied through.
    expect(frames).toEqual(Array.from({ length: 12 }, (_, i) => 30 + i));
    expect(readdirSync(out).filter((f) => f.endsWith('.png'))).toHaveLength(80);

    const source = decodeFrames(bmxFrames, { width: 432, height: 240 });
    const masks = decodeMaskFrames(bmxMasks, { width: 432, height: 240, frameCount: 80 });
    let inside = 0;
    let changed = 0;
    for await (const f of decodeFrames(out, { width: 432, height: 240 })) {
      const src = (await source.next()).value!.data;
      // The job dilates the masks by 4 px at the processing size (224x128), which is about 8 px at
      // 432x240, plus the upscaled hole's interpolation and composite's 2 px soft edge.
      const hole = dilateCross((await masks.next()).value!.data, 432, 240, 12);
      const inRange = f.index >= 30 && f.index <= 41;
      for (let p = 0; p < hole.length; p++) {
        const same = f.data[p * 3] === src[p * 3] && f.data[p * 3 + 1] === src[p * 3 + 1] && f.data[p * 3 + 2] === src[p * 3 + 2];
        if (inRange && hole[p]) {
          inside++;
          if (!same) changed++;
        } else if (!same) throw new Error(`frame ${f.index} pixel ${p % 432},${Math.floor(p / 432)} changed outside the ${inRange ? 'hole' : 'range'}`);
      }
    }
    expect(inside).toBeGreaterThan(0);
    expect(changed / inside).toBeGreaterThan(0.5); // the hole was painted (by untrained weights)
  }, 600_000);
});

describe('ProPainter fp16 graphs against fp32 (real architecture, CPU)', () => {
  const W = 232;
  const H = 128;
  const COUNT = 10;

  async function bmxClip(): Promise<ProcFrame[]> {
    const clip: ProcFrame[] = [];
    const masks = decodeMaskFrames(bmxMasks, { width: W, height: H, frameCount: 80 });
    for await (const f of decodeFrames(bmxFrames, { width: W, height: H })) {
      if (f.index >= COUNT) break;
      clip.push({ index: f.index, rgb: f.data, mask: dilateCross((await masks.next()).value!.data, W, H, 4) });
    }
    return clip;
  }

  async function run(opts: EngineOptions, createSession: SessionFactory | undefined, clip: ProcFrame[]): Promise<{ out: FilledFrame[]; opened: string[]; device: string }> {
    const opened: string[] = [];
    const env = { platform: 'linux' as const, backends: [{ name: 'cpu', bundled: true }, { name: 'webgpu', bundled: true }], cudaInstalled: false };
    const e = await createProPainterEngine(opts, {
      environment: env,
      createSession: async (file, provider) => {
        opened.push(path.basename(file));
        return (createSession ?? ortSessionFactory)(file, provider);
      },
    });
    const out: FilledFrame[] = [];
    const ctx = { width: W, height: H, frameCount: clip.length, signal: new AbortController().signal, progress: () => {}, notice: () => {} };
    async function* frames() {
      yield* clip;
    }
    try {
      for await (const f of e.run(frames(), ctx)) out.push(f);
    } finally {
      await e.dispose();
    }
    return { out, opened, device: e.device };
  }

  it('the fp16 files load and run on the CPU, and paint the hole within a few grey levels of fp32', async () => {
    const clip = await bmxClip();
    const base: EngineOptions = { device: 'cpu', fp16: false, modelsDir: models, classic: { propagationRadius: 40, temporalSmoothing: 0.5 }, propainter: small };
    const fp32 = await run(base, undefined, clip);
    // onnxruntime's CPU provider runs fp16 graphs (casting where it lacks a float16 kernel), but the
    // engine keeps the CPU in fp32 as upstream does; a session factory that opens on the CPU what
    // the engine asks of a GPU provider makes it choose the fp16 files.
    const onCpu: SessionFactory = (file) => ortSessionFactory(file, 'cpu');
    const fp16 = await run({ ...base, device: 'webgpu', fp16: true }, onCpu, clip);
    expect(fp16.opened).toContain('pp_transformer.fp16.onnx');
    expect(fp16.opened).toContain('raft.onnx'); // RAFT stays fp32

    let squared = 0;
    let n = 0;
    for (let t = 0; t < COUNT; t++) {
      const mask = clip[t]!.mask;
      for (let p = 0; p < mask.length; p++) {
        if (!mask[p]) continue;
        for (let c = 0; c < 3; c++) {
          const d = fp32.out[t]!.rgb[p * 3 + c]! - fp16.out[t]!.rgb[p * 3 + c]!;
          squared += d * d;
          n++;
        }
      }
    }
    const psnr = 10 * Math.log10((255 * 255) / Math.max(squared / n, 1e-12));
    console.log(`ProPainter fp16 vs fp32 inside the hole, ${COUNT} frames at ${W}x${H}: PSNR ${psnr.toFixed(1)} dB`);
    expect(psnr).toBeGreaterThan(35);
  }, 600_000);
});
