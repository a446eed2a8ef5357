// The ProPainter engine end to end through runJob on the bmx-trees sample, with the contract
// fixtures as models (generated into a temp folder): frame count, streaming order, pixels outside
// the hole untouched, and peak memory flat in the clip length (each length in its own process).
// The fixtures' weights are arbitrary: what they paint into the hole is not checked.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dilateCross } from '../../common/mask/morphology';
import { EngineSettingsSchema } from '../../common/project/schema';
import type { JobResult, JobSpec } from '../../main/engine/job';
import { runJob } from '../../main/engine/runner';
import { decodeFrames, decodeMaskFrames } from '../../main/media';
import { generateFixtures } from '../../models/fixtures';
import { bmxFrames, bmxMasks, repoRoot } from '../helpers/media';

let root: string;
let models: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'cleanplate-pp-job-'));
  models = path.join(root, 'models');
  generateFixtures(models);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const engine = (over: object = {}) => EngineSettingsSchema.parse({ id: 'propainter', device: 'cpu', ...over });

describe('ProPainter through runJob on bmx-trees', () => {
  it('writes all 80 frames in order, streaming, with every pixel outside the dilated hole untouched', async () => {
    const out = path.join(root, 'bmx-out');
    const frames: number[] = [];
    const notices: string[] = [];
    let device = '';
    const spec: JobSpec = { input: bmxFrames, masks: { kind: 'files', path: bmxMasks }, mode: 'inpaint', engine: engine(), modelsDir: models, output: { kind: 'frames', dir: out } };
    const result = await runJob(spec, { started: (i) => (device = i.device), frame: (i) => frames.push(i), notice: (m) => notices.push(m) }, new AbortController().signal);

    expect(result.frames).toBe(80);
    expect(result.engine).toBe('propainter');
    expect(result.device).toBe('cpu');
    expect(device).toBe('cpu');
    expect(notices).toEqual([]);
    expect(frames).toEqual(Array.from({ length: 80 }, (_, i) => i));
    expect(readdirSync(out).filter((f) => f.endsWith('.png'))).toHaveLength(80);

    const source = decodeFrames(bmxFrames, { width: 432, height: 240 });
    const masks = decodeMaskFrames(bmxMasks, { width: 432, height: 240, frameCount: 80 });
    let inside = 0;
    let changed = 0;
    for await (const f of decodeFrames(out, { width: 432, height: 240 })) {
      const src = (await source.next()).value!.data;
      const hole = dilateCross((await masks.next()).value!.data, 432, 240, 4);
      for (let p = 0; p < hole.length; p++) {
        if (hole[p]) {
          inside++;
          if (f.data[p * 3] !== src[p * 3]) changed++;
          continue;
        }
        if (f.data[p * 3] !== src[p * 3] || f.data[p * 3 + 1] !== src[p * 3 + 1] || f.data[p * 3 + 2] !== src[p * 3 + 2])
          throw new Error(`frame ${f.index} pixel ${p % 432},${Math.floor(p / 432)} outside the hole changed`);
      }
    }
    expect(inside).toBeGreaterThan(0);
    expect(changed / inside).toBeGreaterThan(0.5); // the hole was painted (by arbitrary weights)
  });

  it('peak memory stays flat when the clip is twice as long', () => {
    // Ping-pong copies of the sample (0..79, 79..0, ...) make long clips with real motion.
    const makeClip = (count: number) => {
      const dir = path.join(root, `pingpong-${count}`);
      mkdirSync(path.join(dir, 'frames'), { recursive: true });
      mkdirSync(path.join(dir, 'masks'), { recursive: true });
      const names = (d: string) => readdirSync(d).sort();
      const f = names(bmxFrames);
      const m = names(bmxMasks);
      for (let i = 0; i < count; i++) {
        const k = Math.floor(i / 80) % 2 === 0 ? i % 80 : 79 - (i % 80);
        const name = String(i).padStart(5, '0');
        copyFileSync(path.join(bmxFrames, f[k]!), path.join(dir, 'frames', `${name}.jpg`));
        copyFileSync(path.join(bmxMasks, m[k]!), path.join(dir, 'masks', `${name}.png`));
      }
      return dir;
    };
    const peak = (count: number): JobResult => {
      const dir = makeClip(count);
      const spec: JobSpec = {
        input: path.join(dir, 'frames'),
        masks: { kind: 'files', path: path.join(dir, 'masks') },
        mode: 'inpaint',
        // Sub-videos of 20 (neighbours ±3, references every 5) reach the steady state of every
        // buffer within 100 frames; with the defaults it takes about 400.
        engine: engine({ processingSize: { width: 216, height: 120 }, propainter: { neighborLength: 6, refStride: 5, subvideoLength: 20 } }),
        modelsDir: models,
        output: { kind: 'video', path: path.join(dir, 'out.mkv'), format: 'ffv1' },
      };
      const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'propainter-memory-child.ts'), JSON.stringify(spec)], { cwd: repoRoot, encoding: 'utf8', timeout: 240_000 });
      if (r.status !== 0) throw new Error(`job of ${count} frames failed: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as JobResult;
    };
    const short = peak(100);
    const long = peak(200);
    expect(short.frames).toBe(100);
    expect(long.frames).toBe(200);
    // DESIGN.md's budget is 1.3x for 5x the frames; keeping every buffer instead of trimming would
    // add about 2 MB per frame at this size (+200 MB here).
    expect(long.peakRssMb).toBeLessThan(short.peakRssMb * 1.3);
  }, 480_000);
});
