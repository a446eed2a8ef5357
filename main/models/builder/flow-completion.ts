/**
 * The contract's four flow-completion graphs: RecurrentFlowCompleteNet (recurrent_flow_completion.pth)
 * cut where the host takes over. `rfc_encoder` runs the P3D encoder over a whole sub-video (its
 * temporal convolutions mix frames); `rfc_prop_backward` / `rfc_prop_forward` are one step of
 * BidirectionalPropagation's loop (second-order deformable alignment of the previous two outputs,
 * then the backbone), the host walking the frames; `rfc_decoder` fuses both passes and decodes a
 * flow at full size. H and W stay dynamic (multiples of 8); every size is read from the tensors.
 */
import { contractGraph, finishContractGraph } from './contract-graph';
import { conv, deformConv, leakyRelu, resizeBilinear, sliceChannels } from './layers';
import type { GraphBuilder } from './onnx-graph';
import { floatTensor, type ProPainterWeights, type StateDict } from './weights';

/** SecondOrderDeformableAlignment's max_residue_magnitude (upstream's default, not stored in the file). */
const MAX_RESIDUE_MAGNITUDE = 5;
/** Each offset group's share of conv_offset's output: 3 x 3 kernel points x (dy, dx, mask). */
const OFFSET_CHANNELS_PER_GROUP = 27;

/** [B, C, T, H, W] <-> [B, T, C, H, W]. */
function swapTimeAndChannels(g: GraphBuilder, x: string): string {
  return g.op('Transpose', [x], { perm: [0, 2, 1, 3, 4] });
}

/** P3DBlock without residual: a spatial (1, 3, 3) convolution and LeakyReLU(0.2), then a temporal (3, 1, 1) one with dilation 2. */
function p3dBlock(g: GraphBuilder, sd: StateDict, prefix: string, x: string, stride: number): string {
  const spatial = leakyRelu(g, conv(g, sd, `${prefix}.conv1.0`, x, { stride: [1, stride, stride], padding: [0, 1, 1] }), 0.2);
  return conv(g, sd, `${prefix}.conv2.0`, spatial, { padding: [2, 0, 0], dilation: [2, 1, 1] });
}

/** `rfc_encoder`: downsample (replicate padding), encoder1 (x4), encoder2 (x8), mid_dilation. */
export function buildRfcEncoder(weights: ProPainterWeights): GraphBuilder {
  const sd = weights.flowCompletion;
  const { g, inputs } = contractGraph('rfc_encoder');
  let x = swapTimeAndChannels(g, g.concat([inputs.masked_flows!, inputs.masks!], 2)); // [B, 3, T, H, W]
  // Conv3d(padding=(0, 2, 2), padding_mode='replicate'): edge padding of H and W, then an unpadded convolution
  x = g.op('Pad', [x, g.constI([0, 0, 0, 2, 2, 0, 0, 0, 2, 2])], { mode: 'edge' });
  x = leakyRelu(g, conv(g, sd, 'downsample.0', x, { stride: [1, 2, 2] }), 0.2);
  let e1 = leakyRelu(g, p3dBlock(g, sd, 'encoder1.0', x, 1), 0.2);
  e1 = leakyRelu(g, p3dBlock(g, sd, 'encoder1.2', e1, 2), 0.2);
  let e2 = leakyRelu(g, p3dBlock(g, sd, 'encoder2.0', e1, 1), 0.2);
  e2 = leakyRelu(g, p3dBlock(g, sd, 'encoder2.2', e2, 2), 0.2);
  let mid = e2;
  for (const [index, dilation] of [
    [0, 3],
    [2, 2],
    [4, 1],
  ] as const) {
    mid = leakyRelu(g, conv(g, sd, `mid_dilation.${index}`, mid, { padding: [0, dilation, dilation], dilation: [1, dilation, dilation] }), 0.2);
  }
  return finishContractGraph(g, 'rfc_encoder', { feat_mid: swapTimeAndChannels(g, mid), feat_e1: swapTimeAndChannels(g, e1) });
}

/**
 * SecondOrderDeformableAlignment: offsets and modulation from the condition [prev1, current,
 * prev2], then a modulated deformable 3x3 convolution of [prev1, prev2] with 16 offset groups.
 */
function secondOrderAlign(g: GraphBuilder, sd: StateDict, prefix: string, features: string, condition: string): string {
  let out = condition;
  for (const index of [0, 2, 4]) out = leakyRelu(g, conv(g, sd, `${prefix}.conv_offset.${index}`, out, { padding: 1 }), 0.1);
  out = conv(g, sd, `${prefix}.conv_offset.6`, out, { padding: 1 });
  const outChannels = floatTensor(sd, `${prefix}.conv_offset.6.weight`).shape[0]!;
  const groups = outChannels / OFFSET_CHANNELS_PER_GROUP;
  // chunk(3) gives o1, o2, mask; cat(o1, o2) is the first two thirds, in (dy, dx) pairs per group and kernel point
  const offset = g.scale(g.op('Tanh', [sliceChannels(g, out, 0, (2 * outChannels) / 3)]), MAX_RESIDUE_MAGNITUDE);
  const mask = g.op('Sigmoid', [sliceChannels(g, out, (2 * outChannels) / 3, outChannels)]);
  return deformConv(g, sd, prefix, features, offset, mask, { padding: 1, offsetGroups: groups });
}

/**
 * One step of a propagation pass: the aligned previous outputs (zero at the first step, where
 * upstream skips the alignment) plus the backbone of [current, (backward pass,) aligned].
 */
function propagationStep(
  g: GraphBuilder,
  sd: StateDict,
  module: 'backward_' | 'forward_',
  current: string,
  prev1: string,
  prev2: string,
  hasPrevious: string,
  extra: string[],
): string {
  const p = 'feat_prop_module';
  const aligned = secondOrderAlign(g, sd, `${p}.deform_align.${module}`, g.concat([prev1, prev2], 1), g.concat([prev1, current, prev2], 1));
  const prop = g.op('Where', [hasPrevious, aligned, g.constF([0], [])]);
  const hidden = leakyRelu(g, conv(g, sd, `${p}.backbone.${module}.0`, g.concat([current, ...extra, prop], 1), { padding: 1 }), 0.1);
  return g.op('Add', [prop, conv(g, sd, `${p}.backbone.${module}.2`, hidden, { padding: 1 })]);
}

/** `rfc_prop_backward`: one step of the backward pass (frames last to first). */
export function buildRfcPropBackward(weights: ProPainterWeights): GraphBuilder {
  const { g, inputs: x } = contractGraph('rfc_prop_backward');
  const feat = propagationStep(g, weights.flowCompletion, 'backward_', x.feat_current!, x.feat_prev1!, x.feat_prev2!, x.has_previous!, []);
  return finishContractGraph(g, 'rfc_prop_backward', { feat_prop: feat });
}

/** `rfc_prop_forward`: one step of the forward pass, which also sees the backward pass's output at this frame. */
export function buildRfcPropForward(weights: ProPainterWeights): GraphBuilder {
  const { g, inputs: x } = contractGraph('rfc_prop_forward');
  const feat = propagationStep(g, weights.flowCompletion, 'forward_', x.feat_current!, x.feat_prev1!, x.feat_prev2!, x.has_previous!, [x.feat_backward!]);
  return finishContractGraph(g, 'rfc_prop_forward', { feat_prop: feat });
}

/** recurrent_flow_completion.py deconv: x2 bilinear (align_corners) upsampling, then a 3x3 convolution. */
function upConv(g: GraphBuilder, sd: StateDict, prefix: string, x: string): string {
  return conv(g, sd, `${prefix}.conv`, resizeBilinear(g, x, 2, true), { padding: 1 });
}

/** `rfc_decoder`: fusion of both passes plus the encoder feature, decoder2 (+ skip), decoder1, upsample. */
export function buildRfcDecoder(weights: ProPainterWeights): GraphBuilder {
  const sd = weights.flowCompletion;
  const { g, inputs: x } = contractGraph('rfc_decoder');
  const fused = g.op('Add', [conv(g, sd, 'feat_prop_module.fusion', g.concat([x.feat_backward!, x.feat_forward!], 1)), x.feat_mid!]);
  let d2 = leakyRelu(g, conv(g, sd, 'decoder2.0', fused, { padding: 1 }), 0.2);
  d2 = g.op('Add', [leakyRelu(g, upConv(g, sd, 'decoder2.2', d2), 0.2), x.feat_e1!]);
  let d1 = leakyRelu(g, conv(g, sd, 'decoder1.0', d2, { padding: 1 }), 0.2);
  d1 = leakyRelu(g, upConv(g, sd, 'decoder1.2', d1), 0.2);
  const up = leakyRelu(g, conv(g, sd, 'upsample.0', d1, { padding: 1 }), 0.2);
  return finishContractGraph(g, 'rfc_decoder', { flow: upConv(g, sd, 'upsample.2', up) });
}
