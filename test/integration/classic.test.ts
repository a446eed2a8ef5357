// The classic engine on real media: a generated clip whose moving square must disappear (checked
// against the same clip rendered without it), the bmx-trees sample with its object masks through the
// whole job runner, video completion on bmx-trees against the per-frame spatial fill, and a hole
// nothing ever uncovers (its invented fill stays put from frame to frame).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dilateCross } from '../../common/mask/morphology';
import { EngineSettingsSchema } from '../../common/project/schema';
import { loadOpenCv } from '../../main/engine/cv';
import { createClassicEngine, type ClassicTuning } from '../../main/engine/engines/classic';
import { SpatialFiller } from '../../main/engine/engines/classic/fill';
import { runJob } from '../../main/engine/runner';
import type { EngineContext, ProcFrame } from '../../main/engine/types';
import { decodeFrames } from '../../main/media';
import { syntheticMask } from '../eval/masks';
import { psnr } from '../eval/metrics';
import { bmxFrames, bmxMasks, makeClip, makeSquareMasks, repoRoot, runFfmpeg } from '../helpers/media';

const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-classic-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function readAll(input: string, width: number, height: number, pixelFormat: 'rgb24' | 'gray' = 'rgb24'): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const f of decodeFrames(input, { width, height, pixelFormat, scale: 'neighbor' })) out.push(f.data);
  return out;
}

/** PSNR over the pixels where `region` is non-zero, over all frames. */
function regionPsnr(a: Uint8Array[], b: Uint8Array[], regions: Uint8Array[]): number {
  let se = 0;
  let n = 0;
  for (let k = 0; k < a.length; k++)
    for (let i = 0; i < regions[k]!.length; i++) {
      if (!regions[k]![i]) continue;
      for (let c = 0; c < 3; c++) {
        const d = a[k]![3 * i + c]! - b[k]![3 * i + c]!;
        se += d * d;
        n++;
      }
    }
  return 10 * Math.log10((255 * 255 * n) / se);
}

async function runEngine(frames: ProcFrame[], width: number, height: number, tuning: ClassicTuning = {}, temporalSmoothing = 0.5): Promise<Uint8Array[]> {
  const engine = await createClassicEngine({ classic: { propagationRadius: 40, temporalSmoothing } }, tuning);
  async function* stream(): AsyncGenerator<ProcFrame> {
    yield* frames;
  }
  const ctx: EngineContext = { width, height, frameCount: frames.length, signal: new AbortController().signal, progress() {}, notice() {} };
  const out: Uint8Array[] = [];
  for await (const f of engine.run(stream(), ctx)) {
    expect(f.index).toBe(out.length); // in order, each once
    out.push(f.rgb);
  }
  await engine.dispose();
  return out;
}

describe('classic engine: a moving square over a panning texture', () => {
  // 208x116 is not a multiple of 8: processing happens at 208x112 and is composited back up.
  const W = 208;
  const H = 116;
  const square = { size: 24, x0: 30, y0: 40, dx: 3, dy: 1 };
  const frames = 40;

  it('removes the square: inside it the result matches the clip rendered without it', async () => {
    const clip = makeClip('classic-square', { width: W, height: H, frames, square });
    const clean = makeClip('classic-square', { width: W, height: H, frames, square: null });
    const masks = makeSquareMasks('classic-square', { width: W, height: H, frames, square });
    const output = path.join(base, 'square.mkv');
    const seen: number[] = [];
    const result = await runJob(
      { input: clip, masks: { kind: 'files', path: masks }, mode: 'inpaint', engine: EngineSettingsSchema.parse({}), output: { kind: 'video', path: output, format: 'ffv1' } },
      { frame: (i) => seen.push(i) },
      new AbortController().signal,
    );
    expect(result.frames).toBe(frames);
    expect(seen).toEqual([...Array(frames).keys()]);

    const [out, truth, input, squareMasks] = await Promise.all([readAll(output, W, H), readAll(clean, W, H), readAll(clip, W, H), readAll(masks, W, H, 'gray')]);
    const inside = regionPsnr(out, truth, squareMasks);
    const before = regionPsnr(input, truth, squareMasks);
    console.log(`square region vs the square-free clip: input ${before.toFixed(1)} dB, classic ${inside.toFixed(1)} dB`);
    // The background pans 2 px/frame while the square moves (3, 1) px/frame, so every hidden pixel is
    // visible a few frames away and propagation copies it; what remains is the H.264 noise of the two
    // clips, bilinear copies through the fitted camera motion, and the first and last frames, whose
    // hole was seen only on one side. Measured ~37.6 dB here; a red square left in place scores ~6.
    expect(before).toBeLessThan(10);
    expect(inside).toBeGreaterThan(33);
  });
});

describe('classic engine: bmx-trees', () => {
  const W = 432;
  const H = 240;

  it('removes the rider through the job runner, leaving every pixel outside the dilated mask untouched', async () => {
    const count = 30;
    const input = path.join(base, 'bmx-in');
    const masksDir = path.join(base, 'bmx-masks');
    mkdirSync(input);
    mkdirSync(masksDir);
    // The first 30 frames and masks (a folder input is read in name order).
    runFfmpeg(['-start_number', '0', '-i', path.join(bmxFrames, '%05d.jpg'), '-frames:v', String(count), '-q:v', '1', '-start_number', '0', path.join(input, '%05d.jpg')]);
    runFfmpeg(['-start_number', '0', '-i', path.join(bmxMasks, '%05d.png'), '-frames:v', String(count), '-start_number', '0', path.join(masksDir, '%05d.png')]);
    const outDir = path.join(base, 'bmx-out');
    const previews = path.join(base, 'bmx-previews');
    const result = await runJob(
      {
        input,
        masks: { kind: 'files', path: masksDir },
        mode: 'inpaint',
        engine: EngineSettingsSchema.parse({}),
        output: { kind: 'frames', dir: outDir },
        previews: { dir: previews, maxWidth: 216, maxHeight: 120 },
      },
      {},
      new AbortController().signal,
    );
    expect(result.frames).toBe(count);
    const [out, src, masks, preview] = await Promise.all([readAll(outDir, W, H), readAll(input, W, H), readAll(masksDir, W, H, 'gray'), readAll(previews, 216, 120)]);
    expect(out).toHaveLength(count);
    expect(preview).toHaveLength(count);

    let changedInside = 0;
    let inside = 0;
    for (let k = 0; k < count; k++) {
      const hole = dilateCross(masks[k]!, W, H, 4);
      for (let i = 0; i < W * H; i++) {
        const same = out[k]![3 * i] === src[k]![3 * i] && out[k]![3 * i + 1] === src[k]![3 * i + 1] && out[k]![3 * i + 2] === src[k]![3 * i + 2];
        if (!hole[i] && !same) throw new Error(`frame ${k} pixel ${i} outside the dilated mask changed`);
        if (masks[k]![i]) {
          inside++;
          if (Math.abs(out[k]![3 * i]! - src[k]![3 * i]!) + Math.abs(out[k]![3 * i + 1]! - src[k]![3 * i + 1]!) > 30) changedInside++;
        }
      }
    }
    // The rider (white shirt, dark trousers, red bike) is replaced by the graffiti wall and the grass.
    expect(changedInside / inside).toBeGreaterThan(0.5);
    // Kept for looking at: frames 0, 15 and 29 side by side (input | result).
    const sheet = path.join(repoRoot, '.cache/classic-bmx.png');
    runFfmpeg([
      '-start_number',
      '0',
      '-i',
      path.join(input, '%05d.jpg'),
      '-start_number',
      '0',
      '-i',
      path.join(outDir, '%05d.png'),
      '-filter_complex',
      "[0]select='eq(n\\,0)+eq(n\\,15)+eq(n\\,29)',tile=1x3[a];[1]select='eq(n\\,0)+eq(n\\,15)+eq(n\\,29)',tile=1x3[b];[a][b]hstack",
      '-frames:v',
      '1',
      sheet,
    ]);
  });

  it('completes moving holes far better than filling each frame on its own', async () => {
    const count = 30;
    const truth = (await readAll(bmxFrames, W, H)).slice(0, count);
    const holes = truth.map((_, k) => syntheticMask(k, 80)); // the eval's masks, on its first 30 frames
    const frames = truth.map((rgb, k) => {
      const blanked = rgb.slice();
      for (let i = 0; i < W * H; i++) if (holes[k]![i]) blanked.fill(0, 3 * i, 3 * i + 3);
      return { index: k, rgb: blanked, mask: holes[k]! };
    });
    const classic = await runEngine(frames, W, H);
    const filler = new SpatialFiller(await loadOpenCv(), W, H);
    const floor = frames.map((f) => {
      const rgb = f.rgb.slice();
      filler.fill(rgb, f.mask.slice());
      return rgb;
    });
    filler.dispose();
    const mean = (outs: Uint8Array[]) => outs.reduce((s, o, k) => s + psnr(o, truth[k]!), 0) / count;
    const gain = mean(classic) - mean(floor);
    // The blend's boundary from the static part of the ring only, as before: the holes cut the
    // rider, whose tone the fill must carry inside.
    const staticRing = mean(await runEngine(frames, W, H, { blendRing: 'static', blendOffset: 30 }));
    console.log(
      `bmx video completion, 30 frames: classic ${mean(classic).toFixed(2)} dB, per-frame Telea ${mean(floor).toFixed(2)} dB (+${gain.toFixed(2)} dB); blended from the static ring only ${staticRing.toFixed(2)} dB`,
    );
    // Measured +6.5 dB on these 30 frames (the chunked flow propagation it replaced: +2.2 dB).
    expect(gain).toBeGreaterThan(4);
    expect(mean(classic)).toBeGreaterThan(staticRing + 0.5); // measured +1.1 dB
  });
});

describe('classic engine: a hole no frame sees behind', () => {
  // A static textured scene that darkens a little every frame, with a hole that never moves: no
  // frame ever shows what is behind it, so every frame's hole is invented (patch fill). It must follow
  // the light and stay put, not be re-drawn every frame.
  const W = 96;
  const H = 64;
  const count = 30;
  const hole = new Uint8Array(W * H);
  for (let y = 20; y < 44; y++) for (let x = 34; x < 62; x++) hole[y * W + x] = 1;
  const frames: ProcFrame[] = Array.from({ length: count }, (_, k) => {
    const rgb = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const v = 170 + 40 * Math.sin(x / 4.3) * Math.cos(y / 3.7) - 1.5 * k; // stays within 86..210
        rgb.fill(Math.round(v), 3 * (y * W + x), 3 * (y * W + x) + 3);
      }
    return { index: k, rgb, mask: hole };
  });
  /** Mean absolute change inside the hole from frame k to k+1. */
  const steps = (out: Uint8Array[]) =>
    out.slice(1).map((o, k) => {
      let s = 0;
      let n = 0;
      for (let i = 0; i < W * H; i++) if (hole[i]) for (let c = 0; c < 3; c++, n++) s += Math.abs(o[3 * i + c]! - out[k]![3 * i + c]!);
      return s / n;
    });

  it('keeps the invented fill from frame to frame, changing it only as much as the light changes', async () => {
    // Without temporal smoothing, which would hide what the seeding does.
    const out = await runEngine(frames, W, H, {}, 0);
    const change = steps(out);
    const unseeded = steps(await runEngine(frames, W, H, { seedFromPrevious: false }, 0));
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    console.log(
      `hole change per frame: mean ${mean(change).toFixed(2)}, max ${Math.max(...change).toFixed(2)}; re-drawn every frame: mean ${mean(unseeded).toFixed(2)} (the scene darkens 1.5 per frame)`,
    );
    expect(mean(change)).toBeLessThan(3);
    // Measured 1.9 seeded (the 1.5 darkening and the patches' small drift), 3.8 re-drawn.
    expect(mean(unseeded)).toBeGreaterThan(1.5 * mean(change));
  });
});

describe('classic engine: a texture that moves on its own', () => {
  // The whole picture pans with the camera, but the right third also ripples in place (its pattern
  // drifts in phase, as water does): the dynamic mask blocks it as a static source in every frame, so
  // its hole needs the second, dynamic-tolerant pass, where the nearest frames, whose ripples are
  // closest to this one's, beat anything invented.
  const W = 128;
  const H = 72;
  const count = 20;
  const value = (x: number, y: number, k: number) => {
    const u = x + 2 * k;
    const phase = x < 84 ? 0 : 1.5 * k;
    return Math.round(128 + 60 * Math.sin(u / 4.7 + phase) * Math.cos(y / 3.9) + 30 * Math.sin((u + y) / 8.3));
  };
  const truth = Array.from({ length: count }, (_, k) => {
    const rgb = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rgb.set([value(x, y, k), 255 - value(x, y, k), 90], 3 * (y * W + x));
    return rgb;
  });
  const holes = truth.map((_, k) => {
    const m = new Uint8Array(W * H);
    for (let y = 24; y < 48; y++) for (let x = 92 + k; x < 106 + k; x++) m[y * W + x] = 1;
    return m;
  });
  const frames: ProcFrame[] = truth.map((rgb, k) => {
    const blanked = rgb.slice();
    for (let i = 0; i < W * H; i++) if (holes[k]![i]) blanked.fill(0, 3 * i, 3 * i + 3);
    return { index: k, rgb: blanked, mask: holes[k]! };
  });

  it('fills its hole from nearby frames where the spot was not in the hole', async () => {
    const run = async (tuning: ClassicTuning) => {
      let invented = 0;
      const out = await runEngine(frames, W, H, { ...tuning, onFrame: (stats) => (invented += stats.invented) });
      return { psnr: regionPsnr(out, truth, holes), invented };
    };
    const withLoose = await run({});
    const strictOnly = await run({ looseReach: 0, textureShare: 1 });
    console.log(
      `hole in a texture rippling in place: ${withLoose.psnr.toFixed(1)} dB (${withLoose.invented} pixels invented), without the second pass ${strictOnly.psnr.toFixed(1)} dB (${strictOnly.invented})`,
    );
    // Nearly everything the static pass could not take is taken from the nearest frames, and that
    // beats inventing it (measured +0.5 dB; the engine is deterministic).
    expect(withLoose.invented).toBeLessThan(0.3 * strictOnly.invented);
    expect(withLoose.psnr).toBeGreaterThan(strictOnly.psnr + 0.25);
  });
});

