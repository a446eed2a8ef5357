// The ProPainter engine on the contract stand-ins (narrow graphs with the contract's interface, in real
// onnxruntime sessions on the CPU; models/fixtures/stand-in-graphs.ts) with small
// synthetic clips: streaming order, untouched pixels outside the hole, bounded buffers, provider
// fallback, fp16 selection, contract checks and the out-of-memory retry policy. The stand-ins'
// weights are arbitrary, so only plumbing and invariants are checked, never the painted pixels.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dilateCross } from '../../common/mask/morphology';
import { generateStandIns } from '../../models/fixtures';
import { createProPainterEngine, type ProPainterDeps } from '../../main/engine/engines/propainter';
import type { BufferSizes } from '../../main/engine/engines/propainter/orchestrator';
import type { ProviderEnvironment } from '../../main/engine/engines/propainter/providers';
import { ortSessionFactory, type SessionFactory } from '../../main/engine/engines/propainter/sessions';
import type { EngineOptions, FilledFrame, ProcFrame } from '../../main/engine/types';

let root: string;
let standIns: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'cleanplate-pp-engine-'));
  standIns = path.join(root, 'models');
  generateStandIns(standIns);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cpuOnly: ProviderEnvironment = { platform: 'linux', backends: [{ name: 'cpu', bundled: true }], cudaInstalled: false };

function options(over: Partial<EngineOptions> = {}): EngineOptions {
  return {
    device: 'cpu',
    fp16: false,
    modelsDir: standIns,
    classic: { propagationRadius: 40, temporalSmoothing: 0.5 },
    propainter: { neighborLength: 10, refStride: 10, subvideoLength: 80, raftIterations: 4, windowAveraging: 'mean' },
    ...over,
  };
}

/** A textured scene panning 1 px per frame with a square hole moving across it; source indices start at `first`. */
function* syntheticClip(width: number, height: number, count: number, first = 100): Generator<ProcFrame> {
  for (let t = 0; t < count; t++) {
    const rgb = new Uint8Array(width * height * 3);
    const mask = new Uint8Array(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const u = x + t;
        rgb[i * 3] = 128 + 60 * Math.sin(u / 5) * Math.cos(y / 7);
        rgb[i * 3 + 1] = 128 + 60 * Math.cos(u / 9);
        rgb[i * 3 + 2] = (u * 3 + y * 5) & 255;
        const sx = (t * 2) % (width - 12);
        if (x >= sx && x < sx + 12 && y >= 10 && y < 24) mask[i] = 1;
      }
    yield { index: first + t, rgb, mask };
  }
}

async function* stream(frames: Iterable<ProcFrame>, seen?: number[]): AsyncGenerator<ProcFrame> {
  for (const f of frames) {
    seen?.push(f.index);
    yield f;
  }
}

async function runEngine(opts: EngineOptions, clip: ProcFrame[], deps: ProPainterDeps = {}, width = 64, height = 48) {
  const notices: string[] = [];
  let peak: BufferSizes | null = null;
  const engine = await createProPainterEngine(opts, { environment: cpuOnly, ...deps, onBuffers: (p) => (peak = p) });
  const pulled: number[] = [];
  const out: FilledFrame[] = [];
  const pulledWhenEmitted: number[] = [];
  const ctx = { width, height, frameCount: clip.length, signal: new AbortController().signal, progress: () => {}, notice: (m: string) => notices.push(m) };
  try {
    for await (const f of engine.run(stream(clip, pulled), ctx)) {
      out.push(f);
      pulledWhenEmitted.push(pulled.length);
    }
  } finally {
    await engine.dispose();
  }
  return { engine, out, notices, peak: peak as BufferSizes | null, pulledWhenEmitted };
}

describe('ProPainter engine on the contract stand-ins', () => {
  it('emits every frame once, in order, with pixels outside the hole untouched and the hole filled', async () => {
    // A flow mask wider than the hole (as outpainting makes) must not widen what is filled.
    const clip = [...syntheticClip(64, 48, 23)].map((f) => ({ ...f, flowMask: dilateCross(f.mask, 64, 48, 3) }));
    const { out, engine } = await runEngine(options(), clip);
    expect(engine.device).toBe('cpu');
    expect(out.map((f) => f.index)).toEqual(clip.map((f) => f.index));
    for (let t = 0; t < clip.length; t++) {
      const { rgb, mask } = clip[t]!;
      let changedInside = 0;
      for (let i = 0; i < mask.length; i++) {
        for (let c = 0; c < 3; c++) {
          if (!mask[i]) expect(out[t]!.rgb[i * 3 + c]).toBe(rgb[i * 3 + c]);
          else if (out[t]!.rgb[i * 3 + c] !== rgb[i * 3 + c]) changedInside++;
        }
      }
      expect(changedInside).toBeGreaterThan(0);
    }
  });

  /** Small windows (sub-videos of 20, neighbours ±3, references every 5) reach the steady state sooner. */
  const small = { neighborLength: 6, refStride: 5, subvideoLength: 20, raftIterations: 2, windowAveraging: 'mean' as const };

  it('streams: frames are emitted while the clip is still being read', async () => {
    const clip = [...syntheticClip(32, 24, 100)];
    const { out, pulledWhenEmitted } = await runEngine(options({ propainter: small }), clip, {}, 32, 24);
    expect(out.map((f) => f.index)).toEqual(clip.map((f) => f.index));
    // Frame 0 is final after window 1 (local 0..6, references 0, 5, 10); frame 10 needs propagation
    // chunk 0 (frames 0..29), hence flow completion up to sub-video 1 (flows 15..44), hence RAFT
    // clip [35, 48) (12 frames per clip at this width): frames 0..47 and no more are read.
    expect(pulledWhenEmitted[0]).toBe(48);
    expect(pulledWhenEmitted[50]).toBeLessThan(100);
  });

  it('keeps the same buffers for 2x the frames (memory flat in video length)', async () => {
    // From about 100 frames on every buffer is in its steady state with these windows.
    const short = await runEngine(options({ propainter: small }), [...syntheticClip(32, 24, 100)], {}, 32, 24);
    const long = await runEngine(options({ propainter: small }), [...syntheticClip(32, 24, 200)], {}, 32, 24);
    expect(long.out).toHaveLength(200);
    expect(long.peak).toEqual(short.peak);
    // Bounded by the windows: propagation chunks 20 ± 10, flow completion 20 ± 5, references ±10.
    expect(long.peak!.frames).toBeLessThanOrEqual(70);
    expect(long.peak!.rawFlows).toBeLessThanOrEqual(40);
    expect(long.peak!.propagated).toBeLessThanOrEqual(40);
    expect(long.peak!.pendingAverages).toBeLessThanOrEqual(7);
  });
});

describe('stage trace and window averaging', () => {
  /** Reads a trace's per-item files of one stage, in index order. */
  function traced(dir: string, stage: string): Uint8Array[] {
    return readdirSync(dir)
      .filter((f) => new RegExp(`^${stage}_\\d{5}\\.(f32|u8)$`).test(f))
      .sort()
      .map((f) => new Uint8Array(readFileSync(path.join(dir, f))));
  }

  it('traces every stage, and combines overlapping windows as a mean or exactly as upstream does', async () => {
    const clip = [...syntheticClip(64, 48, 23)];
    const width = 64;
    const pixels = 64 * 48;
    for (const mode of ['mean', 'halving'] as const) {
      const dir = path.join(root, `trace-${mode}`);
      const { out } = await runEngine(options({ propainter: { ...options().propainter, windowAveraging: mode } }), clip, { trace: { dir, tensors: true } }, width, 48);
      const timings = JSON.parse(readFileSync(path.join(dir, 'timings.json'), 'utf8'));
      expect(timings.frames).toBe(23);
      for (const stage of ['flow', 'flowCompletion', 'propagation', 'inpaint', 'composite']) expect(timings.stages[stage]).toBeGreaterThan(0);
      expect(timings.graphs.raft.calls).toBeGreaterThan(0);
      expect(timings.graphs.raft.cpuSeconds).toBeGreaterThan(0);
      expect(timings.processCpuSeconds).toBeGreaterThan(timings.graphs.raft.cpuSeconds);
      expect(traced(dir, 'raft_forward')).toHaveLength(22);
      expect(traced(dir, 'completed_backward')).toHaveLength(22);
      expect(traced(dir, 'propagated')).toHaveLength(23);
      const finals = traced(dir, 'final');
      expect(finals.map((f) => Array.from(f))).toEqual(out.map((f) => Array.from(f.rgb)));
      // Windows every 5 frames over local frames [c - 5, c + 5]: recombine their traced predictions.
      const windows = traced(dir, 'window').map((b) => new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
      expect(windows).toHaveLength(5);
      const f = Math.fround;
      for (let t = 0; t < 23; t++) {
        const covering = windows.map((pred, w) => ({ pred, i: t - Math.max(0, w * 5 - 5) })).filter(({ pred, i }) => i >= 0 && i < pred.length / (3 * pixels));
        for (let p = 0; p < pixels; p++) {
          if (!clip[t]!.mask[p]) continue;
          for (let c = 0; c < 3; c++) {
            const values = covering.map(({ pred, i }) => pred[(i * 3 + c) * pixels + p]!);
            let expected: number;
            if (mode === 'mean') expected = Math.round(values.reduce((a, v) => a + ((v + 1) / 2) * 255, 0) / values.length);
            else expected = values.map((v) => Math.trunc(f(f(f(v + 1) / 2) * 255))).reduce((old, level) => Math.floor((old + level) / 2));
            expect(Math.abs(out[t]!.rgb[p * 3 + c]! - expected)).toBeLessThanOrEqual(mode === 'mean' ? 1 : 0);
          }
        }
      }
    }
  });
});

describe('execution providers', () => {
  const webgpuHere: ProviderEnvironment = { platform: 'linux', backends: [{ name: 'cpu', bundled: true }, { name: 'webgpu', bundled: true }, { name: 'cuda', bundled: false }], cudaInstalled: false };

  it('auto falls back from WebGPU (no adapter on this machine) to the CPU with a one-line notice', async () => {
    const { engine, notices, out } = await runEngine(options({ device: 'auto' }), [...syntheticClip(64, 48, 6)], { environment: webgpuHere });
    expect(engine.device).toBe('cpu');
    expect(out).toHaveLength(6);
    expect(notices[0]).toMatch(/^WebGPU could not start \(.+\); using CPU instead$/);
    expect(notices[0]).not.toContain('\n');
  });

  it('auto tries DirectML first on Windows and falls back when it fails to start', async () => {
    const tried: string[] = [];
    const createSession: SessionFactory = async (file, provider) => {
      tried.push(provider);
      if (provider === 'dml') throw new Error('D3D12 device creation failed\nmore detail');
      return ortSessionFactory(file, 'cpu');
    };
    const win: ProviderEnvironment = { platform: 'win32', backends: [{ name: 'cpu', bundled: true }, { name: 'dml', bundled: true }], cudaInstalled: false };
    const { engine, notices } = await runEngine(options({ device: 'auto' }), [...syntheticClip(64, 48, 3)], { environment: win, createSession });
    expect(tried[0]).toBe('dml');
    expect(engine.device).toBe('cpu');
    expect(notices).toEqual(['DirectML could not start (D3D12 device creation failed); using CPU instead']);
  });

  it('a forced device uses only that provider and fails with one line', async () => {
    await expect(createProPainterEngine(options({ device: 'webgpu' }), { environment: webgpuHere })).rejects.toThrow(
      /^the WebGPU device could not start \(Failed to get a WebGPU adapter: No supported adapters\); choose --device auto or cpu$/,
    );
    await expect(createProPainterEngine(options({ device: 'cuda' }), { environment: webgpuHere })).rejects.toThrow(/^the CUDA files for onnxruntime-node are not installed/);
    await expect(createProPainterEngine(options({ device: 'coreml' }), { environment: webgpuHere })).rejects.toThrow('the CoreML device is not available in this build on linux; choose --device auto or cpu');
  });

  it('uses the fp16 files only on a provider that runs them, and says so on the CPU', async () => {
    const opened: string[] = [];
    const gpuLike: SessionFactory = async (file, provider) => {
      opened.push(`${provider}:${path.basename(file)}`);
      return ortSessionFactory(file, 'cpu'); // a provider that starts; the graphs really run (on the CPU)
    };
    const env: ProviderEnvironment = { platform: 'linux', backends: [{ name: 'cpu', bundled: true }, { name: 'webgpu', bundled: true }], cudaInstalled: false };
    const gpu = await runEngine(options({ device: 'auto', fp16: true }), [...syntheticClip(64, 48, 4)], { environment: env, createSession: gpuLike });
    expect(gpu.engine.device).toBe('webgpu');
    expect(opened).toContain('webgpu:pp_transformer.fp16.onnx');
    expect(opened).toContain('webgpu:raft.onnx'); // RAFT stays fp32
    expect(gpu.out).toHaveLength(4);

    const cpu = await runEngine(options({ fp16: true }), [...syntheticClip(64, 48, 3)]);
    expect(cpu.notices).toEqual(['fp16 is not used on the CPU (as in the official inference); running in fp32']);
  });

  it('refuses a file that does not match the contract, naming it', async () => {
    const dir = path.join(root, 'wrong-graph');
    generateStandIns(dir);
    copyFileSync(path.join(dir, 'pp_encoder.onnx'), path.join(dir, 'pp_decoder.onnx'));
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const enc = manifest.files.find((f: { file: string }) => f.file === 'pp_encoder.onnx');
    Object.assign(manifest.files.find((f: { file: string }) => f.file === 'pp_decoder.onnx'), { size: enc.size, sha256: enc.sha256 });
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    await expect(createProPainterEngine(options({ modelsDir: dir }), { environment: cpuOnly })).rejects.toThrow(
      'pp_decoder.onnx does not match model contract v1: it has no input "feat"; build them again from the weights (Download models… in the app, or: cleanplate models download)',
    );
  });

  it('names a missing model file before anything runs', async () => {
    await expect(createProPainterEngine(options({ modelsDir: path.join(root, 'no-models') }), { environment: cpuOnly })).rejects.toThrow(/does not exist; download or import the ProPainter models first/);
  });
});

describe('out-of-memory retries', () => {
  /** Real sessions whose run() fails like onnxruntime's CUDA allocator when a batch is too big. */
  function oomWhen(limits: Partial<Record<string, (feeds: Record<string, { dims: readonly number[] }>) => boolean>>): SessionFactory {
    return async (file, provider) => {
      const session = await ortSessionFactory(file, provider);
      const graph = path.basename(file).replace(/(\.fp16)?\.onnx$/, '');
      return {
        ...session,
        run: async (feeds) => {
          if (limits[graph]?.(feeds))
            throw new Error(`Non-zero status code returned while running Conv node. Name:'/enc/Conv' Status Message: /onnxruntime_src/onnxruntime/core/framework/bfc_arena.cc:376 void* onnxruntime::BFCArena::AllocateRawInternal(size_t, bool, onnxruntime::Stream*, bool, onnxruntime::WaitNotificationFn) Failed to allocate memory for requested buffer of size 1073741824`);
          return session.run(feeds);
        },
      };
    };
  }

  it('splits RAFT batches, shortens flow-completion sub-videos and thins references, telling the user', async () => {
    const clip = [...syntheticClip(64, 48, 50)];
    const createSession = oomWhen({
      raft: (f) => f.image1!.dims[0]! > 3,
      rfc_encoder: (f) => f.masks!.dims[1]! > 21,
      pp_transformer: (f) => f.feat!.dims[0]! > 8,
      pp_decoder: (f) => f.feat!.dims[0]! > 4,
    });
    const small = { neighborLength: 6, refStride: 5, subvideoLength: 20, raftIterations: 2, windowAveraging: 'mean' as const };
    const { out, notices } = await runEngine(options({ propainter: small }), clip, { createSession });
    expect(out.map((f) => f.index)).toEqual(clip.map((f) => f.index));
    expect(notices).toContain('the GPU ran out of memory in optical flow; retrying with 5 frame pairs at a time');
    expect(notices).toContain('the GPU ran out of memory in optical flow; retrying with 2 frame pairs at a time');
    expect(notices).toContain('the GPU ran out of memory in flow completion; retrying with shorter sub-videos (10 frames)');
    expect(notices).toContain('the GPU ran out of memory in the inpainting transformer; retrying with every 2nd reference frame only');
    expect(notices.some((n) => /^the GPU ran out of memory; encoding and decoding \d frames? at a time$/.test(n))).toBe(true);
    for (let t = 0; t < clip.length; t++)
      for (let i = 0; i < clip[t]!.mask.length; i++) if (!clip[t]!.mask[i]) expect(out[t]!.rgb[i * 3]).toBe(clip[t]!.rgb[i * 3]);
  });

  it('fails with one line suggesting a smaller processing size when nothing smaller is left', async () => {
    const createSession = oomWhen({ pp_prop_backward: () => true });
    await expect(runEngine(options(), [...syntheticClip(64, 48, 4)], { createSession })).rejects.toThrow(
      'the GPU ran out of memory in feature propagation even after retrying with less work; choose a smaller processing size, --device cpu, or fp16',
    );
    const transformer = oomWhen({ pp_transformer: () => true });
    await expect(runEngine(options(), [...syntheticClip(64, 48, 30)], { createSession: transformer })).rejects.toThrow(
      'the GPU ran out of memory in the inpainting transformer even after retrying with less work; choose a smaller processing size, --device cpu, or fp16',
    );
  });
});
