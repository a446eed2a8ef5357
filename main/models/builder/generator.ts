/**
 * The InpaintGenerator graphs of the model contract (models/README.md, "Graphs"), built from
 * ProPainter.pth's state dict: pp_encoder, pp_prop_backward / pp_prop_forward (one step of the
 * flow-guided feature propagation), pp_transformer (generator-transformer.ts) and pp_decoder.
 * Each mirrors upstream's module of the same role (sczhou/ProPainter model/propainter.py);
 * test/unit/generator-graphs.test.ts compares them with upstream's outputs on seeded weights.
 */
import { contractGraph, finishContractGraph } from './contract-graph';
import { conv, deformConv, leakyRelu, resizeBilinear } from './layers';
import type { GraphBuilder } from './onnx-graph';
import type { ProPainterWeights, StateDict } from './weights';

export { buildPpTransformer } from './generator-transformer';

/** Channels [start, end) of an NCHW tensor. */
export function channels(g: GraphBuilder, x: string, start: number, end: number): string {
  return g.op('Slice', [x, g.constI([start]), g.constI([end]), g.constI([1])]);
}

const conv3x3 = (g: GraphBuilder, sd: StateDict, prefix: string, x: string, stride = 1) => conv(g, sd, prefix, x, { stride, padding: 1 });

/**
 * Encoder: five plain 3x3 convolutions (two of stride 2), then four grouped ones whose input is
 * the 256-channel feature x0 of the fourth layer and the running output, interleaved group by
 * group (upstream views both as [N, g, C/g, h, w] and concatenates on the C/g axis). LeakyReLU 0.2
 * after every convolution.
 */
export function buildPpEncoder(weights: ProPainterWeights): GraphBuilder {
  const sd = weights.generator;
  const { g, inputs } = contractGraph('pp_encoder');
  const act = (x: string) => leakyRelu(g, x, 0.2);
  let out = g.concat([inputs.frames!, inputs.masks_in!, inputs.masks_updated!], 1);
  out = act(conv3x3(g, sd, 'encoder.layers.0', out, 2));
  out = act(conv3x3(g, sd, 'encoder.layers.2', out));
  out = act(conv3x3(g, sd, 'encoder.layers.4', out, 2));
  const x0 = act(conv3x3(g, sd, 'encoder.layers.6', out));
  out = act(conv3x3(g, sd, 'encoder.layers.8', x0));
  const x0Channels = 256;
  let outChannels = 384;
  for (const [layer, groups, produced] of [
    [10, 2, 512],
    [12, 4, 384],
    [14, 8, 256],
    [16, 1, 128],
  ] as const) {
    const parts: string[] = [];
    const a = x0Channels / groups;
    const b = outChannels / groups;
    for (let k = 0; k < groups; k++) parts.push(channels(g, x0, k * a, (k + 1) * a), channels(g, out, k * b, (k + 1) * b));
    out = act(conv(g, sd, `encoder.layers.${layer}`, g.concat(parts, 1), { padding: 1, groups }));
    outChannels = produced;
  }
  return finishContractGraph(g, 'pp_encoder', { feat: out });
}

/** Decoder: (bilinear x2, align_corners) + conv, conv, (x2) + conv, conv; LeakyReLU 0.2 between; tanh. */
export function buildPpDecoder(weights: ProPainterWeights): GraphBuilder {
  const sd = weights.generator;
  const { g, inputs } = contractGraph('pp_decoder');
  const act = (x: string) => leakyRelu(g, x, 0.2);
  let x = act(conv3x3(g, sd, 'decoder.0.conv', resizeBilinear(g, inputs.feat!, 2, true)));
  x = act(conv3x3(g, sd, 'decoder.2', x));
  x = act(conv3x3(g, sd, 'decoder.4.conv', resizeBilinear(g, x, 2, true)));
  x = conv3x3(g, sd, 'decoder.6', x);
  return finishContractGraph(g, 'pp_decoder', { frames: g.op('Tanh', [x]) });
}

/** Sum of squares over the channel axis, kept: [N, 1, h, w]. */
function lengthSq(g: GraphBuilder, x: string): string {
  return g.op('ReduceSum', [g.op('Mul', [x, x]), g.constI([1])], { keepdims: 1 });
}

/** flow_warp: GridSample, zero padding, align_corners, on a grid already built from the flow. */
function warp(g: GraphBuilder, x: string, grid: string): string {
  return g.op('GridSample', [x, grid], { mode: 'bilinear', padding_mode: 'zeros', align_corners: 1 });
}

/**
 * One step of BidirectionalPropagation(128, learnable) in direction `module` ('backward_1' or
 * 'forward_1'), i > 0 branch selected by has_previous:
 *   valid  = fbConsistencyCheck(flow, flow_check)
 *   cond   = [feat_current, warp(feat_prev, flow), flow, valid, masks]            (261 channels)
 *   o      = conv_offset(cond) = [o1 | o2 | m] (3 x 144 channels)
 *   offset = 3 tanh([o1, o2]) + flow as (dy, dx) repeated for 16 groups x 9 taps
 *   prop   = has_previous ? deform_conv(feat_prev, offset, sigmoid(m)) : feat_current
 *   out    = prop + backbone([feat_current, prop, masks])
 */
function propagationStep(g: GraphBuilder, sd: StateDict, module: 'backward_1' | 'forward_1', inputs: Record<string, string>): string {
  const { feat_current: current, feat_prev: prev, flow, flow_check: check, masks, has_previous: hasPrevious } = inputs as Record<string, string>;
  const grid = g.flowGrid(flow!);
  const checkWarped = warp(g, check!, grid);
  const diff = g.op('Add', [flow!, checkWarped]);
  const threshold = g.op('Add', [g.scale(g.op('Add', [lengthSq(g, flow!), lengthSq(g, checkWarped)]), 0.01), g.constF([0.5], [])]);
  const valid = g.op('Cast', [g.op('Less', [lengthSq(g, diff), threshold])], { to: 1 });

  const align = `feat_prop_module.deform_align.${module}`;
  const cond = g.concat([current!, warp(g, prev!, grid), flow!, valid, masks!], 1);
  let o = cond;
  for (const layer of [0, 2, 4]) o = leakyRelu(g, conv3x3(g, sd, `${align}.conv_offset.${layer}`, o), 0.1);
  o = conv3x3(g, sd, `${align}.conv_offset.6`, o);
  const taps = 16 * 9;
  const flowYX = g.concat([channels(g, flow!, 1, 2), channels(g, flow!, 0, 1)], 1);
  const offset = g.op('Add', [g.scale(g.op('Tanh', [channels(g, o, 0, 2 * taps)]), 3), g.op('Tile', [flowYX, g.constI([1, taps, 1, 1])])]);
  const modulation = g.op('Sigmoid', [channels(g, o, 2 * taps, 3 * taps)]);
  const aligned = deformConv(g, sd, align, prev!, offset, modulation, { padding: 1, offsetGroups: 16 });
  const prop = g.op('Where', [hasPrevious!, aligned, current!]);

  const backbone = `feat_prop_module.backbone.${module}`;
  const refine = conv3x3(g, sd, `${backbone}.2`, leakyRelu(g, conv3x3(g, sd, `${backbone}.0`, g.concat([current!, prop, masks!], 1)), 0.2));
  return g.op('Add', [prop, refine]);
}

function buildPropagation(name: 'pp_prop_backward' | 'pp_prop_forward', weights: ProPainterWeights): GraphBuilder {
  const sd = weights.generator;
  const { g, inputs } = contractGraph(name);
  if (name === 'pp_prop_backward') return finishContractGraph(g, name, { feat_prop: propagationStep(g, sd, 'backward_1', inputs) });
  const out = propagationStep(g, sd, 'forward_1', inputs);
  // fuse([backward, forward, masks]) + encoder feature; in the forward pass feat_current is the backward output
  const fuse = conv3x3(g, sd, 'feat_prop_module.fuse.2', leakyRelu(g, conv3x3(g, sd, 'feat_prop_module.fuse.0', g.concat([inputs.feat_current!, out, inputs.masks!], 1)), 0.2));
  return finishContractGraph(g, name, { feat_prop: out, feat_fused: g.op('Add', [fuse, inputs.feat_encoded!]) });
}

export const buildPpPropBackward = (weights: ProPainterWeights): GraphBuilder => buildPropagation('pp_prop_backward', weights);
export const buildPpPropForward = (weights: ProPainterWeights): GraphBuilder => buildPropagation('pp_prop_forward', weights);
