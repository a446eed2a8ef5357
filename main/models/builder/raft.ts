/**
 * The contract's `raft` graph: RAFT (the large model of raft-things.pth) as ProPainter runs it for
 * optical flow, in test mode. Feature and context encoders, the all-pairs correlation with its
 * 4-level average-pooled pyramid, then `iterations` refinement steps as an ONNX Loop (radius-4
 * lookup with GridSample, motion encoder, separable ConvGRU, flow head), and the convex x8
 * upsampling of the last flow with the mask head's output for the last hidden state. N, H and W stay dynamic: every size is
 * read from the tensors (H and W multiples of 8, at least 128 so the coarsest pyramid level is 2
 * pixels or more, as upstream's lookup divides by each level's size minus one).
 *
 * Each step follows upstream's arithmetic order (coords1 carried and flow = coords1 - coords0, the
 * lookup's 2 x / (W - 1) - 1), so the graph agrees with PyTorch to float rounding.
 */
import { contractGraph, finishContractGraph } from './contract-graph';
import { batchNorm, conv, instanceNorm, relu, sliceChannels, unfold } from './layers';
import type { GraphBuilder } from './onnx-graph';
import { floatTensor, type ProPainterWeights, type StateDict } from './weights';

/** Hidden state and context feature channels of the large RAFT (hdim = cdim = 128). */
const HIDDEN = 128;
const CORR_LEVELS = 4;
const CORR_RADIUS = 4;

type NormKind = 'instance' | 'batch';

function norm(g: GraphBuilder, sd: StateDict, kind: NormKind, prefix: string, x: string, channels: number): string {
  return kind === 'batch' ? batchNorm(g, sd, prefix, x) : instanceNorm(g, x, channels);
}

/** extractor.py ResidualBlock: two 3x3 conv + norm + ReLU, a strided 1x1 conv + norm on the skip path when downsampling. */
function residualBlock(g: GraphBuilder, sd: StateDict, kind: NormKind, prefix: string, x: string, stride: number): string {
  const planes = floatTensor(sd, `${prefix}.conv1.weight`).shape[0]!;
  let y = relu(g, norm(g, sd, kind, `${prefix}.norm1`, conv(g, sd, `${prefix}.conv1`, x, { padding: 1, stride }), planes));
  y = relu(g, norm(g, sd, kind, `${prefix}.norm2`, conv(g, sd, `${prefix}.conv2`, y, { padding: 1 }), planes));
  // The skip path's norm is registered twice upstream (norm3 and downsample.1, one module); the
  // forward pass goes through downsample, so that name is read.
  const skip = stride === 1 ? x : norm(g, sd, kind, `${prefix}.downsample.1`, conv(g, sd, `${prefix}.downsample.0`, x, { stride }), planes);
  return relu(g, g.op('Add', [skip, y]));
}

/** extractor.py BasicEncoder: [N, 3, H, W] -> [N, 256, H/8, W/8]. */
function basicEncoder(g: GraphBuilder, sd: StateDict, kind: NormKind, prefix: string, x: string): string {
  let y = conv(g, sd, `${prefix}.conv1`, x, { stride: 2, padding: 3 });
  y = relu(g, norm(g, sd, kind, `${prefix}.norm1`, y, 64));
  for (const layer of [1, 2, 3]) {
    y = residualBlock(g, sd, kind, `${prefix}.layer${layer}.0`, y, layer === 1 ? 1 : 2);
    y = residualBlock(g, sd, kind, `${prefix}.layer${layer}.1`, y, 1);
  }
  return conv(g, sd, `${prefix}.conv2`, y);
}

/** The pixel grid [N, 2, h, w] (channel 0 = x, 1 = y) of a feature map: coords_grid. */
function coordsGrid(g: GraphBuilder, like: string): string {
  const shape = g.op('Shape', [like]);
  const scalar = (axis: number) => g.op('Gather', [shape, g.constI([axis], [])], { axis: 0 });
  const hw = g.dims(like, [2, 3]);
  const zero = g.constI([0], []);
  const one = g.constI([1], []);
  const xs = g.op('Cast', [g.op('Range', [zero, scalar(3), one])], { to: 1 });
  const ys = g.op('Cast', [g.op('Range', [zero, scalar(2), one])], { to: 1 });
  const gx = g.op('Expand', [g.op('Unsqueeze', [xs, g.constI([0])]), hw]);
  const gy = g.op('Expand', [g.op('Unsqueeze', [ys, g.constI([1])]), hw]);
  const grid = g.op('Unsqueeze', [g.concat([g.op('Unsqueeze', [gx, g.constI([0])]), g.op('Unsqueeze', [gy, g.constI([0])])], 0), g.constI([0])]);
  return g.op('Expand', [grid, g.concat([g.dims(like, [0]), g.constI([2]), hw], 0)]);
}

/**
 * The lookup offsets [1, 9, 9, 2]. Upstream stacks meshgrid(dy, dx) (row-major 'ij') and adds it to
 * (x, y) coordinates, so the x offset follows the row index of the 9 x 9 patch; the trained update
 * block reads its 324 correlation channels in that order, so the quirk is kept.
 */
function lookupDelta(g: GraphBuilder): string {
  const side = 2 * CORR_RADIUS + 1;
  const data = new Float32Array(side * side * 2);
  for (let a = 0; a < side; a++)
    for (let b = 0; b < side; b++) {
      data[(a * side + b) * 2] = a - CORR_RADIUS;
      data[(a * side + b) * 2 + 1] = b - CORR_RADIUS;
    }
  return g.constF(data, [1, side, side, 2]);
}

interface CorrPyramid {
  /** Level i: [N*h*w, 1, h/2^i, w/2^i]. */
  levels: string[];
  /** Level i: [W_i - 1, H_i - 1] as floats, the lookup's normalisation. */
  spans: string[];
}

/** corr.py CorrBlock: all-pairs dot products / sqrt(feature channels), then three 2x2 average pools. */
function correlationPyramid(g: GraphBuilder, fmap1: string, fmap2: string, featureChannels: number): CorrPyramid {
  const nc = g.dims(fmap1, [0, 1]);
  const flat = (f: string) => g.reshape(f, [nc, g.constI([-1])]);
  const products = g.op('MatMul', [g.op('Transpose', [flat(fmap1)], { perm: [0, 2, 1] }), flat(fmap2)]);
  const corr = g.op('Div', [products, g.constF([Math.sqrt(featureChannels)], [])]);
  const levels = [g.reshape(corr, [g.constI([-1, 1]), g.dims(fmap1, [2, 3])])];
  for (let i = 1; i < CORR_LEVELS; i++) levels.push(g.op('AveragePool', [levels[i - 1]!], { kernel_shape: [2, 2], strides: [2, 2] }));
  const spans = levels.map((level) => g.op('Sub', [g.op('Cast', [g.dims(level, [3, 2])], { to: 1 }), g.constF([1])]));
  return { levels, spans };
}

/** corr.py CorrBlock.__call__: the (2r+1)^2 bilinear samples around coords on every level -> [N, 324, h, w]. */
function lookup(g: GraphBuilder, pyramid: CorrPyramid, delta: string, coords: string): string {
  const centroid = g.reshape(g.op('Transpose', [coords], { perm: [0, 2, 3, 1] }), [g.constI([-1, 1, 1, 2])]);
  const nhw = g.dims(coords, [0, 2, 3]);
  const side = 2 * CORR_RADIUS + 1;
  const sampled = pyramid.levels.map((level, i) => {
    const points = g.op('Add', [g.op('Div', [centroid, g.constF([2 ** i], [])]), delta]);
    // bilinear_sampler: 2 x / (W - 1) - 1 and 2 y / (H - 1) - 1, align_corners, zeros outside
    const grid = g.op('Sub', [g.op('Div', [g.scale(points, 2), pyramid.spans[i]!]), g.constF([1], [])]);
    const values = g.op('GridSample', [level, grid], { mode: 'bilinear', padding_mode: 'zeros', align_corners: 1 });
    return g.reshape(values, [nhw, g.constI([side * side])]);
  });
  return g.op('Transpose', [g.concat(sampled, 3)], { perm: [0, 3, 1, 2] });
}

/** update.py BasicMotionEncoder: correlation and flow features, with the flow appended (128 channels). */
function motionEncoder(g: GraphBuilder, sd: StateDict, flow: string, corr: string): string {
  const p = 'update_block.encoder';
  let cor = relu(g, conv(g, sd, `${p}.convc1`, corr));
  cor = relu(g, conv(g, sd, `${p}.convc2`, cor, { padding: 1 }));
  let flo = relu(g, conv(g, sd, `${p}.convf1`, flow, { padding: 3 }));
  flo = relu(g, conv(g, sd, `${p}.convf2`, flo, { padding: 1 }));
  const out = relu(g, conv(g, sd, `${p}.conv`, g.concat([cor, flo], 1), { padding: 1 }));
  return g.concat([out, flow], 1);
}

/** update.py SepConvGRU: a horizontal (1x5) then a vertical (5x1) GRU step. */
function sepConvGru(g: GraphBuilder, sd: StateDict, h: string, x: string): string {
  const one = g.constF([1], []);
  const p = 'update_block.gru';
  for (const [suffix, padding] of [
    ['1', [0, 2]],
    ['2', [2, 0]],
  ] as const) {
    const hx = g.concat([h, x], 1);
    const z = g.op('Sigmoid', [conv(g, sd, `${p}.convz${suffix}`, hx, { padding: [...padding] })]);
    const r = g.op('Sigmoid', [conv(g, sd, `${p}.convr${suffix}`, hx, { padding: [...padding] })]);
    const q = g.op('Tanh', [conv(g, sd, `${p}.convq${suffix}`, g.concat([g.op('Mul', [r, h]), x], 1), { padding: [...padding] })]);
    h = g.op('Add', [g.op('Mul', [g.op('Sub', [one, z]), h]), g.op('Mul', [z, q])]);
  }
  return h;
}

/**
 * One refinement iteration as a Loop body: carried (net, coords1) -> (net, coords1 + delta); the
 * pyramid, context, coords0 and weights come from the outer scope. Upstream also computes the
 * upsampling mask at every iteration, but in test mode only the last one is used: it is computed
 * once after the loop from the last hidden state (upsamplingMask), the same values for 15% less work.
 */
function refinementBody(g: GraphBuilder, sd: StateDict, pyramid: CorrPyramid, inp: string, coords0: string): GraphBuilder {
  const body = g.subgraph('raft_refinement');
  body.input({ name: 'iteration', type: 'int64', shape: [] });
  const cond = body.input({ name: 'condition', type: 'bool', shape: [] });
  const netIn = body.input({ name: 'net_in', type: 'float32', shape: ['N', HIDDEN, 'h8', 'w8'] });
  const coordsIn = body.input({ name: 'coords1_in', type: 'float32', shape: ['N', 2, 'h8', 'w8'] });

  const corr = lookup(body, pyramid, lookupDelta(body), coordsIn);
  const flow = body.op('Sub', [coordsIn, coords0]);
  const motion = motionEncoder(body, sd, flow, corr);
  const net = sepConvGru(body, sd, netIn, body.concat([inp, motion], 1));
  const delta = conv(body, sd, 'update_block.flow_head.conv2', relu(body, conv(body, sd, 'update_block.flow_head.conv1', net, { padding: 1 })), { padding: 1 });

  body.output({ name: 'condition_out', type: 'bool', shape: [] }, cond);
  body.output({ name: 'net_out', type: 'float32', shape: ['N', HIDDEN, 'h8', 'w8'] }, net);
  body.output({ name: 'coords1_out', type: 'float32', shape: ['N', 2, 'h8', 'w8'] }, body.op('Add', [coordsIn, delta]));
  return body;
}

/** BasicUpdateBlock's mask head: [N, 576, h, w] convex-combination logits from the hidden state. */
function upsamplingMask(g: GraphBuilder, sd: StateDict, net: string): string {
  const hidden = relu(g, conv(g, sd, 'update_block.mask.0', net, { padding: 1 }));
  // "scale mask to balance gradients": the trained weights expect the 0.25
  return g.scale(conv(g, sd, 'update_block.mask.2', hidden), 0.25);
}

/** RAFT.upsample_flow: each full-size pixel a softmax-weighted mix of the 3x3 neighbours of 8 x flow. */
function convexUpsample(g: GraphBuilder, flow: string, mask: string): string {
  const n = g.dims(flow, [0]);
  const hw = g.dims(flow, [2, 3]);
  const weights = g.op('Softmax', [g.reshape(mask, [n, g.constI([1, 9, 8, 8]), hw])], { axis: 2 });
  const neighbours = g.reshape(unfold(g, g.scale(flow, 8), 2, [3, 3], [1, 1], [1, 1]), [n, g.constI([2, 9, 1, 1]), hw]);
  const mixed = g.op('ReduceSum', [g.op('Mul', [weights, neighbours]), g.constI([2])], { keepdims: 0 }); // [N, 2, 8, 8, h, w]
  const interleaved = g.op('Transpose', [mixed], { perm: [0, 1, 4, 2, 5, 3] }); // [N, 2, h, 8, w, 8]
  return g.reshape(interleaved, [n, g.constI([2]), g.op('Mul', [hw, g.constI([8])])]);
}

/** The `raft` graph of the contract, with the weights of raft-things.pth ('module.' removed). */
export function buildRaft(weights: ProPainterWeights): GraphBuilder {
  const sd = weights.raft;
  const { g, inputs } = contractGraph('raft');
  const { image1, image2, iterations } = inputs as Record<'image1' | 'image2' | 'iterations', string>;

  // Both images through the feature encoder as one batch, as upstream does (instance norm is per image).
  const n = g.dims(image1, [0]);
  const fmaps = basicEncoder(g, sd, 'instance', 'fnet', g.concat([image1, image2], 0));
  const fmap1 = g.op('Slice', [fmaps, g.constI([0]), n, g.constI([0])]);
  const fmap2 = g.op('Slice', [fmaps, n, g.op('Mul', [n, g.constI([2])]), g.constI([0])]);
  const pyramid = correlationPyramid(g, fmap1, fmap2, floatTensor(sd, 'fnet.conv2.weight').shape[0]!);

  const context = basicEncoder(g, sd, 'batch', 'cnet', image1);
  const net = g.op('Tanh', [sliceChannels(g, context, 0, HIDDEN)]);
  const inp = relu(g, sliceChannels(g, context, HIDDEN, 2 * HIDDEN));
  const coords0 = coordsGrid(g, fmap1);

  const body = refinementBody(g, sd, pyramid, inp, coords0);
  const [netLast, coordsLast] = g.opOutputs('Loop', [iterations, '', net, coords0], 2, { body: { graph: body.graphProto() } }) as [string, string];
  const flow = convexUpsample(g, g.op('Sub', [coordsLast, coords0]), upsamplingMask(g, sd, netLast));
  return finishContractGraph(g, 'raft', { flow });
}
