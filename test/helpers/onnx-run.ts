/** Runs small ONNX graphs built with GraphBuilder on onnxruntime's CPU provider, for operator tests. */
import * as ort from 'onnxruntime-node';
import type { GraphBuilder } from '../../main/models/builder/onnx-graph';
import { rng } from './random';

export interface FloatTensor {
  data: Float32Array;
  dims: number[];
}

export const OPSET = 19;

export async function runModel(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, opts: { optimize?: boolean } = {}): Promise<Record<string, FloatTensor>> {
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: opts.optimize === false ? 'disabled' : 'all',
  });
  try {
    const out = await session.run(feeds);
    const result: Record<string, FloatTensor> = {};
    for (const [name, t] of Object.entries(out)) result[name] = { data: t.data as Float32Array, dims: [...t.dims] };
    return result;
  } finally {
    await session.release();
  }
}

export async function runGraph(g: GraphBuilder, feeds: Record<string, ort.Tensor>, opts: { optimize?: boolean } = {}): Promise<Record<string, FloatTensor>> {
  return runModel(g.toBytes({ opset: OPSET }), feeds, opts);
}

export function floatInput(t: FloatTensor): ort.Tensor {
  return new ort.Tensor('float32', t.data, t.dims);
}

/** Uniform values in [lo, hi) from a seeded generator. */
export function uniform(dims: number[], seed: number, lo = -1, hi = 1): FloatTensor {
  const random = rng(seed);
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * random();
  return { data, dims };
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} differs from ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** PSNR in dB of `test` against `reference` for a signal of peak-to-peak range `range`. */
export function psnr(reference: ArrayLike<number>, test: ArrayLike<number>, range: number): number {
  let se = 0;
  for (let i = 0; i < reference.length; i++) se += (reference[i]! - test[i]!) ** 2;
  const mse = se / reference.length;
  return mse === 0 ? Infinity : 10 * Math.log10((range * range) / mse);
}

/** Sizes of the contract's shape symbols for test runs (H, W multiples of 8). */
export interface ContractSizes {
  H: number;
  W: number;
  N?: number;
  B?: number;
  T?: number;
  L?: number;
}

/**
 * Seeded inputs for a contract graph: images and features in [-1, 1], flows within ±3 px, masks 0/1,
 * has_previous true, a few RAFT iterations.
 */
export function contractFeeds(
  inputs: readonly { name: string; type: string; shape: readonly (number | string)[] }[],
  sizes: ContractSizes,
  seed: number,
): Record<string, ort.Tensor> {
  const symbols: Record<string, number> = {
    N: sizes.N ?? 1,
    B: sizes.B ?? 1,
    T: sizes.T ?? 3,
    L: sizes.L ?? 2,
    H: sizes.H,
    W: sizes.W,
    h4: sizes.H / 4,
    w4: sizes.W / 4,
    h8: sizes.H / 8,
    w8: sizes.W / 8,
  };
  const feeds: Record<string, ort.Tensor> = {};
  inputs.forEach((spec, i) => {
    const dims = spec.shape.map((d) => (typeof d === 'number' ? d : symbols[d]!));
    if (spec.type === 'bool') feeds[spec.name] = new ort.Tensor('bool', new Uint8Array(dims.reduce((a, b) => a * b, 1)).fill(1), dims);
    else if (spec.type === 'int64') feeds[spec.name] = new ort.Tensor('int64', BigInt64Array.from([3n]), dims);
    else {
      const isMask = /mask/.test(spec.name);
      const t = uniform(dims, seed + i, isMask ? 0 : spec.name.includes('flow') ? -3 : -1, isMask ? 1 : spec.name.includes('flow') ? 3 : 1);
      if (isMask) t.data.forEach((v, j) => (t.data[j] = v > 0.7 ? 1 : 0));
      feeds[spec.name] = new ort.Tensor('float32', t.data, dims);
    }
  });
  return feeds;
}
