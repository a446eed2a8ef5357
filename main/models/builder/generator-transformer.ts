/**
 * pp_transformer: SoftSplit, the 8 TemporalSparseTransformer blocks and SoftComp of
 * InpaintGenerator (upstream model/modules/sparse_transformer.py), for one window of T frames whose
 * first L are local, with every size (T, L, h4, w4, the token grid and its window padding) computed
 * in the graph.
 *
 * Exact rewrites of upstream's formulation, chosen for speed (the transformer dominates the run
 * time):
 * - SoftSplit (unfold 7x7/3 + Linear) is one strided Conv with the Linear's weights.
 * - fold(Linear(x)) (SoftComp, and the feed-forward's fc1 + fold) is a ConvTranspose with the
 *   Linear's weights, cropped, plus the fold of the bias (a ConvTranspose of ones, once per run);
 *   no Col2Im. The feed-forward's fold-of-ones normaliser is computed once per run.
 * - The feed-forward's unfold is a Gather of a zero-padded channels-last map (pure data movement),
 *   with fc2's input columns permuted to the gathered order.
 * - Attention (SparseWindowAttention): per window, the window's own keys and its rolled keys are
 *   gathered with one index map (from valid_ind_rolled), the pooled keys are shared by all windows;
 *   the "masked window" attention (queries of all frames against the keys of frames T_ind) and the
 *   "unmasked window" attention (within window and frame) are both computed for every window and
 *   Where picks per window (no NonZero, no branch: models/README.md, pp_transformer).
 * - The last block computes queries, the feed-forward and SoftComp for the L local frames only
 *   (the reference frames' outputs are discarded by the contract); keys use all frames.
 * - 1/sqrt(head channels) is folded into the query weights.
 */
import { PP_CHANNELS } from '../contract';
import { contractGraph, finishContractGraph } from './contract-graph';
import { conv, layerNorm } from './layers';
import type { GraphBuilder } from './onnx-graph';
import { floatTensor, type ProPainterWeights, type StateDict } from './weights';

const HIDDEN = 512;
const HEADS = 4;
const HEAD_CHANNELS = HIDDEN / HEADS;
const WINDOW: [number, number] = [5, 9];
const WINDOW_TOKENS = WINDOW[0] * WINDOW[1];
const POOL = 4;
/** Soft split / composition and the feed-forward's fold: kernel 7, stride 3, padding 3. */
const KERNEL = 7;
const STRIDE = 3;
const PAD = 3;
const KERNEL_TAPS = KERNEL * KERNEL;
const FFN_CHANNELS = 1960 / KERNEL_TAPS; // 40
const BLOCKS = 8;
const T_DILATION = 2;
/** torch.roll shifts (dy, dx) of the rolled key copies: top-left, top-right, bottom-left, bottom-right. */
const EXPAND: [number, number] = [(WINDOW[0] + 1) >> 1, (WINDOW[1] + 1) >> 1];
const ROLL_SHIFTS: [number, number][] = [
  [-EXPAND[0], -EXPAND[1]],
  [-EXPAND[0], EXPAND[1]],
  [EXPAND[0], -EXPAND[1]],
  [EXPAND[0], EXPAND[1]],
];

/** Int64 arithmetic on shape values. */
class ShapeMath {
  constructor(private readonly g: GraphBuilder) {}
  add = (a: string, b: string | number) => this.g.op('Add', [a, this.v(b)]);
  sub = (a: string, b: string | number) => this.g.op('Sub', [a, this.v(b)]);
  mul = (a: string, b: string | number) => this.g.op('Mul', [a, this.v(b)]);
  /** Floor division of non-negative values. */
  div = (a: string, b: string | number) => this.g.op('Div', [a, this.v(b)]);
  /** 0-d scalar of a 1-element vector (Range wants scalars). */
  scalar = (a: string) => this.g.op('Squeeze', [a, this.g.constI([0])]);
  range = (start: string | number, end: string, step: number) =>
    this.g.op('Range', [typeof start === 'number' ? this.g.constI([start], []) : this.scalar(start), this.scalar(end), this.g.constI([step], [])]);
  private v = (b: string | number) => (typeof b === 'number' ? this.g.constI([b]) : b);
}

/** x @ W^T + b for a Linear at `prefix`, W^T scaled by `scale` (for the folded attention scale). */
function linearT(g: GraphBuilder, sd: StateDict, prefix: string, x: string, scale = 1, rowOrder?: (i: number) => number): string {
  const w = floatTensor(sd, `${prefix}.weight`);
  const b = floatTensor(sd, `${prefix}.bias`);
  const [out, inp] = w.shape as [number, number];
  const t = new Float32Array(out * inp);
  // t[r, o] = W[o, i] with input index i = rowOrder(r): lets the caller feed inputs in another order
  for (let r = 0; r < inp; r++) {
    const i = rowOrder ? rowOrder(r) : r;
    for (let o = 0; o < out; o++) t[r * out + o] = w.data[o * inp + i]! * scale;
  }
  const bias = scale === 1 ? b.data : b.data.map((v) => v * scale);
  return g.op('Add', [g.op('MatMul', [x, g.tensor(t, [inp, out])]), g.tensor(bias, [out])]);
}

/** A Linear(hidden -> C*7*7) weight as a ConvTranspose weight [hidden, C, 7, 7] (its transpose). */
function linearAsConvTransposeWeight(sd: StateDict, prefix: string): { weight: Float32Array; cout: number; bias: Float32Array } {
  const w = floatTensor(sd, `${prefix}.weight`);
  const b = floatTensor(sd, `${prefix}.bias`);
  const [out, inp] = w.shape as [number, number];
  const t = new Float32Array(out * inp);
  for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) t[i * out + o] = w.data[o * inp + i]!;
  return { weight: t, cout: out / KERNEL_TAPS, bias: b.data };
}

interface Sizes {
  /** 1-element int64 vectors */
  T: string;
  L: string;
  h4: string;
  w4: string;
  fh: string;
  fw: string;
  nwh: string;
  nww: string;
  nW: string;
  Hp: string;
  Wp: string;
  /** pooled tokens per frame: (Hp / 4) * (Wp / 4) */
  pooledTokens: string;
  /** [h4, w4] */
  foldSize: string;
  /** int64 [8]: Pad amounts that bring a [*, fh, fw, *] token map to [*, Hp, Wp, *] */
  windowPads: string;
  /** [1, 1, fh, fw] of ones, the input of the bias folds */
  onesGrid: string;
}

/**
 * F.fold(Linear(x)) for tokens x [N, hidden, fh, fw] (NCHW): the ConvTranspose of x with the
 * Linear's weight, cut to [h4, w4] (fold's padding removes 3 rows/columns in front, the end is
 * cropped), without the Linear's bias (foldBias adds it).
 */
function foldLinear(g: GraphBuilder, s: Sizes, x: string, weight: string, biasFold?: string): string {
  const full = g.op('ConvTranspose', [x, weight], { kernel_shape: [KERNEL, KERNEL], strides: [STRIDE, STRIDE], pads: [PAD, PAD, 0, 0] });
  const cropped = g.op('Slice', [full, g.constI([0, 0]), s.foldSize, g.constI([2, 3])]);
  return biasFold ? g.op('Add', [cropped, biasFold]) : cropped;
}

/** F.fold of a Linear's bias repeated over every token: [1, C, h4, w4], once per run. */
function foldBias(g: GraphBuilder, s: Sizes, bias: Float32Array, cout: number): string {
  return foldLinear(g, s, s.onesGrid, g.tensor(bias, [1, cout, KERNEL, KERNEL], 'bias_kernel'));
}

/**
 * Index maps of the attention, built once per run from the padded token grid [Hp, Wp]:
 * for every window, the flat positions of its 45 own tokens followed by its rolled tokens
 * (torch.roll(k, shift)[y, x] = k[(y - dy) mod Hp, (x - dx) mod Wp], for the entries of the
 * concatenated four rolled windows that valid_ind_rolled keeps). [nwh, nww, 45 + R].
 */
function windowKeyPositions(g: GraphBuilder, m: ShapeMath, s: Sizes, validRolled: BigInt64Array): string {
  const dy: number[] = [];
  const dx: number[] = [];
  for (let r = 0; r < WINDOW[0]; r++)
    for (let c = 0; c < WINDOW[1]; c++) {
      dy.push(r);
      dx.push(c);
    }
  for (const v of validRolled) {
    const n = Number(v);
    const [sy, sx] = ROLL_SHIFTS[Math.floor(n / WINDOW_TOKENS)]!;
    const within = n % WINDOW_TOKENS;
    dy.push(Math.floor(within / WINDOW[1]) - sy);
    dx.push((within % WINDOW[1]) - sx);
  }
  const k = dy.length;
  const wy = m.mul(m.range(0, s.nwh, 1), WINDOW[0]); // [nwh]
  const wx = m.mul(m.range(0, s.nww, 1), WINDOW[1]); // [nww]
  const ys = g.op('Mod', [g.op('Add', [g.reshape(wy, [g.constI([-1, 1, 1])]), g.constI(dy, [1, 1, k])]), s.Hp]);
  const xs = g.op('Mod', [g.op('Add', [g.reshape(wx, [g.constI([1, -1, 1])]), g.constI(dx, [1, 1, k])]), s.Wp]);
  return g.op('Add', [g.op('Mul', [ys, s.Wp]), xs]); // [nwh, nww, k]
}

/**
 * Index map of the feed-forward's unfold: for every token (i, j) and tap (ky, kx), the flat
 * position (3i + ky) * (w4 + 6) + 3j + kx in the map padded by 3 on every side. [fh * fw * 49].
 */
function unfoldPositions(g: GraphBuilder, m: ShapeMath, s: Sizes): string {
  const ky: number[] = [];
  const kx: number[] = [];
  for (let y = 0; y < KERNEL; y++)
    for (let x = 0; x < KERNEL; x++) {
      ky.push(y);
      kx.push(x);
    }
  const paddedW = m.add(s.w4, 2 * PAD);
  const rows = g.op('Add', [g.reshape(m.mul(m.range(0, s.fh, 1), STRIDE), [g.constI([-1, 1, 1])]), g.constI(ky, [1, 1, KERNEL_TAPS])]);
  const cols = g.op('Add', [g.reshape(m.mul(m.range(0, s.fw, 1), STRIDE), [g.constI([1, -1, 1])]), g.constI(kx, [1, 1, KERNEL_TAPS])]);
  return g.reshape(g.op('Add', [g.op('Mul', [rows, paddedW]), cols]), [g.constI([-1])]);
}

interface RunConstants {
  sizes: Sizes;
  m: ShapeMath;
  /** bool [nW, 1, 1, 1]: window has a hole in some local frame */
  windowMasked: string;
  /** per T_ind parity: frame indices [T'] and, for the gathered keys, flat token positions [T', nW * K] */
  frames: { indices: string; keyPositions: string }[];
  unfoldIndex: string;
  /** fold of ones [1, 1, h4, w4]: how many patches cover each position */
  normaliser: string;
}

function runConstants(g: GraphBuilder, sd: StateDict, tokensNchw: string, feat: string, localMasks: string): RunConstants {
  const m = new ShapeMath(g);
  const T = g.dims(feat, [0]);
  const L = g.dims(localMasks, [0]);
  const h4 = g.dims(feat, [2]);
  const w4 = g.dims(feat, [3]);
  const fh = g.dims(tokensNchw, [2]);
  const fw = g.dims(tokensNchw, [3]);
  const nwh = m.div(m.add(fh, WINDOW[0] - 1), WINDOW[0]);
  const nww = m.div(m.add(fw, WINDOW[1] - 1), WINDOW[1]);
  const Hp = m.mul(nwh, WINDOW[0]);
  const Wp = m.mul(nww, WINDOW[1]);
  const zero = g.constI([0]);
  const windowPads = g.concat([zero, zero, zero, zero, zero, m.sub(Hp, fh), m.sub(Wp, fw), zero], 0);
  const onesGrid = g.op('ConstantOfShape', [g.concat([g.constI([1, 1]), fh, fw], 0)], { value: { tensor: { dims: [1], dataType: 1, floatData: [1] } } });
  const sizes: Sizes = { T, L, h4, w4, fh, fw, nwh, nww, nW: m.mul(nwh, nww), Hp, Wp, pooledTokens: m.mul(m.div(Hp, POOL), m.div(Wp, POOL)), foldSize: g.concat([h4, w4], 0), windowPads, onesGrid };

  // Which windows are "masked": token masks (max pool 7/3/3 of the local masks), zero-padded to the
  // window grid, max-pooled per window, summed over local frames, non-zero.
  const tokenMask = g.op('MaxPool', [localMasks], { kernel_shape: [KERNEL, KERNEL], strides: [STRIDE, STRIDE], pads: [PAD, PAD, PAD, PAD] });
  const nchwPads = g.concat([zero, zero, zero, zero, zero, zero, m.sub(Hp, fh), m.sub(Wp, fw)], 0);
  const perWindow = g.op('MaxPool', [g.op('Pad', [tokenMask, nchwPads])], { kernel_shape: WINDOW, strides: WINDOW });
  const holes = g.op('ReduceSum', [perWindow, g.constI([0])], { keepdims: 0 }); // [1, nwh, nww]
  const windowMasked = g.op('Not', [g.op('Equal', [g.reshape(holes, [g.constI([-1, 1, 1, 1])]), g.constF([0], [])])]);

  const validRolled = sd.get('transformers.transformer.0.attention.valid_ind_rolled');
  if (!validRolled || !(validRolled.data instanceof BigInt64Array)) throw new Error('weights have no int64 tensor transformers.transformer.0.attention.valid_ind_rolled');
  for (let i = 1; i < BLOCKS; i++) {
    const other = sd.get(`transformers.transformer.${i}.attention.valid_ind_rolled`);
    if (!other || other.data.length !== validRolled.data.length || other.data.some((v, j) => v !== validRolled.data[j]))
      throw new Error(`weights: transformers.transformer.${i}.attention.valid_ind_rolled differs from block 0's (upstream derives all from the same window)`);
  }
  const positions = g.reshape(windowKeyPositions(g, m, sizes, validRolled.data), [g.constI([1, -1])]); // [1, nW * K]
  const tokensPerFrame = m.mul(Hp, Wp);
  const frames = Array.from({ length: T_DILATION }, (_, parity) => {
    const indices = m.range(parity, T, T_DILATION);
    const offsets = g.op('Mul', [g.reshape(indices, [g.constI([-1, 1])]), tokensPerFrame]);
    return { indices, keyPositions: g.op('Add', [offsets, positions]) };
  });

  const normaliser = foldLinear(g, sizes, sizes.onesGrid, g.constF(new Array(KERNEL_TAPS).fill(1), [1, 1, KERNEL, KERNEL]));
  return { sizes, m, windowMasked, frames, unfoldIndex: unfoldPositions(g, m, sizes), normaliser };
}

/**
 * SparseWindowAttention.forward for batch 1. `x` is norm1's output [T, fh, fw, C]; queries are
 * taken from its first `queryFrames` frames (all of them, or L in the last block); returns
 * proj(attention) [queryFrames, fh, fw, C].
 */
function attention(g: GraphBuilder, sd: StateDict, prefix: string, rc: RunConstants, x: string, parity: number, queryFrames: string | null): string {
  const { sizes: s, m } = rc;
  const rolledCount = tensorLength(sd, `${prefix}.valid_ind_rolled`);
  const keysPerWindow = WINDOW_TOKENS + rolledCount;
  const xp = g.op('Pad', [x, s.windowPads]); // [T, Hp, Wp, C], zeros below and right
  const xq = queryFrames ? g.op('Slice', [xp, g.constI([0]), queryFrames, g.constI([0])]) : xp;
  const TQ = queryFrames ?? s.T;
  const q = linearT(g, sd, `${prefix}.query`, xq, 1 / Math.sqrt(HEAD_CHANNELS));
  const k = linearT(g, sd, `${prefix}.key`, xp);
  const v = linearT(g, sd, `${prefix}.value`, xp);

  // [N, Hp, Wp, C] -> [N, nwh, 5, nww, 9, heads, ch]
  const split = (t: string, n: string) => g.reshape(t, [n, s.nwh, g.constI([WINDOW[0]]), s.nww, g.constI([WINDOW[1], HEADS, HEAD_CHANNELS])]);
  const nWHeads = g.concat([s.nW, g.constI([HEADS])], 0);
  // queries [nW, heads, TQ * 45, ch]
  const qw = g.reshape(g.op('Transpose', [split(q, TQ)], { perm: [1, 3, 5, 0, 2, 4, 6] }), [nWHeads, g.constI([-1, HEAD_CHANNELS])]);

  // Unmasked windows: attention within the window and frame (the query frames only).
  const kq = queryFrames ? g.op('Slice', [k, g.constI([0]), queryFrames, g.constI([0])]) : k;
  const vq = queryFrames ? g.op('Slice', [v, g.constI([0]), queryFrames, g.constI([0])]) : v;
  const kLocalT = g.reshape(g.op('Transpose', [split(kq, TQ)], { perm: [1, 3, 5, 0, 6, 2, 4] }), [nWHeads, g.constI([-1, HEAD_CHANNELS, WINDOW_TOKENS])]);
  const vLocal = g.reshape(g.op('Transpose', [split(vq, TQ)], { perm: [1, 3, 5, 0, 2, 4, 6] }), [nWHeads, g.constI([-1, WINDOW_TOKENS, HEAD_CHANNELS])]);
  const qLocal = g.reshape(qw, [nWHeads, g.constI([-1, WINDOW_TOKENS, HEAD_CHANNELS])]);
  const within = g.op('MatMul', [g.op('Softmax', [g.op('MatMul', [qLocal, kLocalT])], { axis: -1 }), vLocal]);

  // Masked windows: queries of all frames against window + rolled keys of frames T_ind, and the
  // pooled keys of those frames (shared by every window). Sizes are explicit (no -1): with T = 1
  // the odd blocks' T_ind is empty and, as upstream, those windows attend to nothing (zeros).
  const { indices, keyPositions } = rc.frames[parity]!;
  const Tk = g.dims(indices, [0]);
  const gathered = (t: string) => g.op('Gather', [g.reshape(t, [g.constI([-1, HIDDEN])]), keyPositions], { axis: 0 }); // [T', nW*K, C]
  const byWindow = (t: string) => reshapeExact(g, t, [Tk, s.nW, g.constI([keysPerWindow, HEADS, HEAD_CHANNELS])]); // [T', nW, K, heads, ch]
  const windowKeys = m.mul(Tk, keysPerWindow);
  const kWinT = reshapeExact(g, g.op('Transpose', [byWindow(gathered(k))], { perm: [1, 3, 4, 0, 2] }), [nWHeads, g.constI([HEAD_CHANNELS]), windowKeys]);
  const vWin = reshapeExact(g, g.op('Transpose', [byWindow(gathered(v))], { perm: [1, 3, 0, 2, 4] }), [nWHeads, windowKeys, g.constI([HEAD_CHANNELS])]);

  // pooled tokens: depthwise 4x4/4 conv (pool_layer) over the padded map of frames T_ind
  const xt = g.op('Transpose', [g.op('Gather', [xp, indices], { axis: 0 })], { perm: [0, 3, 1, 2] });
  const pooled = g.op('Transpose', [conv(g, sd, `${prefix}.pool_layer`, xt, { stride: POOL, groups: HIDDEN })], { perm: [0, 2, 3, 1] }); // [T', ph, pw, C]
  const pooledHeads = (t: string) => reshapeExact(g, t, [Tk, s.pooledTokens, g.constI([HEADS, HEAD_CHANNELS])]); // [T', P, heads, ch]
  const pooledKeys = m.mul(Tk, s.pooledTokens);
  const expandW = (t: string) => g.op('Expand', [t, g.concat([s.nW, g.constI([1, 1, 1])], 0)]);
  const kPoolT = expandW(reshapeExact(g, g.op('Transpose', [pooledHeads(linearT(g, sd, `${prefix}.key`, pooled))], { perm: [2, 3, 0, 1] }), [g.constI([1, HEADS, HEAD_CHANNELS]), pooledKeys]));
  const vPool = expandW(reshapeExact(g, g.op('Transpose', [pooledHeads(linearT(g, sd, `${prefix}.value`, pooled))], { perm: [2, 0, 1, 3] }), [g.constI([1, HEADS]), pooledKeys, g.constI([HEAD_CHANNELS])]));
  const keysT = g.concat([kWinT, kPoolT], 3);
  const values = g.concat([vWin, vPool], 2);
  const across = g.op('MatMul', [g.op('Softmax', [g.op('MatMul', [qw, keysT])], { axis: -1 }), values]); // [nW, heads, TQ*45, ch]

  const chosen = g.op('Where', [rc.windowMasked, across, g.reshape(within, [nWHeads, g.constI([-1, HEAD_CHANNELS])])]);
  // back to [TQ, Hp, Wp, C], drop the padding, project
  const grid = g.reshape(chosen, [s.nwh, s.nww, g.constI([HEADS]), TQ, g.constI([WINDOW[0], WINDOW[1], HEAD_CHANNELS])]);
  const map = g.reshape(g.op('Transpose', [grid], { perm: [3, 0, 4, 1, 5, 2, 6] }), [TQ, s.Hp, s.Wp, g.constI([HIDDEN])]);
  const cropped = g.op('Slice', [map, g.constI([0, 0]), g.concat([s.fh, s.fw], 0), g.constI([1, 2])]);
  return linearT(g, sd, `${prefix}.proj`, cropped);
}

/** Reshape to exactly these sizes, zeros included (allowzero: a 0 is a size, not "copy"). */
function reshapeExact(g: GraphBuilder, x: string, parts: string[]): string {
  return g.op('Reshape', [x, g.concat(parts, 0)], { allowzero: 1 });
}

function tensorLength(sd: StateDict, key: string): number {
  const t = sd.get(key);
  if (!t) throw new Error(`weights have no tensor ${key}`);
  return t.data.length;
}

/**
 * FusionFeedForward on norm2's output y [N, fh, fw, C]: fc1 + fold (ConvTranspose), divided by the
 * fold of ones, unfold (Gather), GELU, fc2.
 */
function feedForward(g: GraphBuilder, sd: StateDict, prefix: string, rc: RunConstants, y: string): string {
  const { sizes: s } = rc;
  const fc1 = linearAsConvTransposeWeight(sd, `${prefix}.fc1.0`);
  const folded = foldLinear(g, s, g.op('Transpose', [y], { perm: [0, 3, 1, 2] }), g.tensor(fc1.weight, [HIDDEN, fc1.cout, KERNEL, KERNEL]), foldBias(g, s, fc1.bias, fc1.cout));
  const averaged = g.op('Div', [folded, rc.normaliser]); // [N, 40, h4, w4]
  const padded = g.op('Pad', [g.op('Transpose', [averaged], { perm: [0, 2, 3, 1] }), g.constI([0, PAD, PAD, 0, 0, PAD, PAD, 0])]);
  const flat = g.reshape(padded, [g.constI([0, -1, FFN_CHANNELS])]);
  const patches = g.reshape(g.op('Gather', [flat, rc.unfoldIndex], { axis: 1 }), [g.constI([0]), s.fh, s.fw, g.constI([KERNEL_TAPS * FFN_CHANNELS])]);
  // exact GELU: x/2 (1 + erf(x / sqrt 2)), in the form onnxruntime fuses
  const gelu = g.op('Mul', [g.op('Mul', [patches, g.op('Add', [g.op('Erf', [g.op('Div', [patches, g.constF([Math.SQRT2], [])])]), g.constF([1], [])])]), g.constF([0.5], [])]);
  // gathered order is (tap, channel); fc2's input order is (channel, tap)
  return linearT(g, sd, `${prefix}.fc2.1`, gelu, 1, (r) => (r % FFN_CHANNELS) * KERNEL_TAPS + Math.floor(r / FFN_CHANNELS));
}

export function buildPpTransformer(weights: ProPainterWeights): GraphBuilder {
  const sd = weights.generator;
  const { g, inputs } = contractGraph('pp_transformer');
  const feat = inputs.feat!;

  // SoftSplit: unfold(7, 3, 3) + Linear(6272 -> 512) == Conv2d(128 -> 512, 7, stride 3, padding 3)
  const ss = floatTensor(sd, 'ss.embedding.weight', [HIDDEN, PP_CHANNELS * KERNEL_TAPS]);
  const ssBias = floatTensor(sd, 'ss.embedding.bias', [HIDDEN]);
  const tokensNchw = g.op('Conv', [feat, g.tensor(ss.data, [HIDDEN, PP_CHANNELS, KERNEL, KERNEL]), g.tensor(ssBias.data, [HIDDEN])], {
    kernel_shape: [KERNEL, KERNEL],
    strides: [STRIDE, STRIDE],
    pads: [PAD, PAD, PAD, PAD],
  });
  const rc = runConstants(g, sd, tokensNchw, feat, inputs.local_masks!);
  let x = g.op('Transpose', [tokensNchw], { perm: [0, 2, 3, 1] }); // [T, fh, fw, 512]

  for (let i = 0; i < BLOCKS; i++) {
    const prefix = `transformers.transformer.${i}`;
    const last = i === BLOCKS - 1;
    const attended = attention(g, sd, `${prefix}.attention`, rc, layerNorm(g, sd, `${prefix}.norm1`, x), i % T_DILATION, last ? rc.sizes.L : null);
    const shortcut = last ? g.op('Slice', [x, g.constI([0]), rc.sizes.L, g.constI([0])]) : x;
    const y = g.op('Add', [shortcut, attended]);
    x = g.op('Add', [y, feedForward(g, sd, `${prefix}.mlp`, rc, layerNorm(g, sd, `${prefix}.norm2`, y))]);
  }

  // SoftComp for the local frames: Linear(512 -> 6272) + fold == ConvTranspose, then bias_conv; residual.
  const sc = linearAsConvTransposeWeight(sd, 'sc.embedding');
  const composed = foldLinear(g, rc.sizes, g.op('Transpose', [x], { perm: [0, 3, 1, 2] }), g.tensor(sc.weight, [HIDDEN, sc.cout, KERNEL, KERNEL]), foldBias(g, rc.sizes, sc.bias, sc.cout));
  const local = g.op('Slice', [feat, g.constI([0]), rc.sizes.L, g.constI([0])]);
  const out = g.op('Add', [local, conv(g, sd, 'sc.bias_conv', composed, { padding: 1 })]);
  return finishContractGraph(g, 'pp_transformer', { feat_out: out });
}
