// The fp16 conversion (main/models/builder/precision.ts) on small graphs built with GraphBuilder and
// the torch layers: the converted files load and run on onnxruntime's CPU provider, keep float32
// inputs and outputs, store weights in float16 (about half the bytes), keep Resize scales and
// every float32-only operator in float32 with consistent casts, leave no cancelling Cast pairs, and
// compute what the fp32 graph computes to within float16 precision.
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { fromHalfBits } from '../../main/models/builder/half';
import { conv, deformConv, fold, layerNorm, leakyRelu, linear, resizeBilinear, unfold } from '../../main/models/builder/layers';
import { GraphBuilder } from '../../main/models/builder/onnx-graph';
import { convertToFp16, emulateFp16, KEEP_FP32, type Fp16Report } from '../../main/models/builder/precision';
import type { StateDict, WeightTensor } from '../../main/models/builder/weights';
import { floatInput, maxAbs, maxAbsDiff, OPSET, psnr, runModel, uniform, type FloatTensor } from '../helpers/onnx-run';

const DT = onnx.TensorProto.DataType;

/** A state dict of variance-preserving random weights for the given tensors. */
function stateDict(shapes: Record<string, number[]>, seed: number): StateDict {
  const sd = new Map<string, WeightTensor>();
  Object.entries(shapes).forEach(([key, shape], i) => {
    const fanIn = shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    const isNormWeight = key.endsWith('.weight') && shape.length === 1;
    const t = uniform(shape, seed + i, -1, 1);
    const scale = key.endsWith('.bias') ? 0.05 : isNormWeight ? 0.1 : Math.sqrt(3 / fanIn);
    const data = t.data.map((v) => (isNormWeight ? 1 + v * scale : v * scale));
    sd.set(key, { shape, data });
  });
  return sd;
}

interface Case {
  name: string;
  build: () => GraphBuilder;
  feeds: () => Record<string, ort.Tensor>;
  /** Peak-to-peak range of the output, for PSNR. */
  range: number;
  minPsnr: number;
}

const tensor = (t: FloatTensor) => floatInput(t);

const cases: Case[] = [
  {
    name: 'conv + leaky relu + bilinear resize (align_corners) + tanh',
    build() {
      const sd = stateDict({ 'a.weight': [32, 3, 3, 3], 'a.bias': [32], 'b.weight': [32, 32, 3, 3], 'b.bias': [32], 'c.weight': [3, 32, 3, 3], 'c.bias': [3] }, 1);
      const g = GraphBuilder.create('convs', 1);
      const x = g.input({ name: 'x', type: 'float32', shape: ['N', 3, 'H', 'W'] });
      const h = leakyRelu(g, conv(g, sd, 'b', leakyRelu(g, conv(g, sd, 'a', x, { padding: 1 }), 0.2), { padding: 1, stride: 2 }), 0.2);
      const y = g.op('Tanh', [conv(g, sd, 'c', resizeBilinear(g, h, 2, true), { padding: 1 })]);
      g.output({ name: 'y', type: 'float32', shape: ['N', 3, 'H', 'W'] }, y);
      return g;
    },
    feeds: () => ({ x: tensor(uniform([2, 3, 24, 40], 11)) }),
    range: 2,
    minPsnr: 50,
  },
  {
    name: 'attention block: layer norm, linear q/k/v, softmax, GELU feed-forward',
    build() {
      const D = 64;
      const sd = stateDict(
        {
          'n1.weight': [D],
          'n1.bias': [D],
          'q.weight': [D, D],
          'q.bias': [D],
          'k.weight': [D, D],
          'k.bias': [D],
          'v.weight': [D, D],
          'v.bias': [D],
          'o.weight': [D, D],
          'o.bias': [D],
          'n2.weight': [D],
          'n2.bias': [D],
          'f1.weight': [4 * D, D],
          'f1.bias': [4 * D],
          'f2.weight': [D, 4 * D],
          'f2.bias': [D],
        },
        2,
      );
      const g = GraphBuilder.create('attention', 2);
      const x = g.input({ name: 'x', type: 'float32', shape: [1, 'L', D] });
      const xn = layerNorm(g, sd, 'n1', x);
      const scores = g.scale(g.op('MatMul', [linear(g, sd, 'q', xn), g.op('Transpose', [linear(g, sd, 'k', xn)], { perm: [0, 2, 1] })]), 1 / Math.sqrt(D));
      const attended = linear(g, sd, 'o', g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), linear(g, sd, 'v', xn)]));
      const y = g.op('Add', [x, attended]);
      const hidden = linear(g, sd, 'f1', layerNorm(g, sd, 'n2', y));
      const gelu = g.op('Mul', [g.scale(hidden, 0.5), g.op('Add', [g.op('Erf', [g.scale(hidden, Math.SQRT1_2)]), g.constF([1], [])])]);
      g.output({ name: 'y', type: 'float32', shape: [1, 'L', D] }, g.op('Add', [y, linear(g, sd, 'f2', gelu)]));
      return g;
    },
    feeds: () => ({ x: tensor(uniform([1, 300, 64], 12, -2, 2)) }),
    range: 8,
    minPsnr: 45,
  },
  {
    name: 'flow warp with GridSample, consistency check, conv',
    build() {
      const sd = stateDict({ 'c.weight': [64, 65, 3, 3], 'c.bias': [64] }, 3);
      const g = GraphBuilder.create('warp', 3);
      const feat = g.input({ name: 'feat', type: 'float32', shape: ['N', 64, 'H', 'W'] });
      const flow = g.input({ name: 'flow', type: 'float32', shape: ['N', 2, 'H', 'W'] });
      const back = g.input({ name: 'back', type: 'float32', shape: ['N', 2, 'H', 'W'] });
      const grid = g.flowGrid(flow);
      const warped = g.op('GridSample', [feat, grid], { mode: 'bilinear', padding_mode: 'zeros', align_corners: 1 });
      const backWarped = g.op('GridSample', [back, grid], { mode: 'bilinear', padding_mode: 'zeros', align_corners: 1 });
      const sq = (t: string) => g.op('ReduceSum', [g.op('Mul', [t, t]), g.constI([1])], { keepdims: 1 });
      const diff = sq(g.op('Add', [flow, backWarped]));
      const valid = g.op('Cast', [g.op('Less', [diff, g.op('Add', [g.scale(g.op('Add', [sq(flow), sq(backWarped)]), 0.01), g.constF([0.5], [])])])], { to: 1 });
      g.output({ name: 'y', type: 'float32', shape: ['N', 64, 'H', 'W'] }, conv(g, sd, 'c', g.concat([warped, valid], 1), { padding: 1 }));
      return g;
    },
    feeds: () => ({ feat: tensor(uniform([1, 64, 30, 54], 13)), flow: tensor(uniform([1, 2, 30, 54], 14, -6, 6)), back: tensor(uniform([1, 2, 30, 54], 15, -6, 6)) }),
    range: 4,
    minPsnr: 45,
  },
  {
    name: 'modulated deformable convolution with flow-guided offsets (ProPainter geometry)',
    build() {
      const sd = stateDict({ 'off.weight': [27 * 4, 16, 3, 3], 'off.bias': [27 * 4], 'd.weight': [16, 16, 3, 3], 'd.bias': [16] }, 4);
      const g = GraphBuilder.create('deform', 4);
      const feat = g.input({ name: 'feat', type: 'float32', shape: ['N', 16, 'H', 'W'] });
      const flow = g.input({ name: 'flow', type: 'float32', shape: ['N', 2, 'H', 'W'] });
      const out = conv(g, sd, 'off', feat, { padding: 1 });
      const o12 = g.op('Slice', [out, g.constI([0]), g.constI([72]), g.constI([1])]);
      const m = g.op('Sigmoid', [g.op('Slice', [out, g.constI([72]), g.constI([108]), g.constI([1])])]);
      const offset = g.op('Add', [g.scale(g.op('Tanh', [o12]), 3), g.op('Tile', [g.op('Gather', [flow, g.constI([1, 0])], { axis: 1 }), g.constI([1, 36, 1, 1])])]);
      g.output({ name: 'y', type: 'float32', shape: ['N', 16, 'H', 'W'] }, deformConv(g, sd, 'd', feat, offset, m, { padding: 1, offsetGroups: 4 }));
      return g;
    },
    feeds: () => ({ feat: tensor(uniform([1, 16, 30, 54], 16)), flow: tensor(uniform([1, 2, 30, 54], 17, -5, 5)) }),
    range: 4,
    minPsnr: 45,
  },
  {
    name: 'fold (Col2Im) normalised by a fold of ones, then unfold',
    build() {
      const sd = stateDict({ 'c.weight': [4 * 49, 8, 1, 1], 'c.bias': [4 * 49] }, 5);
      const g = GraphBuilder.create('fold', 5);
      const tokens = g.input({ name: 'tokens', type: 'float32', shape: ['N', 8, 'h', 'w'] });
      const size = g.input({ name: 'size', type: 'int64', shape: [2] });
      const cols = g.reshape(conv(g, sd, 'c', tokens), [g.dims(tokens, [0]), g.constI([4 * 49, -1])]);
      const ones = g.op('ConstantOfShape', [g.op('Shape', [cols])], { value: { tensor: { dims: [1], dataType: 1, floatData: [1] } } });
      const averaged = g.op('Div', [fold(g, cols, size, [7, 7], [3, 3], [3, 3]), fold(g, ones, size, [7, 7], [3, 3], [3, 3])]);
      g.output({ name: 'y', type: 'float32', shape: ['N', 196, 'L'] }, unfold(g, averaged, 4, [7, 7], [3, 3], [3, 3]));
      return g;
    },
    feeds: () => ({ tokens: tensor(uniform([2, 8, 10, 18], 18)), size: new ort.Tensor('int64', BigInt64Array.from([30n, 54n]), [2]) }),
    range: 2,
    minPsnr: 50,
  },
];

function decode(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** The element type every value of a converted graph has (inputs, initializers, Cast outputs, and the rest by their first input). */
function castTargets(graph: onnx.IGraphProto): Map<string, number> {
  const m = new Map<string, number>();
  for (const n of graph.node!) if (n.opType === 'Cast') m.set(n.output![0]!, Number(n.attribute!.find((a) => a.name === 'to')!.i));
  return m;
}

describe('fp16 conversion', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const g = c.build();
    const fp32Bytes = g.toBytes({ opset: OPSET });
    const fp16Bytes = g.toBytes({ opset: OPSET, precision: 'fp16' });
    const model = decode(fp16Bytes);
    const graph = model.graph!;

    // Inputs and outputs stay float32 (and int64 where they were).
    const before = decode(fp32Bytes).graph!;
    expect(graph.input!.map((v) => v.type!.tensorType!.elemType)).toEqual(before.input!.map((v) => v.type!.tensorType!.elemType));
    expect(graph.output!.map((v) => v.type!.tensorType!.elemType)).toEqual(before.output!.map((v) => v.type!.tensorType!.elemType));

    // Weights are float16: the file is about half the size.
    const bigFloats = graph.initializer!.filter((t) => (t.dims as number[]).reduce((a, b) => a * b, 1) > 16);
    expect(bigFloats.every((t) => t.dataType === DT.FLOAT16 || t.dataType === DT.INT64)).toBe(true);
    expect(fp16Bytes.length / fp32Bytes.length).toBeLessThan(0.6);

    // Resize scales stay float32; float32-only operators read float32; no Cast undoes another.
    const inits = new Map(graph.initializer!.map((t) => [t.name!, t]));
    const casts = castTargets(graph);
    const producer = new Map(graph.node!.flatMap((n) => n.output!.map((o) => [o, n] as const)));
    for (const n of graph.node!) {
      if (n.opType === 'Resize') expect(inits.get(n.input![2]!)!.dataType).toBe(DT.FLOAT);
      if (KEEP_FP32.has(n.opType!))
        for (const v of n.input!) {
          if (!v) continue;
          const t = inits.get(v)?.dataType ?? casts.get(v) ?? (graph.input!.find((i) => i.name === v)?.type!.tensorType!.elemType as number | undefined);
          if (t !== undefined && t !== DT.INT64) expect(t, `${n.opType} input ${v}`).toBe(DT.FLOAT);
        }
      if (n.opType === 'Cast') {
        const src = producer.get(n.input![0]!);
        if (src?.opType === 'Cast') {
          const first = casts.get(src.output![0]!);
          const from = inits.get(src.input![0]!)?.dataType;
          expect(first === DT.FLOAT16 && casts.get(n.output![0]!) === DT.FLOAT && from === DT.FLOAT, `${src.input![0]} cast twice`).toBe(false);
          expect(first, `Cast of a Cast: ${n.output![0]}`).not.toBe(casts.get(n.output![0]!));
        }
      }
    }

    // Same results within float16 precision: the fp16 file on the CPU provider (float16 weights;
    // the provider computes in float32), and float16 arithmetic emulated (every float16 value rounded).
    const feeds = c.feeds();
    const want = await runModel(fp32Bytes, feeds);
    const got = await runModel(fp16Bytes, feeds);
    const emulated = await runModel(onnx.ModelProto.encode(emulateFp16(model)).finish(), feeds);
    for (const name of Object.keys(want)) {
      expect(got[name]!.dims).toEqual(want[name]!.dims);
      const p = psnr(want[name]!.data, got[name]!.data, c.range);
      const pe = psnr(want[name]!.data, emulated[name]!.data, c.range);
      const rel = (t: FloatTensor) => maxAbsDiff(want[name]!.data, t.data) / maxAbs(want[name]!.data);
      console.log(
        `fp16 ${c.name}: file ${(fp16Bytes.length / fp32Bytes.length).toFixed(3)} of fp32; CPU provider PSNR ${p.toFixed(1)} dB (max rel ${rel(got[name]!).toExponential(1)}); float16 arithmetic PSNR ${pe.toFixed(1)} dB (max rel ${rel(emulated[name]!).toExponential(1)})`,
      );
      expect(p).toBeGreaterThan(c.minPsnr);
      expect(pe).toBeGreaterThan(c.minPsnr);
      expect(pe).toBeLessThan(p); // the emulation rounds more than the weights alone
    }
  });

  it('computes the float16 parts in float16: the result differs from fp32 by float16 rounding, not zero', async () => {
    const c = cases[1]!;
    const feeds = c.feeds();
    const want = (await runModel(c.build().toBytes({ opset: OPSET }), feeds)).y!;
    const got = (await runModel(c.build().toBytes({ opset: OPSET, precision: 'fp16' }), feeds)).y!;
    expect(maxAbsDiff(want.data, got.data)).toBeGreaterThan(1e-4);
  });

  it('reports what stayed float32 and why: float32-only operators and the arithmetic feeding them', () => {
    const report = {} as Fp16Report;
    convertToFp16(cases[2]!.build().modelProto({ opset: OPSET }), report);
    expect(report.fp32Nodes.GridSample).toBe(2);
    expect(report.fp32Nodes.Less).toBe(1);
    expect(report.fp32Nodes.Conv).toBeUndefined(); // the conv after the warp computes in float16
    expect(report.fp16Nodes).toBeGreaterThan(0);
  });

  it('keeps GridSample in float32 because float16 sampling coordinates blur a warp (evidence for KEEP_FP32)', async () => {
    // A 1280x720 frame's generator features are 320x180; a smooth texture warped by a smooth flow.
    const [h, w] = [180, 320];
    const feat = new Float32Array(16 * h * w);
    for (let c = 0; c < 16; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) feat[(c * h + y) * w + x] = Math.sin(x * (0.3 + c * 0.05)) * Math.cos(y * 0.21 + c);
    const flow = new Float32Array(2 * h * w);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        flow[y * w + x] = 7.3 * Math.sin(y / 40);
        flow[h * w + y * w + x] = -4.1 * Math.cos(x / 55);
      }
    const g = GraphBuilder.create('warp', 1);
    const f = g.input({ name: 'feat', type: 'float32', shape: [1, 16, 'H', 'W'] });
    const fl = g.input({ name: 'flow', type: 'float32', shape: [1, 2, 'H', 'W'] });
    g.output(
      { name: 'y', type: 'float32', shape: [1, 16, 'H', 'W'] },
      g.op('GridSample', [g.scale(f, 1), g.flowGrid(fl)], { mode: 'bilinear', padding_mode: 'zeros', align_corners: 1 }),
    );
    const feeds = { feat: new ort.Tensor('float32', feat, [1, 16, h, w]), flow: new ort.Tensor('float32', flow, [1, 2, h, w]) };
    const want = (await runModel(g.toBytes({ opset: OPSET }), feeds)).y!;
    const emulated = async (keepFp32: ReadonlySet<string>) =>
      (await runModel(onnx.ModelProto.encode(emulateFp16(convertToFp16(g.modelProto({ opset: OPSET }), undefined, { keepFp32 }))).finish(), feeds)).y!;
    const kept = psnr(want.data, (await emulated(KEEP_FP32)).data, 2);
    const half = psnr(want.data, (await emulated(new Set(['DeformConv', 'Col2Im']))).data, 2);
    console.log(`warp at ${w}x${h}: GridSample and its coordinates in float32 ${kept.toFixed(1)} dB, in float16 ${half.toFixed(1)} dB`);
    expect(kept - half).toBeGreaterThan(10);
  });

  it('LayerNormalization and Softmax in float16 cost little (why they are not in KEEP_FP32)', async () => {
    const c = cases[1]!;
    const feeds = c.feeds();
    const g = c.build();
    const want = (await runModel(g.toBytes({ opset: OPSET }), feeds)).y!;
    const emulated = async (keepFp32: ReadonlySet<string>) =>
      psnr(
        want.data,
        (await runModel(onnx.ModelProto.encode(emulateFp16(convertToFp16(g.modelProto({ opset: OPSET }), undefined, { keepFp32 }))).finish(), feeds)).y!.data,
        c.range,
      );
    const fp16Norms = await emulated(KEEP_FP32);
    const fp32Norms = await emulated(new Set([...KEEP_FP32, 'LayerNormalization', 'Softmax']));
    console.log(`attention block: layer norm + softmax in float16 ${fp16Norms.toFixed(1)} dB, in float32 ${fp32Norms.toFixed(1)} dB`);
    expect(fp32Norms - fp16Norms).toBeLessThan(3);
  });

  it('refuses graphs with a Loop in one line (raft stays fp32)', () => {
    const g = GraphBuilder.create('loop', 1);
    const n = g.input({ name: 'n', type: 'int64', shape: [] });
    const x = g.input({ name: 'x', type: 'float32', shape: [2] });
    const body = g.subgraph('body');
    body.input({ name: 'i', type: 'int64', shape: [] });
    body.input({ name: 'c', type: 'bool', shape: [] });
    const v = body.input({ name: 'v', type: 'float32', shape: [2] });
    body.output({ name: 'c_out', type: 'bool', shape: [] }, 'c');
    body.output({ name: 'v_out', type: 'float32', shape: [2] }, body.scale(v, 2));
    g.output({ name: 'y', type: 'float32', shape: [2] }, g.op('Loop', [n, '', x], { body: { graph: body.graphProto() } }));
    expect(() => g.toBytes({ opset: OPSET, precision: 'fp16' })).toThrow('fp16 conversion: graph loop has a Loop (subgraphs stay fp32, as the contract keeps raft)');
  });

  it('clamps float constants beyond float16 range instead of making them infinite', () => {
    const g = GraphBuilder.create('mask', 1);
    const x = g.input({ name: 'x', type: 'float32', shape: [3] });
    g.output({ name: 'y', type: 'float32', shape: [3] }, g.op('Add', [x, g.constF([-1e9, 0, 1e9])]));
    const graph = decode(g.toBytes({ opset: OPSET, precision: 'fp16' })).graph!;
    const t = graph.initializer!.find((i) => i.dataType === DT.FLOAT16)!;
    const bits = new Uint16Array(new Uint8Array(t.rawData!).buffer);
    expect(Array.from(bits, fromHalfBits)).toEqual([-65504, 0, 65504]);
  });
});
