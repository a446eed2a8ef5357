/**
 * `npm run eval`: the classic engine on the evaluation set (clips.json), against the diffusion floor
 * (OpenCV Telea on each frame alone), at 432x240 with exact masks (no dilation).
 *
 * For every clip present and every mask kind (masks.ts): full-frame PSNR and SSIM against the
 * original frames as ProPainter's evaluation computes them (metrics.ts), and the hole's flicker next
 * to the original's. Object removal (the clip's own object, dilated by 4 as the app does by default)
 * has no ground truth: only flicker and pictures. Writes bench-results/eval.json and, per clip and
 * kind, three frames side by side (original with the hole outlined | floor | classic) to
 * bench-results/eval/.
 *
 *   npm run eval                                   every clip present
 *   npm run eval -- --split tune                   only the clips parameters are tuned on
 *   npm run eval -- --clips tennis,blackswan --kinds moving,static
 *   npm run eval -- --classic '{"quality":"best"}'  classic settings to evaluate (JSON)
 *   npm run eval -- --import <clone>...            copy missing clips from git clones, then run
 *   npm run eval -- --tuning '{"patches":false}'     engine internals to try (ClassicTuning, JSON)
 *   npm run eval -- --out <dir>                    write eval.json and the pictures there (default bench-results)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { dilateCross } from '../../common/mask/morphology';
import { ClassicSettingsSchema, type ClassicSettings } from '../../common/project/schema';
import { loadOpenCv } from '../../main/engine/cv';
import { createClassicEngine, type ClassicTuning } from '../../main/engine/engines/classic';
import { SpatialFiller } from '../../main/engine/engines/classic/fill';
import type { EngineContext, ProcFrame } from '../../main/engine/types';
import { repoRoot, runFfmpeg } from '../helpers/media';
import { clipProblem, EVAL_HEIGHT as H, EVAL_WIDTH as W, importClips, importHint, loadManifest, readClip, type ClipData, type EvalClip } from './clips';
import { meanArea, movingMask, objectTrack, pingPong, staticMask } from './masks';
import { holeFlicker, psnr, ssim } from './metrics';

const KINDS = ['moving', 'static', 'object', 'removal'] as const;
type Kind = (typeof KINDS)[number];
/** Object removal as the app runs it by default (EngineSettings.maskDilation). */
const REMOVAL_DILATION = 4;

interface Args {
  split: 'tune' | 'held-out' | 'all';
  clips: string[] | null;
  kinds: Kind[];
  classic: ClassicSettings;
  imports: string[];
  out: string;
  tuning: ClassicTuning;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { split: 'all', clips: null, kinds: [...KINDS], classic: ClassicSettingsSchema.parse({}), imports: [], out: 'bench-results', tuning: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`eval: ${a} needs a value`);
      return v;
    };
    if (a === '--split') {
      const v = value();
      if (v !== 'tune' && v !== 'held-out' && v !== 'all') throw new Error(`eval: --split is tune, held-out or all, not "${v}"`);
      args.split = v;
    } else if (a === '--clips') args.clips = value().split(',');
    else if (a === '--kinds') {
      const kinds = value().split(',');
      const bad = kinds.filter((k) => !(KINDS as readonly string[]).includes(k));
      if (bad.length) throw new Error(`eval: unknown mask kind ${bad.join(', ')}; kinds are ${KINDS.join(', ')}`);
      args.kinds = kinds as Kind[];
    } else if (a === '--classic') {
      const parsed = ClassicSettingsSchema.safeParse(parseJson(a, value(), '{"propagationRadius":20}'));
      if (!parsed.success) throw new Error(`eval: --classic: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ')}`);
      args.classic = parsed.data;
    }
    else if (a === '--out') args.out = value();
    else if (a === '--tuning') args.tuning = parseJson(a, value(), '{"patches":false}') as ClassicTuning;
    else if (a === '--import') while (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) args.imports.push(argv[++i]!);
    else throw new Error(`eval: unknown option ${a}; see test/eval/eval.ts for the options`);
  }
  return args;
}

function parseJson(option: string, text: string, example: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`eval: ${option} takes JSON, e.g. '${example}', not ${text}`);
  }
}

/** The input a completion method gets: the original with the hole blanked. */
function blanked(rgb: Uint8Array, hole: Uint8Array): Uint8Array {
  const out = rgb.slice();
  for (let i = 0; i < hole.length; i++) if (hole[i]) out.fill(0, 3 * i, 3 * i + 3);
  return out;
}

async function runFloor(frames: Uint8Array[], holes: Uint8Array[]): Promise<Uint8Array[]> {
  const filler = new SpatialFiller(await loadOpenCv(), W, H);
  try {
    return frames.map((f, k) => {
      const rgb = blanked(f, holes[k]!);
      filler.fill(rgb, holes[k]!.slice());
      return rgb;
    });
  } finally {
    filler.dispose();
  }
}

async function runClassic(frames: Uint8Array[], holes: Uint8Array[], settings: ClassicSettings, tuning: ClassicTuning): Promise<Uint8Array[]> {
  const engine = await createClassicEngine({ classic: settings }, tuning);
  async function* stream(): AsyncGenerator<ProcFrame> {
    for (let k = 0; k < frames.length; k++) yield { index: k, rgb: blanked(frames[k]!, holes[k]!), mask: holes[k]! };
  }
  const ctx: EngineContext = { width: W, height: H, frameCount: frames.length, signal: new AbortController().signal, progress() {}, notice() {} };
  const out: Uint8Array[] = [];
  try {
    for await (const f of engine.run(stream(), ctx)) out[f.index] = f.rgb;
  } finally {
    await engine.dispose();
  }
  return out;
}

function holesFor(kind: Kind, clip: EvalClip, data: ClipData, donors: Map<string, Uint8Array[]>): Uint8Array[] {
  const count = data.frames.length;
  switch (kind) {
    case 'moving': {
      const track = objectTrack(data.objects, W, H);
      return track.map((_, k) => movingMask(track, k, W, H));
    }
    case 'static': {
      const m = staticMask(W, H);
      return Array.from({ length: count }, () => m);
    }
    case 'object':
      return pingPong(donors.get(clip.donor)!, count);
    case 'removal':
      return data.objects.map((m) => dilateCross(m, W, H, REMOVAL_DILATION));
  }
}

interface Row {
  clip: string;
  split: EvalClip['split'];
  kind: Kind;
  holeShare: number;
  psnr?: { floor: number; classic: number };
  ssim?: { floor: number; classic: number };
  flicker: { original: number; floor: number; classic: number };
  classicFps: number;
  pictures: string[];
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** [original with the hole outlined | floor | classic] for one frame, as a PNG. */
function writePicture(file: string, original: Uint8Array, hole: Uint8Array, floor: Uint8Array, classic: Uint8Array): void {
  const outlined = original.slice();
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (!hole[i]) continue;
      const edge = x === 0 || y === 0 || x === W - 1 || y === H - 1 || !hole[i - 1] || !hole[i + 1] || !hole[i - W] || !hole[i + W];
      if (edge) outlined.set([255, 0, 255], 3 * i);
    }
  const panels = [outlined, floor, classic];
  const row = new Uint8Array(panels.length * W * H * 3);
  for (let y = 0; y < H; y++) for (let p = 0; p < panels.length; p++) row.set(panels[p]!.subarray(y * W * 3, (y + 1) * W * 3), (y * panels.length + p) * W * 3);
  const raw = `${file}.rgb`;
  writeFileSync(raw, row);
  runFfmpeg(['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W * panels.length}x${H}`, '-i', raw, file]);
  rmSync(raw);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const all = loadManifest();
  if (args.clips) {
    const unknown = args.clips.filter((c) => !all.some((clip) => clip.name === c));
    if (unknown.length) throw new Error(`eval: no clip called ${unknown.join(', ')}; clips are ${all.map((c) => c.name).join(', ')}`);
  }
  if (args.imports.length) {
    const { imported, failed } = importClips(all, args.imports);
    console.log(`eval: imported ${imported.length ? imported.join(', ') : 'nothing'}${failed.length ? `; not found in the given clones: ${failed.join(', ')}` : ''}`);
  }
  const wanted = all.filter((c) => (args.split === 'all' || c.split === args.split) && (!args.clips || args.clips.includes(c.name)));
  const problems = new Map(all.map((c) => [c.name, clipProblem(c)]));
  const missing = wanted.filter((c) => problems.get(c.name) === 'missing');
  if (missing.length) console.log(importHint(missing));
  for (const c of wanted) {
    const p = problems.get(c.name);
    if (p && p !== 'missing') console.log(`eval: ${c.name} skipped: ${p}; delete test/eval/clips/${c.name} and import it again`);
  }
  const present = wanted.filter((c) => problems.get(c.name) === null);
  if (present.length === 0) throw new Error('eval: no clip to evaluate');

  const outDir = path.resolve(repoRoot, args.out);
  const pngDir = path.join(outDir, 'eval');
  rmSync(pngDir, { recursive: true, force: true });
  mkdirSync(pngDir, { recursive: true });
  console.log(`classic settings: ${JSON.stringify(args.classic)}${Object.keys(args.tuning).length ? `, tuning ${JSON.stringify(args.tuning)}` : ''}`);

  const cache = new Map<string, ClipData>();
  const load = async (c: EvalClip) => {
    if (!cache.has(c.name)) cache.set(c.name, await readClip(c));
    return cache.get(c.name)!;
  };
  const rows: Row[] = [];
  for (const clip of present) {
    const data = await load(clip);
    const donors = new Map<string, Uint8Array[]>();
    if (args.kinds.includes('object')) {
      const donor = all.find((c) => c.name === clip.donor)!;
      if (problems.get(donor.name) !== null) console.log(`eval: ${clip.name}: object masks need ${donor.name}, which is missing; object kind skipped`);
      else donors.set(donor.name, (await load(donor)).objects);
    }
    for (const kind of args.kinds) {
      if (kind === 'static' && !clip.pans) continue; // a static hole on a static camera is never uncovered
      if (kind === 'object' && !donors.has(clip.donor)) continue;
      const holes = holesFor(kind, clip, data, donors);
      const floor = await runFloor(data.frames, holes);
      const t0 = performance.now();
      const classic = await runClassic(data.frames, holes, args.classic, args.tuning);
      const seconds = (performance.now() - t0) / 1000;
      const scored = kind !== 'removal';
      const row: Row = {
        clip: clip.name,
        split: clip.split,
        kind,
        holeShare: meanArea(holes),
        flicker: { original: holeFlicker(data.frames, holes), floor: holeFlicker(floor, holes), classic: holeFlicker(classic, holes) },
        classicFps: data.frames.length / seconds,
        pictures: [],
      };
      if (scored) {
        row.psnr = { floor: mean(floor.map((f, k) => psnr(f, data.frames[k]!))), classic: mean(classic.map((f, k) => psnr(f, data.frames[k]!))) };
        row.ssim = { floor: mean(floor.map((f, k) => ssim(f, data.frames[k]!, W, H))), classic: mean(classic.map((f, k) => ssim(f, data.frames[k]!, W, H))) };
      }
      for (const share of [0.25, 0.5, 0.75]) {
        const k = Math.round(share * (data.frames.length - 1));
        const file = path.join(pngDir, `${clip.name}-${kind}-${String(k).padStart(3, '0')}.png`);
        writePicture(file, data.frames[k]!, holes[k]!, floor[k]!, classic[k]!);
        row.pictures.push(path.relative(repoRoot, file));
      }
      rows.push(row);
      console.log(formatRow(row));
    }
  }

  console.log(`\n${HEADER}`);
  for (const r of rows) console.log(formatRow(r));
  for (const split of ['tune', 'held-out'] as const) {
    const scored = rows.filter((r) => r.split === split && r.psnr);
    if (scored.length === 0) continue;
    const met = scored.filter((r) => r.psnr!.classic - r.psnr!.floor >= 3 && r.ssim!.classic > r.ssim!.floor);
    const gain = mean(scored.map((r) => r.psnr!.classic - r.psnr!.floor));
    console.log(`${split}: mean ${gain >= 0 ? '+' : ''}${gain.toFixed(2)} dB over the floor; ${met.length} of ${scored.length} clip/kind pairs at least +3 dB with SSIM above the floor's`);
  }
  writeFileSync(
    path.join(outDir, 'eval.json'),
    `${JSON.stringify({ size: `${W}x${H}`, maskDilation: 0, removalDilation: REMOVAL_DILATION, metric: 'full-frame PSNR / SSIM(win 65) as ProPainter core/metrics.py; flicker = mean |frame k+1 - frame k| over the hole of either frame', classic: args.classic, results: rows }, null, 2)}\n`,
  );
  console.log(`\nwrote ${path.relative(repoRoot, outDir)}/eval.json and ${rows.length * 3} pictures in ${path.relative(repoRoot, pngDir)}/ (original, hole outlined | floor | classic)`);
}

const HEADER = `${'clip'.padEnd(15)}${'split'.padEnd(9)}${'kind'.padEnd(8)}${'hole%'.padStart(6)}  ${'PSNR floor'.padStart(10)} ${'classic'.padStart(7)} ${'gain'.padStart(6)}  ${'SSIM floor'.padStart(10)} ${'classic'.padStart(7)}  ${'flicker orig'.padStart(12)} ${'floor'.padStart(5)} ${'classic'.padStart(7)}  ${'fps'.padStart(5)}`;

function formatRow(r: Row): string {
  const f = (v: number | undefined, d = 2, w = 7) => (v === undefined ? '-' : v.toFixed(d)).padStart(w);
  const gain = r.psnr ? r.psnr.classic - r.psnr.floor : undefined;
  return `${r.clip.padEnd(15)}${r.split.padEnd(9)}${r.kind.padEnd(8)}${(100 * r.holeShare).toFixed(1).padStart(6)}  ${f(r.psnr?.floor, 2, 10)} ${f(r.psnr?.classic)} ${gain === undefined ? '     -' : `${gain >= 0 ? '+' : ''}${gain.toFixed(2)}`.padStart(6)}  ${f(r.ssim?.floor, 4, 10)} ${f(r.ssim?.classic, 4)}  ${f(r.flicker.original, 2, 12)} ${f(r.flicker.floor, 2, 5)} ${f(r.flicker.classic)}  ${f(r.classicFps, 1, 5)}`;
}

main().catch((err) => {
  console.error(err instanceof Error && err.message.startsWith('eval:') ? err.message : err);
  process.exit(1);
});
