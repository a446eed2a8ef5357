/**
 * CPU time of the operators that GPU providers lack against their exact rewrites
 * (main/models/builder/portable-ops.ts), at ProPainter's real sizes for 432x240 frames:
 *
 * - deformable alignment of the generator: 128 -> 128 channels at 60x108 (1/4), 16 offset groups;
 * - second-order alignment of flow completion: 256 -> 128 channels at 30x54 (1/8), 16 offset groups;
 * - soft composition fold: 128 x 49 channels over the 20x36 token grid back to 60x108, 12 frames;
 * - the feed-forward fold and unfold of every transformer block: 40 x 49 channels, 12 frames;
 * - unfold (soft split) of 128 channels as a grouped one-hot Conv against the dense one-hot Conv.
 *
 * `npm run bench -- operators` runs this section; `npx tsx test/bench/operators.ts` runs it alone.
 * Prints milliseconds per call (median of several runs after a warm-up) and the largest difference
 * between the two forms.
 */
import * as ort from 'onnxruntime-node';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { GraphBuilder } from '../../main/models/builder/onnx-graph';
import { col2ImByConvTranspose, deformConvBySampling, unfoldByConv } from '../../main/models/builder/portable-ops';
import { maxAbs, maxAbsDiff, OPSET, uniform } from '../helpers/onnx-run';

const RUNS = 7;

async function timeGraph(g: GraphBuilder, feeds: Record<string, ort.Tensor>): Promise<{ ms: number; out: Float32Array }> {
  const session = await ort.InferenceSession.create(g.toBytes({ opset: OPSET }), { executionProviders: ['cpu'] });
  try {
    let out = (await session.run(feeds)).y!.data as Float32Array; // warm-up
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      out = (await session.run(feeds)).y!.data as Float32Array;
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { ms: times[times.length >> 1]!, out };
  } finally {
    await session.release();
  }
}

async function compare(name: string, build: (rewritten: boolean) => GraphBuilder, feeds: Record<string, ort.Tensor>, results: Record<string, number>): Promise<void> {
  const native = await timeGraph(build(false), feeds);
  const rewritten = await timeGraph(build(true), feeds);
  const rel = maxAbsDiff(native.out, rewritten.out) / Math.max(1, maxAbs(native.out));
  console.log(
    `${name.padEnd(44)} native ${native.ms.toFixed(1).padStart(7)} ms   rewrite ${rewritten.ms.toFixed(1).padStart(7)} ms   x${(rewritten.ms / native.ms).toFixed(2)}   max rel diff ${rel.toExponential(1)}`,
  );
  results[`${name} native ms`] = native.ms;
  results[`${name} rewrite ms`] = rewritten.ms;
}

function deform(cin: number, cout: number, h: number, w: number, seed: number) {
  const G = 16;
  const weight = uniform([cout, cin, 3, 3], seed, -0.05, 0.05);
  const bias = uniform([cout], seed + 1).data;
  const feeds = {
    x: new ort.Tensor('float32', uniform([1, cin, h, w], seed + 2).data, [1, cin, h, w]),
    offset: new ort.Tensor('float32', uniform([1, 2 * G * 9, h, w], seed + 3, -4, 4).data, [1, 2 * G * 9, h, w]),
    mask: new ort.Tensor('float32', uniform([1, G * 9, h, w], seed + 4, 0, 1).data, [1, G * 9, h, w]),
  };
  const build = (rewritten: boolean) => {
    const g = GraphBuilder.create('deform', 1);
    const x = g.input({ name: 'x', type: 'float32', shape: [1, cin, 'H', 'W'] });
    const offset = g.input({ name: 'offset', type: 'float32', shape: [1, 2 * G * 9, 'H', 'W'] });
    const mask = g.input({ name: 'mask', type: 'float32', shape: [1, G * 9, 'H', 'W'] });
    const y = rewritten
      ? deformConvBySampling(g, x, offset, mask, { value: g.tensor(weight.data, weight.dims), shape: weight.dims }, g.tensor(bias, [cout]), {
          kernel: [3, 3],
          stride: [1, 1],
          padding: [1, 1],
          dilation: [1, 1],
          offsetGroups: G,
          groups: 1,
        })
      : g.op('DeformConv', [x, g.tensor(weight.data, weight.dims), offset, g.tensor(bias, [cout]), mask], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], offset_group: G });
    g.output({ name: 'y', type: 'float32', shape: [1, cout, 'H', 'W'] }, y);
    return g;
  };
  return { build, feeds };
}

function fold(frames: number, channels: number, h: number, w: number, seed: number) {
  const lh = Math.floor((h + 6 - 7) / 3) + 1;
  const lw = Math.floor((w + 6 - 7) / 3) + 1;
  const feeds = {
    x: new ort.Tensor('float32', uniform([frames, channels * 49, lh * lw], seed).data, [frames, channels * 49, lh * lw]),
    size: new ort.Tensor('int64', BigInt64Array.from([BigInt(h), BigInt(w)]), [2]),
  };
  const build = (rewritten: boolean) => {
    const g = GraphBuilder.create('fold', 1);
    const x = g.input({ name: 'x', type: 'float32', shape: ['T', channels * 49, 'L'] });
    const size = g.input({ name: 'size', type: 'int64', shape: [2] });
    const y = rewritten ? col2ImByConvTranspose(g, x, size, [7, 7], [3, 3], [3, 3]) : g.op('Col2Im', [x, size, g.constI([7, 7])], { strides: [3, 3], pads: [3, 3, 3, 3] });
    g.output({ name: 'y', type: 'float32', shape: ['T', channels, 'H', 'W'] }, y);
    return g;
  };
  return { build, feeds };
}

/** Grouped one-hot Conv (rewritten) against the dense one-hot Conv the builder used before. */
function unfold(frames: number, channels: number, h: number, w: number, seed: number) {
  const feeds = { x: new ort.Tensor('float32', uniform([frames, channels, h, w], seed).data, [frames, channels, h, w]) };
  const build = (grouped: boolean) => {
    const g = GraphBuilder.create('unfold', 1);
    const x = g.input({ name: 'x', type: 'float32', shape: ['T', channels, 'H', 'W'] });
    let y: string;
    if (grouped) y = unfoldByConv(g, x, channels, [7, 7], [3, 3], [3, 3]);
    else {
      const k = 49;
      const dense = new Float32Array(channels * k * channels * k);
      for (let c = 0; c < channels; c++) for (let i = 0; i < k; i++) dense[(c * k + i) * channels * k + c * k + i] = 1;
      const patches = g.op('Conv', [x, g.tensor(dense, [channels * k, channels, 7, 7])], { kernel_shape: [7, 7], strides: [3, 3], pads: [3, 3, 3, 3] });
      y = g.reshape(patches, [g.dims(patches, [0, 1]), g.constI([-1])]);
    }
    g.output({ name: 'y', type: 'float32', shape: ['T', channels * 49, 'L'] }, y);
    return g;
  };
  return { build, feeds };
}

export async function benchOperators(): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  console.log(`operators on the CPU provider (onnxruntime-node ${ort.env.versions.common}), 432x240 frames`);
  const cases: [string, () => { build: (rewritten: boolean) => GraphBuilder; feeds: Record<string, ort.Tensor> }][] = [
    ['DeformConv 128->128 @60x108, 16 groups', () => deform(128, 128, 60, 108, 1)],
    ['DeformConv 256->128 @30x54, 16 groups', () => deform(256, 128, 30, 54, 2)],
    ['Col2Im 128x49 ch, 20x36 -> 60x108, 12 frames', () => fold(12, 128, 60, 108, 3)],
    ['Col2Im 40x49 ch, 20x36 -> 60x108, 12 frames', () => fold(12, 40, 60, 108, 4)],
    ['unfold 128 ch 7x7/3, 12 frames (dense->grouped)', () => unfold(12, 128, 60, 108, 5)],
    ['unfold 40 ch 7x7/3, 12 frames (dense->grouped)', () => unfold(12, 40, 60, 108, 6)],
  ];
  for (const [name, make] of cases) {
    const { build, feeds } = make(); // one case's inputs in memory at a time
    await compare(name, build, feeds, results);
  }
  return results;
}

if (process.argv[1]?.endsWith(path.join('bench', 'operators.ts'))) {
  benchOperators().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
