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
 * - Attention (SparseWindowAttention), head by head (so only one head's scores are alive at a
 *   time): queries, keys and values are projected per head straight into [tokens, 128]; the keys
 *   and values of a window (its own tokens, its rolled tokens from valid_ind_rolled, the pooled
 *   tokens, and for the padding of the token grid the bias that a zero-padded token projects to)
 *   are gathered with index maps built once per run, so the padded grid, the rolled copies and the
 *   per-window repeats of the pooled keys are never materialised. The "masked window" attention
 *   (queries of all frames against the keys of frames T_ind) and the "unmasked window" attention
 *   (within window and frame) are both computed for every window and Where picks per window (no
 *   NonZero, no branch: models/README.md, pp_transformer).
 * - The last block computes queries, the feed-forward and SoftComp for the L local frames only
 *   (the reference frames' outputs are discarded by the contract); keys use all frames.
 * - 1/sqrt(head channels) is folded into the query weights.
 */
import { PP_CHANNELS } from '../contract';
import { contractGraph, finishContractGraph } from './contract-graph';
import { conv, layerNorm } from './layers';
import type { GraphBuilder } from './onnx-graph';
import { floatTensor, WeightsMismatchError, type ProPainterWeights, type StateDict } from './weights';

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
  /** fh * fw: tokens per frame */
  fhw: string;
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

/** Per-window token offsets (dy, dx) from the window's top-left corner: its 45 own tokens. */
function ownOffsets(): { dy: number[]; dx: number[] } {
  const dy: number[] = [];
  const dx: number[] = [];
  for (let r = 0; r < WINDOW[0]; r++)
    for (let c = 0; c < WINDOW[1]; c++) {
      dy.push(r);
      dx.push(c);
    }
  return { dy, dx };
}

/**
 * The own tokens followed by the rolled tokens: torch.roll(k, shift)[y, x] = k[y - sy, x - sx]
 * (modulo the padded grid), for the entries of the four concatenated rolled windows that
 * valid_ind_rolled keeps.
 */
function keyOffsets(validRolled: BigInt64Array): { dy: number[]; dx: number[] } {
  const { dy, dx } = ownOffsets();
  for (const v of validRolled) {
    const n = Number(v);
    if (!(n >= 0 && n < ROLL_SHIFTS.length * WINDOW_TOKENS)) throw new Error(`weights: valid_ind_rolled holds ${n}, outside the four rolled windows`);
    const [sy, sx] = ROLL_SHIFTS[Math.floor(n / WINDOW_TOKENS)]!;
    const within = n % WINDOW_TOKENS;
    dy.push(Math.floor(within / WINDOW[1]) - sy);
    dx.push((within % WINDOW[1]) - sx);
  }
  return { dy, dx };
}

/**
 * For every window (wy, wx) and offset k: the token's row in one frame's [fh * fw] tokens, and
 * whether it is a real token (not the padding below / right of the token grid). Positions wrap
 * around the padded grid [Hp, Wp] as torch.roll does. Shapes [nwh, nww, 1, K].
 */
function windowTokens(g: GraphBuilder, m: ShapeMath, s: Sizes, offsets: { dy: number[]; dx: number[] }): { row: string; real: string } {
  const k = offsets.dy.length;
  const wy = g.reshape(m.mul(m.range(0, s.nwh, 1), WINDOW[0]), [g.constI([-1, 1, 1, 1])]);
  const wx = g.reshape(m.mul(m.range(0, s.nww, 1), WINDOW[1]), [g.constI([1, -1, 1, 1])]);
  const y = g.op('Mod', [g.op('Add', [wy, g.constI(offsets.dy, [1, 1, 1, k])]), s.Hp]);
  const x = g.op('Mod', [g.op('Add', [wx, g.constI(offsets.dx, [1, 1, 1, k])]), s.Wp]);
  const real = g.op('And', [g.op('Less', [y, s.fh]), g.op('Less', [x, s.fw])]);
  return { row: g.op('Add', [g.op('Mul', [y, s.fw]), x]), real };
}

/**
 * Rows of a head's key/value source [bias, T * fh * fw tokens, T' * P pooled tokens] (row 0 is the
 * bias, what a zero-padded token projects to) for window tokens of `frames` [F]: real tokens ->
 * 1 + t * fh * fw + row, padding -> 0. [nW, F * K].
 */
function sourceRows(g: GraphBuilder, m: ShapeMath, s: Sizes, tokens: { row: string; real: string }, frames: string, offset: number, k: number): string {
  const t = g.reshape(frames, [g.constI([1, 1, -1, 1])]);
  const rows = g.op('Add', [g.op('Mul', [t, s.fhw]), m.add(tokens.row, offset)]); // [nwh, nww, F, K]
  const picked = g.op('Where', [tokens.real, rows, g.constI([0], [])]);
  return reshapeExact(g, picked, [s.nW, m.mul(g.dims(frames, [0]), k)]);
}

interface QueryMaps {
  /** [nW, TQ * 45]: rows of the query tokens [TQ * fh * fw] for every window (padding -> row 0, discarded) */
  query: string;
  /** [nW, TQ * 45]: rows of the same tokens in a key/value source (padding -> the bias row) */
  local: string;
  /** [TQ * fh * fw]: for every real token, its row in the window-ordered output [nW * TQ * 45] */
  output: string;
}

function queryMaps(g: GraphBuilder, m: ShapeMath, s: Sizes, TQ: string): QueryMaps {
  const own = windowTokens(g, m, s, ownOffsets());
  const frames = m.range(0, TQ, 1);
  const query = sourceRows(g, m, s, own, frames, 0, WINDOW_TOKENS);
  const local = sourceRows(g, m, s, own, frames, 1, WINDOW_TOKENS);
  // output: token (t, y, x) sits in window (y / 5, x / 9) at (t, y % 5, x % 9)
  const t = g.reshape(frames, [g.constI([-1, 1, 1])]);
  const y = g.reshape(m.range(0, s.fh, 1), [g.constI([1, -1, 1])]);
  const x = g.reshape(m.range(0, s.fw, 1), [g.constI([1, 1, -1])]);
  const window = m.add(m.mul(m.div(y, WINDOW[0]), s.nww), m.div(x, WINDOW[1]));
  const within = m.add(m.mul(g.op('Mod', [y, g.constI([WINDOW[0]])]), WINDOW[1]), g.op('Mod', [x, g.constI([WINDOW[1]])]));
  const output = m.add(m.mul(m.add(m.mul(window, TQ), t), WINDOW_TOKENS), within);
  return { query, local, output: g.reshape(output, [g.constI([-1])]) };
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
  /** bool [nW, 1, 1]: window has a hole in some local frame */
  windowMasked: string;
  /**
   * Per T_ind parity: the frames [T'] and, for every window, the rows of a head's key/value source
   * its masked-window attention reads: own + rolled tokens of frames T_ind, then the pooled tokens
   * of those frames. [nW, T' * (K + P)]
   */
  frames: { indices: string; keyRows: string }[];
  /** query maps for all T frames and for the L local frames (last block) */
  allFrames: QueryMaps;
  localFrames: QueryMaps;
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
  const sizes: Sizes = { T, L, h4, w4, fh, fw, fhw: m.mul(fh, fw), nwh, nww, nW: m.mul(nwh, nww), Hp, Wp, pooledTokens: m.mul(m.div(Hp, POOL), m.div(Wp, POOL)), foldSize: g.concat([h4, w4], 0), windowPads, onesGrid };

  // Which windows are "masked": token masks (max pool 7/3/3 of the local masks), zero-padded to the
  // window grid, max-pooled per window, summed over local frames, non-zero.
  const tokenMask = g.op('MaxPool', [localMasks], { kernel_shape: [KERNEL, KERNEL], strides: [STRIDE, STRIDE], pads: [PAD, PAD, PAD, PAD] });
  const nchwPads = g.concat([zero, zero, zero, zero, zero, zero, m.sub(Hp, fh), m.sub(Wp, fw)], 0);
  const perWindow = g.op('MaxPool', [g.op('Pad', [tokenMask, nchwPads])], { kernel_shape: WINDOW, strides: WINDOW });
  const holes = g.op('ReduceSum', [perWindow, g.constI([0])], { keepdims: 0 }); // [1, nwh, nww]
  const windowMasked = g.op('Not', [g.op('Equal', [g.reshape(holes, [g.constI([-1, 1, 1])]), g.constF([0], [])])]); // [nW, 1, 1]

  const validRolled = sd.get('transformers.transformer.0.attention.valid_ind_rolled');
  if (!validRolled || !(validRolled.data instanceof BigInt64Array)) throw new WeightsMismatchError('no int64 tensor transformers.transformer.0.attention.valid_ind_rolled');
  for (let i = 1; i < BLOCKS; i++) {
    const other = sd.get(`transformers.transformer.${i}.attention.valid_ind_rolled`);
    if (!other || other.data.length !== validRolled.data.length || other.data.some((v, j) => v !== validRolled.data[j]))
      throw new Error(`weights: transformers.transformer.${i}.attention.valid_ind_rolled differs from block 0's (upstream derives all from the same window)`);
  }
  const offsets = keyOffsets(validRolled.data);
  const keyTokens = windowTokens(g, m, sizes, offsets);
  const frames = Array.from({ length: T_DILATION }, (_, parity) => {
    const indices = m.range(parity, T, T_DILATION);
    const windowRows = sourceRows(g, m, sizes, keyTokens, indices, 1, offsets.dy.length); // [nW, T' * K]
    const pooledCount = m.mul(g.dims(indices, [0]), sizes.pooledTokens);
    const pooled = g.reshape(m.add(m.range(0, pooledCount, 1), m.add(m.mul(T, sizes.fhw), 1)), [g.constI([1, -1])]); // [1, T' * P]
    const pooledRows = g.op('Expand', [pooled, g.concat([sizes.nW, g.constI([1])], 0)]);
    return { indices, keyRows: g.concat([windowRows, pooledRows], 1) };
  });

  const normaliser = foldLinear(g, sizes, sizes.onesGrid, g.constF(new Array(KERNEL_TAPS).fill(1), [1, 1, KERNEL, KERNEL]));
  return {
    sizes,
    m,
    windowMasked,
    frames,
    allFrames: queryMaps(g, m, sizes, T),
    localFrames: queryMaps(g, m, sizes, L),
    unfoldIndex: unfoldPositions(g, m, sizes),
    normaliser,
  };
}

/** One head's slice of a Linear: x @ W[rows of head]^T * scale + b[head] * scale, and the bias alone. */
function linearHead(g: GraphBuilder, sd: StateDict, prefix: string, head: number, scale = 1): { weight: string; bias: string; biasRow: string } {
  const w = floatTensor(sd, `${prefix}.weight`, [HIDDEN, HIDDEN]);
  const b = floatTensor(sd, `${prefix}.bias`, [HIDDEN]);
  const t = new Float32Array(HIDDEN * HEAD_CHANNELS);
  for (let i = 0; i < HIDDEN; i++) for (let o = 0; o < HEAD_CHANNELS; o++) t[i * HEAD_CHANNELS + o] = w.data[(head * HEAD_CHANNELS + o) * HIDDEN + i]! * scale;
  const bias = b.data.slice(head * HEAD_CHANNELS, (head + 1) * HEAD_CHANNELS).map((v) => v * scale);
  const biasName = g.tensor(bias, [HEAD_CHANNELS]);
  return { weight: g.tensor(t, [HIDDEN, HEAD_CHANNELS]), bias: biasName, biasRow: g.reshape(biasName, [g.constI([1, HEAD_CHANNELS])]) };
}

/**
 * SparseWindowAttention.forward for batch 1. `x` is norm1's output [T, fh, fw, C]; queries are
 * taken from its first TQ frames (all of them, or L in the last block); returns proj(attention)
 * [TQ, fh, fw, C].
 */
function attention(g: GraphBuilder, sd: StateDict, prefix: string, rc: RunConstants, x: string, parity: number, last: boolean): string {
  const { sizes: s } = rc;
  const maps = last ? rc.localFrames : rc.allFrames;
  const TQ = last ? s.L : s.T;
  const tokens = g.reshape(x, [g.constI([-1, HIDDEN])]); // [T * fh * fw, C]
  const queries = last ? g.op('Slice', [tokens, g.constI([0]), g.op('Mul', [s.L, s.fhw]), g.constI([0])]) : tokens;
  const { indices, keyRows } = rc.frames[parity]!;

  // pooled tokens: the depthwise 4x4/4 conv (pool_layer) over the zero-padded map of frames T_ind
  const framesT = g.op('Pad', [g.op('Gather', [x, indices], { axis: 0 }), s.windowPads]);
  const pooledMap = conv(g, sd, `${prefix}.pool_layer`, g.op('Transpose', [framesT], { perm: [0, 3, 1, 2] }), { stride: POOL, groups: HIDDEN });
  const pooled = reshapeExact(g, g.op('Transpose', [pooledMap], { perm: [0, 2, 3, 1] }), [rc.m.mul(g.dims(indices, [0]), s.pooledTokens), g.constI([HIDDEN])]);

  const heads: string[] = [];
  for (let h = 0; h < HEADS; h++) {
    const q = linearHead(g, sd, `${prefix}.query`, h, 1 / Math.sqrt(HEAD_CHANNELS));
    const k = linearHead(g, sd, `${prefix}.key`, h);
    const v = linearHead(g, sd, `${prefix}.value`, h);
    const project = (p: { weight: string; bias: string }, t: string) => g.op('Add', [g.op('MatMul', [t, p.weight]), p.bias]);
    // [bias, tokens of all frames, pooled tokens of frames T_ind] x 128
    const source = (p: { weight: string; bias: string; biasRow: string }) => g.concat([p.biasRow, project(p, tokens), project(p, pooled)], 0);
    const keys = source(k);
    const values = source(v);
    const qw = g.op('Gather', [project(q, queries), maps.query], { axis: 0 }); // [nW, TQ*45, ch]
    const attend = (qs: string, ks: string, vs: string, transposeKeys: number[]) =>
      g.op('MatMul', [g.op('Softmax', [g.op('MatMul', [qs, g.op('Transpose', [ks], { perm: transposeKeys })])], { axis: -1 }), vs]);

    // masked windows: queries of all frames against own + rolled + pooled keys of frames T_ind
    const across = attend(qw, g.op('Gather', [keys, keyRows], { axis: 0 }), g.op('Gather', [values, keyRows], { axis: 0 }), [0, 2, 1]);
    // unmasked windows: within the window and frame
    const perFrame = g.constI([0, -1, WINDOW_TOKENS, HEAD_CHANNELS]);
    const local = (src: string) => g.reshape(g.op('Gather', [src, maps.local], { axis: 0 }), [perFrame]);
    const within = attend(g.reshape(qw, [perFrame]), local(keys), local(values), [0, 1, 3, 2]);
    heads.push(g.op('Where', [rc.windowMasked, across, g.reshape(within, [g.constI([0, -1, HEAD_CHANNELS])])]));
  }
  // heads side by side, back to token order (dropping the padding), output projection
  const windowsOut = g.reshape(g.concat(heads, 2), [g.constI([-1, HIDDEN])]); // [nW * TQ * 45, C]
  const out = g.reshape(g.op('Gather', [windowsOut, maps.output], { axis: 0 }), [TQ, s.fh, s.fw, g.constI([HIDDEN])]);
  return linearT(g, sd, `${prefix}.proj`, out);
}

/** Reshape to exactly these sizes, zeros included (allowzero: a 0 is a size, not "copy"). */
function reshapeExact(g: GraphBuilder, x: string, parts: string[]): string {
  return g.op('Reshape', [x, g.concat(parts, 0)], { allowzero: 1 });
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
    const attended = attention(g, sd, `${prefix}.attention`, rc, layerNorm(g, sd, `${prefix}.norm1`, x), i % T_DILATION, last);
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
