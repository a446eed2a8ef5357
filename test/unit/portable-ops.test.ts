// The exact rewrites of DeformConv, Col2Im and unfold (main/models/builder/portable-ops.ts) against
// onnxruntime's native operators and plain TypeScript references, on random inputs with the border
// cases that matter: offsets far outside the image, fractional offsets, several offset groups,
// non-square kernels, strides and paddings, token grids that do not tile the image evenly.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../main/models/builder/onnx-graph';
import { col2ImByConvTranspose, deformConvBySampling, unfoldByConv } from '../../main/models/builder/portable-ops';
import { floatInput, maxAbs, maxAbsDiff, runGraph, runModel, uniform, type FloatTensor } from '../helpers/onnx-run';
import { deformConv2dReference, foldReference, unfoldReference, type DeformParams } from '../helpers/reference-ops';
import { rng } from '../helpers/random';
import * as ort from 'onnxruntime-node';

/** float32 rounding of sums of a few hundred products of values up to ~10: far below 1e-4 relative. */
const TOLERANCE = 1e-4;
const close = (a: FloatTensor, b: FloatTensor) => {
  expect(a.dims).toEqual(b.dims);
  expect(maxAbsDiff(a.data, b.data)).toBeLessThanOrEqual(TOLERANCE * Math.max(1, maxAbs(b.data)));
};

interface DeformCase {
  name: string;
  n: number;
  c: number;
  cout: number;
  h: number;
  w: number;
  kernel: [number, number];
  p: DeformParams;
  /** Offsets uniform in ±spread pixels (plus a few pushed far outside the image). */
  spread: number;
}

const deformCases: DeformCase[] = [
  {
    name: "ProPainter's 3x3 pad 1, 16 offset groups",
    n: 1,
    c: 32,
    cout: 16,
    h: 9,
    w: 13,
    kernel: [3, 3],
    p: { stride: [1, 1], padding: [1, 1], dilation: [1, 1], offsetGroups: 16, groups: 1 },
    spread: 4,
  },
  {
    name: 'non-square kernel, stride, padding and dilation, 2 conv groups',
    n: 2,
    c: 8,
    cout: 6,
    h: 7,
    w: 10,
    kernel: [3, 2],
    p: { stride: [2, 1], padding: [1, 0], dilation: [1, 2], offsetGroups: 4, groups: 2 },
    spread: 2.5,
  },
  {
    name: 'one offset group, offsets mostly outside',
    n: 1,
    c: 4,
    cout: 3,
    h: 5,
    w: 6,
    kernel: [3, 3],
    p: { stride: [1, 1], padding: [1, 1], dilation: [1, 1], offsetGroups: 1, groups: 1 },
    spread: 9,
  },
  {
    name: 'one-pixel-wide image',
    n: 1,
    c: 2,
    cout: 2,
    h: 6,
    w: 1,
    kernel: [3, 3],
    p: { stride: [1, 1], padding: [1, 1], dilation: [1, 1], offsetGroups: 2, groups: 1 },
    spread: 1.5,
  },
];

function deformInputs(t: DeformCase, seed: number) {
  const [kh, kw] = t.kernel;
  const K = kh * kw;
  const ho = Math.floor((t.h + 2 * t.p.padding[0] - t.p.dilation[0] * (kh - 1) - 1) / t.p.stride[0]) + 1;
  const wo = Math.floor((t.w + 2 * t.p.padding[1] - t.p.dilation[1] * (kw - 1) - 1) / t.p.stride[1]) + 1;
  const x = uniform([t.n, t.c, t.h, t.w], seed, -3, 3);
  const offset = uniform([t.n, 2 * t.p.offsetGroups * K, ho, wo], seed + 1, -t.spread, t.spread);
  // Border cases: whole-pixel offsets (bilinear weights exactly 0/1), offsets landing exactly on -1
  // and on the last row/column, and offsets far outside.
  const random = rng(seed + 2);
  for (let i = 0; i < offset.data.length; i += 7) {
    const r = random();
    offset.data[i] = r < 0.25 ? Math.round(offset.data[i]!) : r < 0.5 ? -(t.h + t.w) : r < 0.75 ? 25.5 : -1 - Math.floor(random() * 3);
  }
  const mask = uniform([t.n, t.p.offsetGroups * K, ho, wo], seed + 3, 0, 1);
  const weight = uniform([t.cout, t.c / t.p.groups, kh, kw], seed + 4, -0.5, 0.5);
  const bias = uniform([t.cout], seed + 5).data;
  return { x, offset, mask, weight, bias };
}

function deformGraph(t: DeformCase, inputs: ReturnType<typeof deformInputs>, rewritten: boolean): GraphBuilder {
  const g = GraphBuilder.create('deform', 1);
  const x = g.input({ name: 'x', type: 'float32', shape: ['N', t.c, 'H', 'W'] });
  const offset = g.input({ name: 'offset', type: 'float32', shape: ['N', 'O', 'Ho', 'Wo'] });
  const mask = g.input({ name: 'mask', type: 'float32', shape: ['N', 'M', 'Ho', 'Wo'] });
  const geometry = { kernel: t.kernel, stride: t.p.stride, padding: t.p.padding, dilation: t.p.dilation, offsetGroups: t.p.offsetGroups, groups: t.p.groups };
  const y = rewritten
    ? deformConvBySampling(g, x, offset, mask, { value: g.tensor(inputs.weight.data, inputs.weight.dims), shape: inputs.weight.dims }, g.tensor(inputs.bias, [t.cout]), geometry)
    : g.op('DeformConv', [x, g.tensor(inputs.weight.data, inputs.weight.dims), offset, g.tensor(inputs.bias, [t.cout]), mask], {
        kernel_shape: t.kernel,
        strides: t.p.stride,
        pads: [t.p.padding[0], t.p.padding[1], t.p.padding[0], t.p.padding[1]],
        dilations: t.p.dilation,
        group: t.p.groups,
        offset_group: t.p.offsetGroups,
      });
  g.output({ name: 'y', type: 'float32', shape: ['N', t.cout, 'Ho', 'Wo'] }, y);
  return g;
}

describe('deformable convolution as GridSample + 1x1 Conv', () => {
  it.each(deformCases.map((c, i) => [c.name, c, i] as const))('%s: equals onnxruntime DeformConv and the torchvision reference', async (_name, t, i) => {
    const inputs = deformInputs(t, 100 * (i + 1));
    const feeds = { x: floatInput(inputs.x), offset: floatInput(inputs.offset), mask: floatInput(inputs.mask) };
    const reference = deformConv2dReference(inputs.x, inputs.offset, inputs.mask, inputs.weight, inputs.bias, t.p);
    const native = (await runGraph(deformGraph(t, inputs, false), feeds)).y!;
    const rewritten = (await runGraph(deformGraph(t, inputs, true), feeds)).y!;
    close(native, reference); // the reference is right about onnxruntime's operator ...
    close(rewritten, reference); // ... and the rewrite computes the same
    close(rewritten, native);
  });

  it('stays dynamic in H and W: one graph, two sizes', async () => {
    const t = deformCases[0]!;
    const first = deformInputs(t, 7);
    const bytes = deformGraph(t, first, true).toBytes({ opset: 19 });
    for (const [h, w, seed] of [
      [9, 13, 7],
      [6, 17, 8],
    ] as const) {
      const inputs = { ...deformInputs({ ...t, h, w }, seed), weight: first.weight, bias: first.bias };
      const reference = deformConv2dReference(inputs.x, inputs.offset, inputs.mask, inputs.weight, inputs.bias, t.p);
      close((await runModel(bytes, { x: floatInput(inputs.x), offset: floatInput(inputs.offset), mask: floatInput(inputs.mask) })).y!, reference);
    }
  });
});

interface FoldCase {
  name: string;
  n: number;
  c: number;
  size: [number, number];
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}

const foldCases: FoldCase[] = [
  // ProPainter's soft composition: kernel 7, stride 3, padding 3; (20 + 6 - 7) / 3 is not whole.
  { name: 'kernel 7 stride 3 pad 3 on a grid that does not tile (20x23)', n: 2, c: 3, size: [20, 23], kernel: [7, 7], stride: [3, 3], padding: [3, 3] },
  { name: 'kernel 7 stride 3 pad 3 on a grid that tiles (15x18)', n: 1, c: 4, size: [15, 18], kernel: [7, 7], stride: [3, 3], padding: [3, 3] },
  { name: 'non-square kernel, stride and padding', n: 1, c: 2, size: [9, 8], kernel: [3, 2], stride: [2, 1], padding: [1, 0] },
  { name: 'padding smaller than stride - 1: uncovered rows and columns at the end', n: 1, c: 2, size: [11, 13], kernel: [4, 4], stride: [3, 3], padding: [0, 0] },
];

const blocks = (t: FoldCase) => [0, 1].map((a) => Math.floor((t.size[a]! + 2 * t.padding[a]! - t.kernel[a]!) / t.stride[a]!) + 1) as [number, number];

function foldGraph(t: FoldCase, rewritten: boolean): GraphBuilder {
  const g = GraphBuilder.create('fold', 1);
  const x = g.input({ name: 'x', type: 'float32', shape: ['N', t.c * t.kernel[0] * t.kernel[1], 'L'] });
  const size = g.input({ name: 'size', type: 'int64', shape: [2] });
  const y = rewritten
    ? col2ImByConvTranspose(g, x, size, t.kernel, t.stride, t.padding)
    : g.op('Col2Im', [x, size, g.constI(t.kernel)], { strides: t.stride, pads: [t.padding[0], t.padding[1], t.padding[0], t.padding[1]] });
  g.output({ name: 'y', type: 'float32', shape: ['N', t.c, 'H', 'W'] }, y);
  return g;
}

describe('fold (Col2Im) as ConvTranspose with a one-hot kernel', () => {
  it.each(foldCases.map((c, i) => [c.name, c, i] as const))('%s: equals onnxruntime Col2Im and the torch reference', async (_name, t, i) => {
    const [lh, lw] = blocks(t);
    const x = uniform([t.n, t.c * t.kernel[0] * t.kernel[1], lh * lw], 300 + i, -2, 2);
    const feeds = { x: floatInput(x), size: new ort.Tensor('int64', BigInt64Array.from(t.size.map(BigInt)), [2]) };
    const reference = foldReference(x, t.size, t.kernel, t.stride, t.padding);
    const native = (await runGraph(foldGraph(t, false), feeds)).y!;
    const rewritten = (await runGraph(foldGraph(t, true), feeds)).y!;
    close(native, reference);
    close(rewritten, reference);
    close(rewritten, native);
  });
});

describe('unfold as a grouped one-hot convolution', () => {
  it.each(foldCases.map((c, i) => [c.name, c, i] as const))('%s: equals the torch reference and inverts fold on ones', async (_name, t, i) => {
    const x = uniform([t.n, t.c, ...t.size], 400 + i, -2, 2);
    const g = GraphBuilder.create('unfold', 1);
    const input = g.input({ name: 'x', type: 'float32', shape: ['N', t.c, 'H', 'W'] });
    g.output({ name: 'y', type: 'float32', shape: ['N', t.c * t.kernel[0] * t.kernel[1], 'L'] }, unfoldByConv(g, input, t.c, t.kernel, t.stride, t.padding));
    const got = (await runGraph(g, { x: floatInput(x) })).y!;
    const reference = unfoldReference(x, t.kernel, t.stride, t.padding);
    expect(got.dims).toEqual(reference.dims);
    expect(maxAbsDiff(got.data, reference.data)).toBe(0); // a one-hot kernel copies values exactly
  });
});
