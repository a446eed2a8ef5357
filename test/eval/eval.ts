/**
 * `npm run eval`: video-completion quality on ../shared/data/bmx-trees, measured as ProPainter's
 * evaluation does (PROPAINTER.md §4): 432x240 frames, masks dilated by a 4-connected cross x4, the same
 * mask for flow, propagation and compositing, full-frame PSNR and SSIM (metrics.ts) averaged over
 * frames. The masks are synthetic and deterministic (three shapes moving across the frame), so the
 * ground truth is the original frame.
 *
 * Compares the classic engine (and variants that show what each stage brings) with a plain per-frame
 * spatial fill (OpenCV Telea), the floor the classic engine must clearly beat. Prints a table, writes
 * bench-results/eval.json and side-by-side PNGs (masked input | floor | classic | ground truth).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadOpenCv } from '../../main/engine/cv';
import { createClassicEngine, type ClassicTuning } from '../../main/engine/engines/classic';
import { SpatialFiller } from '../../main/engine/engines/classic/fill';
import type { EngineContext, ProcFrame } from '../../main/engine/types';
import { decodeFrames } from '../../main/media';
import { bmxFrames, repoRoot, runFfmpeg } from '../helpers/media';
import { EVAL_DILATION as DILATION, EVAL_HEIGHT as H, EVAL_WIDTH as W, syntheticMask } from './masks';
import { psnr, ssim } from './metrics';

interface Variant {
  name: string;
  what: string;
  run(truth: Uint8Array[], holes: Uint8Array[]): Promise<Uint8Array[]>;
}

/** The input a completion method gets: the ground truth with the hole blanked. */
function blanked(rgb: Uint8Array, hole: Uint8Array): Uint8Array {
  const out = rgb.slice();
  for (let i = 0; i < hole.length; i++) if (hole[i]) out.fill(0, 3 * i, 3 * i + 3);
  return out;
}

function classicVariant(name: string, what: string, tuning: ClassicTuning = {}, temporalSmoothing = 0.5): Variant {
  return {
    name,
    what,
    async run(truth, holes) {
      const engine = await createClassicEngine({ classic: { propagationRadius: 40, temporalSmoothing } }, tuning);
      async function* frames(): AsyncGenerator<ProcFrame> {
        for (let k = 0; k < truth.length; k++) yield { index: k, rgb: blanked(truth[k]!, holes[k]!), mask: holes[k]! };
      }
      const ctx: EngineContext = { width: W, height: H, frameCount: truth.length, signal: new AbortController().signal, progress() {}, notice() {} };
      const out: Uint8Array[] = [];
      for await (const f of engine.run(frames(), ctx)) out[f.index] = f.rgb;
      await engine.dispose();
      return out;
    },
  };
}

const floor: Variant = {
  name: 'spatial fill (floor)',
  what: 'OpenCV Telea inpainting of each frame on its own',
  async run(truth, holes) {
    const filler = new SpatialFiller(await loadOpenCv(), W, H);
    const out = truth.map((f, k) => {
      const rgb = blanked(f, holes[k]!);
      filler.fill(rgb, holes[k]!.slice());
      return rgb;
    });
    filler.dispose();
    return out;
  },
};

const variants: Variant[] = [
  floor,
  classicVariant('classic', 'default settings: half-size flow, propagation, carry + Telea, smoothing 0.5'),
  classicVariant('classic, full-size flow', 'Farneback at processing size instead of half size', { flow: { downscale: 1 } }),
  classicVariant('classic, no prefill', 'flow estimated with the object area left as it is', { flow: { prefill: false } }),
  classicVariant('classic, no carry', 'Telea alone for what propagation cannot reach', { carry: 0 }),
  classicVariant('classic, no smoothing', 'temporal smoothing off', {}, 0),
];

async function main(): Promise<void> {
  const outDir = path.join(repoRoot, 'bench-results');
  const pngDir = path.join(outDir, 'eval');
  rmSync(pngDir, { recursive: true, force: true });
  mkdirSync(pngDir, { recursive: true });

  const truth: Uint8Array[] = [];
  for await (const f of decodeFrames(bmxFrames, { width: W, height: H })) truth.push(f.data);
  const holes = truth.map((_, k) => syntheticMask(k, truth.length));
  const holeShare = holes.reduce((s, h) => s + h.reduce((a, v) => a + v, 0), 0) / (holes.length * W * H);
  console.log(`bmx-trees: ${truth.length} frames ${W}x${H}, synthetic moving masks dilated by ${DILATION} covering ${(100 * holeShare).toFixed(1)}% of the pixels`);

  const rows: Array<{ name: string; what: string; psnr: number; ssim: number; seconds: number; fps: number }> = [];
  const outputs = new Map<string, Uint8Array[]>();
  for (const v of variants) {
    const t0 = performance.now();
    const out = await v.run(truth, holes);
    const seconds = (performance.now() - t0) / 1000;
    let p = 0;
    let s = 0;
    for (let k = 0; k < truth.length; k++) {
      p += psnr(out[k]!, truth[k]!);
      s += ssim(out[k]!, truth[k]!, W, H);
    }
    rows.push({ name: v.name, what: v.what, psnr: p / truth.length, ssim: s / truth.length, seconds, fps: truth.length / seconds });
    outputs.set(v.name, out);
    console.log(`  ${v.name}: done in ${seconds.toFixed(1)} s`);
  }

  const floorRow = rows[0]!;
  console.log('\nvariant                          PSNR dB   SSIM     vs floor   frames/s');
  for (const r of rows)
    console.log(`${r.name.padEnd(32)} ${r.psnr.toFixed(2).padStart(7)}   ${r.ssim.toFixed(4)}   ${(r.psnr - floorRow.psnr >= 0 ? '+' : '') + (r.psnr - floorRow.psnr).toFixed(2).padStart(5)} dB  ${r.fps.toFixed(1).padStart(6)}`);

  const classic = outputs.get('classic')!;
  const pictures: string[] = [];
  for (const k of [10, 40, 70]) {
    const file = path.join(pngDir, `frame-${String(k).padStart(2, '0')}.png`);
    sideBySide([blanked(truth[k]!, holes[k]!), outputs.get(floor.name)![k]!, classic[k]!, truth[k]!], file);
    pictures.push(path.relative(repoRoot, file));
  }
  writeFileSync(
    path.join(outDir, 'eval.json'),
    `${JSON.stringify({ dataset: 'bmx-trees', frames: truth.length, width: W, height: H, maskDilation: DILATION, holeShare, metric: 'full-frame PSNR / SSIM(win 65), ProPainter core/metrics.py', results: rows, pictures }, null, 2)}\n`,
  );
  console.log(`\nwrote bench-results/eval.json and ${pictures.join(', ')} (masked input | floor | classic | ground truth)`);
}

function sideBySide(frames: Uint8Array[], file: string): void {
  const raw = `${file}.rgb`;
  const row = new Uint8Array(frames.length * W * H * 3);
  for (let y = 0; y < H; y++) for (let i = 0; i < frames.length; i++) row.set(frames[i]!.subarray(y * W * 3, (y + 1) * W * 3), (y * frames.length + i) * W * 3);
  writeFileSync(raw, row);
  runFfmpeg(['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W * frames.length}x${H}`, '-i', raw, file]);
  rmSync(raw);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
