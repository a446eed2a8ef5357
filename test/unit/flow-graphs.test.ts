// The product's flow graphs (raft, rfc_*) against upstream ProPainter. The graphs are built by the
// product's builder from the tests' seeded random weights of the real architecture and run in
// onnxruntime; the expected tensors were computed by upstream's own PyTorch modules on the same
// weights and inputs (models/parity/reference_flow.py; how to regenerate them is written there).
// The golden sets come at two sizes each, so H and W (and RAFT's batch and iteration count) are
// really dynamic.
//
// Tolerances (max abs difference): both sides compute in float32 but sum in different orders
// (onnxruntime's MLAS kernels, PyTorch's), which costs ~1e-7 relative per layer. The measured
// differences are 10-40x below the limits (headroom for other CPUs' kernels), and a real mistake is
// far above them (RAFT's lookup offsets swapped: 15-57 px; the deformable offsets scaled by 1%: 3e-3).
//  - raft: 2e-3 px on flows up to 73 px after 12 iterations (measured 5.3e-5). The refinement
//    amplifies input noise ~60x (1e-4 -> 5.8e-3 px), rounding noise likewise.
//  - rfc features: 1e-4 on values up to 17 (measured <= 9.5e-6); rfc flows: 5e-4 px on flows up to
//    15 px (measured 1.1e-5, chained over 5 flows too).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { GRAPHS, type GraphName } from '../../main/models/contract';
import { buildRfcDecoder, buildRfcEncoder, buildRfcPropBackward, buildRfcPropForward } from '../../main/models/builder/flow-completion';
import type { GraphBuilder } from '../../main/models/builder/onnx-graph';
import { buildRaft } from '../../main/models/builder/raft';
import type { ProPainterWeights } from '../../main/models/builder/weights';
import { randomProPainterWeights } from '../../models/fixtures/random-weights';
import { stateDictFingerprint } from '../../models/parity/weights-fingerprint';
import { readNpy } from '../helpers/npy';

const GOLDEN = path.join(__dirname, '../data/golden/flow');
/** The seed models/parity/reference_flow.py's goldens were made with (export-weights.ts --seed 1). */
const SEED = 1;
const TOLERANCE = { raftFlow: 2e-3, rfcFeature: 1e-4, rfcFlow: 5e-4 };

function golden(testCase: string, name: string): ort.Tensor {
  const a = readNpy(path.join(GOLDEN, testCase, `${name}.npy`));
  if (a.dtype === 'int64') return new ort.Tensor('int64', a.data as BigInt64Array, a.shape);
  return new ort.Tensor('float32', a.data as Float32Array, a.shape);
}

/** Max and mean absolute difference, with the shapes checked first. */
function difference(got: ort.Tensor, expected: ort.Tensor): { max: number; mean: number } {
  expect(got.dims).toEqual(expected.dims);
  const a = got.data as Float32Array;
  const b = expected.data as Float32Array;
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    max = Math.max(max, d); // a NaN stays NaN and fails the comparison
    sum += d;
  }
  return { max, mean: sum / a.length };
}

function expectClose(got: ort.Tensor, expected: ort.Tensor, tolerance: number, what: string): void {
  const { max, mean } = difference(got, expected);
  expect(max, `${what}: max abs difference ${max.toExponential(2)} (mean ${mean.toExponential(2)})`).toBeLessThanOrEqual(tolerance);
}

/** Frame k of [B, T, ...] as [B, ...] (B = 1). */
function frame(x: ort.Tensor, k: number): ort.Tensor {
  const per = x.dims.slice(2).reduce((a, b) => a * b, 1);
  return new ort.Tensor('float32', (x.data as Float32Array).slice(k * per, (k + 1) * per), [1, ...x.dims.slice(2)]);
}

/** [1, T, ...] as [T, ...]: the decoder takes frames as its batch. */
function framesAsBatch(x: ort.Tensor): ort.Tensor {
  return new ort.Tensor('float32', x.data as Float32Array, x.dims.slice(1));
}

function stackFrames(frames: ort.Tensor[]): ort.Tensor {
  const per = (frames[0]!.data as Float32Array).length;
  const out = new Float32Array(per * frames.length);
  frames.forEach((f, k) => out.set(f.data as Float32Array, k * per));
  return new ort.Tensor('float32', out, [1, frames.length, ...frames[0]!.dims.slice(1)]);
}

const flag = (value: boolean) => new ort.Tensor('bool', [value], [1]);
const zerosLike = (x: ort.Tensor) => new ort.Tensor('float32', new Float32Array((x.data as Float32Array).length), x.dims);

let weights: ProPainterWeights;
const sessions = new Map<GraphName, ort.InferenceSession>();

async function session(name: GraphName, build: (w: ProPainterWeights) => GraphBuilder): Promise<ort.InferenceSession> {
  const s = await ort.InferenceSession.create(build(weights).toBytes({ opset: 19 }));
  sessions.set(name, s);
  return s;
}

async function run(name: GraphName, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  return (await sessions.get(name)!.run(feeds)) as Record<string, ort.Tensor>;
}

beforeAll(async () => {
  weights = randomProPainterWeights(SEED);
  await session('raft', buildRaft);
  await session('rfc_encoder', buildRfcEncoder);
  await session('rfc_prop_backward', buildRfcPropBackward);
  await session('rfc_prop_forward', buildRfcPropForward);
  await session('rfc_decoder', buildRfcDecoder);
});

describe('the goldens', () => {
  it('were made from the seeded weights the graphs are built from', () => {
    const about = JSON.parse(readFileSync(path.join(GOLDEN, 'golden.json'), 'utf8')) as { weights: Record<'raft' | 'flowCompletion', { seed: number; fingerprint: string }> };
    for (const network of ['raft', 'flowCompletion'] as const) {
      const hint = `${network}: the seeded weights changed since test/data/golden/flow was made; regenerate it (models/parity/reference_flow.py)`;
      expect(about.weights[network].seed, hint).toBe(SEED);
      expect(about.weights[network].fingerprint, hint).toBe(stateDictFingerprint(weights[network]));
    }
  });
});

describe('the built flow graphs', () => {
  it('have exactly the contract inputs and outputs', () => {
    for (const [name, s] of sessions) {
      expect(s.inputNames, name).toEqual(GRAPHS[name].inputs.map((i) => i.name));
      expect(s.outputNames, name).toEqual(GRAPHS[name].outputs.map((o) => o.name));
    }
  });
});

describe('raft equals upstream RAFT (test mode, convex-upsampled flow)', () => {
  it.each([
    ['raft-128x128', 'two pairs at 128x128, 12 iterations'],
    ['raft-136x152', 'one pair at 152x136, 3 iterations (another size, batch and trip count)'],
  ])('%s: %s', async (testCase) => {
    const out = await run('raft', { image1: golden(testCase, 'image1'), image2: golden(testCase, 'image2'), iterations: golden(testCase, 'iterations') });
    expectClose(out.flow!, golden(testCase, 'flow'), TOLERANCE.raftFlow, `${testCase} flow`);
  });
});

describe('rfc graphs equal upstream RecurrentFlowCompleteNet', () => {
  const testCase = 'rfc-64x64';

  it('rfc_encoder: feat_mid and feat_e1 of a 3-flow sub-video', async () => {
    const out = await run('rfc_encoder', { masked_flows: golden(testCase, 'masked_flows'), masks: golden(testCase, 'masks') });
    expectClose(out.feat_mid!, golden(testCase, 'feat_mid'), TOLERANCE.rfcFeature, 'feat_mid');
    expectClose(out.feat_e1!, golden(testCase, 'feat_e1'), TOLERANCE.rfcFeature, 'feat_e1');
  });

  it('rfc_prop_backward: every step (first, first-order, second-order) from upstream inputs', async () => {
    const mid = golden(testCase, 'feat_mid');
    const backward = golden(testCase, 'feat_backward');
    const t = mid.dims[1]!;
    const zeros = zerosLike(frame(mid, 0));
    for (let i = 0; i < t; i++) {
      const k = t - 1 - i; // frames last to first; the previous steps are frames k+1, k+2
      const out = await run('rfc_prop_backward', {
        feat_current: frame(mid, k),
        feat_prev1: i > 0 ? frame(backward, k + 1) : zeros,
        feat_prev2: i > 1 ? frame(backward, k + 2) : zeros,
        has_previous: flag(i > 0),
      });
      expectClose(out.feat_prop!, frame(backward, k), TOLERANCE.rfcFeature, `backward step ${i} (frame ${k})`);
    }
  });

  it('rfc_prop_forward: every step, with the backward pass at the same frame', async () => {
    const mid = golden(testCase, 'feat_mid');
    const backward = golden(testCase, 'feat_backward');
    const forward = golden(testCase, 'feat_forward');
    const zeros = zerosLike(frame(mid, 0));
    for (let k = 0; k < mid.dims[1]!; k++) {
      const out = await run('rfc_prop_forward', {
        feat_current: frame(mid, k),
        feat_backward: frame(backward, k),
        feat_prev1: k > 0 ? frame(forward, k - 1) : zeros,
        feat_prev2: k > 1 ? frame(forward, k - 2) : zeros,
        has_previous: flag(k > 0),
      });
      expectClose(out.feat_prop!, frame(forward, k), TOLERANCE.rfcFeature, `forward step ${k}`);
    }
  });

  it('rfc_prop_*: has_previous=false ignores whatever feat_prev1/feat_prev2 hold', async () => {
    const mid = golden(testCase, 'feat_mid');
    const backward = golden(testCase, 'feat_backward');
    const last = mid.dims[1]! - 1;
    const out = await run('rfc_prop_backward', { feat_current: frame(mid, last), feat_prev1: frame(mid, 0), feat_prev2: frame(mid, 1), has_previous: flag(false) });
    expectClose(out.feat_prop!, frame(backward, last), TOLERANCE.rfcFeature, 'first backward step with non-zero previous features');
  });

  it('rfc_decoder: the flows of all frames as one batch', async () => {
    const out = await run('rfc_decoder', {
      feat_backward: framesAsBatch(golden(testCase, 'feat_backward')),
      feat_forward: framesAsBatch(golden(testCase, 'feat_forward')),
      feat_mid: framesAsBatch(golden(testCase, 'feat_mid')),
      feat_e1: framesAsBatch(golden(testCase, 'feat_e1')),
    });
    expectClose(out.flow!, framesAsBatch(golden(testCase, 'flow')), TOLERANCE.rfcFlow, 'decoded flow');
  });

  it('all four chained as the engine drives them reproduce RecurrentFlowCompleteNet.forward at 80x48, 5 flows', async () => {
    const other = 'rfc-48x80';
    const enc = await run('rfc_encoder', { masked_flows: golden(other, 'masked_flows'), masks: golden(other, 'masks') });
    const mid = enc.feat_mid!;
    const t = mid.dims[1]!;
    const zeros = zerosLike(frame(mid, 0));
    const backward: ort.Tensor[] = new Array(t);
    for (let k = t - 1; k >= 0; k--) {
      const feeds = { feat_current: frame(mid, k), feat_prev1: backward[k + 1] ?? zeros, feat_prev2: backward[k + 2] ?? zeros, has_previous: flag(k < t - 1) };
      backward[k] = (await run('rfc_prop_backward', feeds)).feat_prop!;
    }
    const forward: ort.Tensor[] = [];
    for (let k = 0; k < t; k++) {
      const feeds = {
        feat_current: frame(mid, k),
        feat_backward: backward[k]!,
        feat_prev1: forward[k - 1] ?? zeros,
        feat_prev2: forward[k - 2] ?? zeros,
        has_previous: flag(k > 0),
      };
      forward.push((await run('rfc_prop_forward', feeds)).feat_prop!);
    }
    const out = await run('rfc_decoder', {
      feat_backward: framesAsBatch(stackFrames(backward)),
      feat_forward: framesAsBatch(stackFrames(forward)),
      feat_mid: framesAsBatch(mid),
      feat_e1: framesAsBatch(enc.feat_e1!),
    });
    expectClose(out.flow!, framesAsBatch(golden(other, 'flow')), TOLERANCE.rfcFlow, 'chained flow');
  });
});
