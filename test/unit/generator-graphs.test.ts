// The product's InpaintGenerator graphs (main/models/builder/generator*.ts), built from seeded random
// weights of the real architecture and run in onnxruntime, against upstream ProPainter's own modules
// on the same weights and inputs (golden files written by models/parity/reference_generator.py):
// each graph alone, the feature propagation chained step by step as the engine chains it, and one
// whole InpaintGenerator.forward window through the engine's own encodeFrames + inpaintWindow.
//
// Tolerance: both sides compute in float32 but sum in different orders (convolutions rewritten as
// ConvTranspose/Gather, attention keys in another order, the attention scale folded into the query
// weights), so they agree to float rounding, not bit for bit. The bound is relative to the size of
// the expected values: max |a - b| <= 2e-5 * max |expected| + 2e-6 (a wrong index, window, frame or
// weight layout gives differences of the order of the values themselves).
import path from 'node:path';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { GRAPHS, PP_CHANNELS, type GraphName } from '../../main/models/contract';
import { buildPpDecoder, buildPpEncoder, buildPpPropBackward, buildPpPropForward, buildPpTransformer } from '../../main/models/builder/generator';
import type { ProPainterWeights } from '../../main/models/builder/weights';
import type { GraphBuilder } from '../../main/models/builder/onnx-graph';
import { encodeFrames, inpaintWindow } from '../../main/engine/engines/propainter/inpaint';
import { f32, flag, type RunGraph } from '../../main/engine/engines/propainter/memory';
import { quarterFlow, quarterMask } from '../../main/engine/engines/propainter/tensors';
import { propagationSteps } from '../../main/engine/engines/propainter/windows';
import { randomProPainterWeights } from '../../models/fixtures/random-weights';
import { stateDictFingerprint } from '../../models/parity/weights-fingerprint';
import { readNpy } from '../helpers/npy';

const GOLDEN = path.resolve(__dirname, '../data/golden/generator');
const golden = JSON.parse(readFileSync(path.join(GOLDEN, 'golden.json'), 'utf8')) as { weights_seed: number; weights_fingerprint: string };

function load(caseName: string, name: string): { shape: number[]; data: Float32Array } {
  const a = readNpy(path.join(GOLDEN, caseName, `${name}.npy`));
  if (a.data instanceof BigInt64Array) throw new Error(`${caseName}/${name} is int64`);
  return { shape: a.shape, data: a.data instanceof Float32Array ? a.data : Float32Array.from(a.data) };
}

/** Elements [i*per, (i+1)*per) of a stacked array. */
const part = (a: Float32Array, i: number, per: number) => a.subarray(i * per, (i + 1) * per);

interface Difference {
  maxAbs: number;
  meanAbs: number;
  scale: number;
}

function difference(actual: Float32Array, expected: Float32Array): Difference {
  expect(actual.length).toBe(expected.length);
  let maxAbs = 0;
  let sum = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    sum += d;
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return { maxAbs, meanAbs: sum / expected.length, scale };
}

const report: Record<string, Difference> = {};

function expectClose(label: string, actual: Float32Array, expected: Float32Array): void {
  const d = difference(actual, expected);
  report[label] = d;
  if (process.env.GENERATOR_GOLDEN_REPORT)
    console.info(`${label.padEnd(28)} max|diff| ${d.maxAbs.toExponential(2)}  mean|diff| ${d.meanAbs.toExponential(2)}  max|expected| ${d.scale.toFixed(3)}`);
  expect(d.maxAbs, `${label}: max |difference| ${d.maxAbs} for values up to ${d.scale}`).toBeLessThanOrEqual(2e-5 * d.scale + 2e-6);
}

const BUILDERS: Partial<Record<GraphName, (w: ProPainterWeights) => GraphBuilder>> = {
  pp_encoder: buildPpEncoder,
  pp_prop_backward: buildPpPropBackward,
  pp_prop_forward: buildPpPropForward,
  pp_transformer: buildPpTransformer,
  pp_decoder: buildPpDecoder,
};

const sessions = new Map<GraphName, ort.InferenceSession>();
let weights: ProPainterWeights;

const run: RunGraph = async (graph, feeds) => (await sessions.get(graph)!.run(feeds)) as Record<string, ort.Tensor>;

beforeAll(async () => {
  weights = randomProPainterWeights(golden.weights_seed);
  const fingerprint = stateDictFingerprint(weights.generator);
  if (fingerprint !== golden.weights_fingerprint)
    throw new Error(
      `the seeded generator weights changed since the golden files were written (models/fixtures/random-weights.ts); regenerate them: see models/parity/reference_generator.py`,
    );
  for (const [name, build] of Object.entries(BUILDERS) as [GraphName, (w: ProPainterWeights) => GraphBuilder][]) {
    const bytes = build(weights).toBytes({ opset: 19 });
    sessions.set(name, await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', logSeverityLevel: 3 }));
  }
}, 300_000);

describe('InpaintGenerator graphs built from the weights', () => {
  it('declare exactly the contract inputs and outputs', () => {
    for (const name of Object.keys(BUILDERS) as GraphName[]) {
      const s = sessions.get(name)!;
      expect(s.inputNames).toEqual(GRAPHS[name].inputs.map((i) => i.name));
      expect(s.outputNames).toEqual(GRAPHS[name].outputs.map((o) => o.name));
    }
  });

  it('pp_encoder equals upstream Encoder', async () => {
    const frames = load('encoder', 'frames');
    const r = await run('pp_encoder', {
      frames: f32(frames.data, frames.shape),
      masks_in: f32(load('encoder', 'masks_in').data, load('encoder', 'masks_in').shape),
      masks_updated: f32(load('encoder', 'masks_updated').data, load('encoder', 'masks_updated').shape),
    });
    const expected = load('encoder', 'feat');
    expect(r.feat!.dims).toEqual(expected.shape);
    expectClose('pp_encoder', r.feat!.data as Float32Array, expected.data);
  });

  it('pp_prop_backward and pp_prop_forward, chained as the engine does, equal upstream BidirectionalPropagation', async () => {
    const feat = load('propagation', 'feat');
    const [L, C, h4, w4] = feat.shape as [number, number, number, number];
    const flowsF = load('propagation', 'flows_forward').data;
    const flowsB = load('propagation', 'flows_backward').data;
    const masks = load('propagation', 'masks').data;
    const per = C * h4 * w4;
    const flowPer = 2 * h4 * w4;
    const fd = [1, C, h4, w4];
    const flowDims = [1, 2, h4, w4];
    const zero = new Float32Array(flowPer);
    const flowOf = (k: number | null, set: 'forward' | 'backward') => (k === null ? zero : part(set === 'forward' ? flowsF : flowsB, k, flowPer));
    const other = (set: 'forward' | 'backward') => (set === 'forward' ? 'backward' : 'forward');

    const backward: Float32Array[] = [];
    for (const s of propagationSteps(L, 'backward')) {
      const r = await run('pp_prop_backward', {
        feat_current: f32(part(feat.data, s.frame, per), fd),
        feat_prev: f32(s.prev1 === null ? part(feat.data, s.frame, per) : backward[s.prev1]!, fd),
        flow: f32(flowOf(s.flow, s.flowSet), flowDims),
        flow_check: f32(flowOf(s.flow, other(s.flowSet)), flowDims),
        masks: f32(part(masks, s.frame, flowPer), flowDims),
        has_previous: flag(s.prev1 !== null),
      });
      backward[s.frame] = r.feat_prop!.data as Float32Array;
    }
    const forward: Float32Array[] = [];
    const fused: Float32Array[] = [];
    for (const s of propagationSteps(L, 'forward')) {
      const r = await run('pp_prop_forward', {
        feat_current: f32(backward[s.frame]!, fd),
        feat_prev: f32(s.prev1 === null ? backward[s.frame]! : forward[s.prev1]!, fd),
        flow: f32(flowOf(s.flow, s.flowSet), flowDims),
        flow_check: f32(flowOf(s.flow, other(s.flowSet)), flowDims),
        masks: f32(part(masks, s.frame, flowPer), flowDims),
        has_previous: flag(s.prev1 !== null),
        feat_encoded: f32(part(feat.data, s.frame, per), fd),
      });
      forward[s.frame] = r.feat_prop!.data as Float32Array;
      fused[s.frame] = r.feat_fused!.data as Float32Array;
    }
    const stacked = (xs: Float32Array[]) => {
      const out = new Float32Array(L * per);
      xs.forEach((x, i) => out.set(x, i * per));
      return out;
    };
    expectClose('pp_prop_backward (chain)', stacked(backward), load('propagation', 'feat_backward').data);
    expectClose('pp_prop_forward (chain)', stacked(forward), load('propagation', 'feat_forward').data);
    expectClose('pp_prop_forward fused', stacked(fused), load('propagation', 'feat_fused').data);
  });

  it('pp_transformer equals upstream SoftSplit + sparse transformer + SoftComp (window padding, masked and unmasked windows, odd T, L < T)', async () => {
    const meta = JSON.parse(readFileSync(path.join(GOLDEN, 'transformer', 'case.json'), 'utf8')) as { window_masked: boolean[] };
    // the golden case really has both kinds of windows
    expect(meta.window_masked).toContain(true);
    expect(meta.window_masked).toContain(false);
    const feat = load('transformer', 'feat');
    const masks = load('transformer', 'local_masks');
    expect(feat.shape[0]! % 2).toBe(1);
    expect(masks.shape[0]!).toBeLessThan(feat.shape[0]!);
    const r = await run('pp_transformer', { feat: f32(feat.data, feat.shape), local_masks: f32(masks.data, masks.shape) });
    const expected = load('transformer', 'feat_out');
    expect(r.feat_out!.dims).toEqual(expected.shape);
    expectClose('pp_transformer', r.feat_out!.data as Float32Array, expected.data);
  });

  it('pp_transformer equals upstream for a one-frame window (no frames in the odd blocks\' T_ind)', async () => {
    const feat = load('transformer_single', 'feat');
    const masks = load('transformer_single', 'local_masks');
    expect(feat.shape[0]).toBe(1);
    const r = await run('pp_transformer', { feat: f32(feat.data, feat.shape), local_masks: f32(masks.data, masks.shape) });
    expectClose('pp_transformer (T = 1)', r.feat_out!.data as Float32Array, load('transformer_single', 'feat_out').data);
  });

  it('pp_decoder equals upstream decoder + tanh', async () => {
    const feat = load('decoder', 'feat');
    const r = await run('pp_decoder', { feat: f32(feat.data, feat.shape) });
    const expected = load('decoder', 'frames');
    expect(r.frames!.dims).toEqual(expected.shape);
    expectClose('pp_decoder', r.frames!.data as Float32Array, expected.data);
  });

  it('one window through the engine (encodeFrames + inpaintWindow) equals upstream InpaintGenerator.forward', async () => {
    const frames = load('window', 'frames');
    const [T, , H, W] = frames.shape as [number, number, number, number];
    const meta = JSON.parse(readFileSync(path.join(GOLDEN, 'window', 'case.json'), 'utf8')) as { local_frames: number };
    const L = meta.local_frames;
    const pixels = H * W;
    const toBytes = (a: Float32Array, i: number) => Uint8Array.from(part(a, i, pixels), (v) => (v ? 1 : 0));
    const masksIn = load('window', 'masks_in').data;
    const masksUpd = load('window', 'masks_updated').data;
    const flowsF = load('window', 'flows_forward').data;
    const flowsB = load('window', 'flows_backward').data;
    const size = { width: W, height: H };
    const encoded = await encodeFrames(
      run,
      Array.from({ length: T }, (_, i) => ({ planar: part(frames.data, i, 3 * pixels), mask: toBytes(masksIn, i), updatedMask: toBytes(masksUpd, i) })),
      size,
      { size: 4 },
      () => {},
    );
    const h4w4 = (H >> 2) * (W >> 2);
    const localMasks = Array.from({ length: L }, (_, i) => {
      const m = new Float32Array(2 * h4w4);
      m.set(quarterMask(toBytes(masksIn, i), W, H), 0);
      m.set(quarterMask(toBytes(masksUpd, i), W, H), h4w4);
      return m;
    });
    const flows = Array.from({ length: L - 1 }, (_, k) => ({
      forward: quarterFlow(part(flowsF, k, 2 * pixels), W, H),
      backward: quarterFlow(part(flowsB, k, 2 * pixels), W, H),
    }));
    const out = await inpaintWindow(run, { encoded, localCount: L, localMasks, flows }, size, { size: 3 }, () => {});
    const expected = load('window', 'frames_out');
    expect(expected.shape).toEqual([L, 3, H, W]);
    expect(PP_CHANNELS).toBe(128);
    expectClose('InpaintGenerator window', out, expected.data);
  });
});
