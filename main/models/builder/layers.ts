/**
 * PyTorch layers as ONNX nodes, with their weights taken from a state dict by the module's key
 * prefix (e.g. `encoder.0` reads `encoder.0.weight` and `encoder.0.bias`). Each function is the
 * inference-time meaning of the torch layer of the same name; the network files (raft.ts,
 * flow-completion.ts, generator.ts) compose them the way upstream's modules do.
 */
import type { GraphBuilder } from './onnx-graph';
import { unfoldByConv } from './portable-ops';
import { floatTensor, type StateDict } from './weights';

export interface ConvOptions {
  stride?: number | number[];
  padding?: number | number[];
  dilation?: number | number[];
  groups?: number;
}

const expand = (v: number | number[] | undefined, rank: number, fallback: number): number[] =>
  v === undefined ? new Array(rank).fill(fallback) : typeof v === 'number' ? new Array(rank).fill(v) : v;

/** nn.Conv2d / nn.Conv3d (the rank follows the weight), zero padding. */
export function conv(g: GraphBuilder, sd: StateDict, prefix: string, x: string, opts: ConvOptions = {}): string {
  const w = floatTensor(sd, `${prefix}.weight`);
  const rank = w.shape.length - 2;
  const kernel = w.shape.slice(2);
  const pad = expand(opts.padding, rank, 0);
  const inputs = [x, g.tensor(w.data, w.shape)];
  if (sd.has(`${prefix}.bias`)) {
    const b = floatTensor(sd, `${prefix}.bias`);
    inputs.push(g.tensor(b.data, b.shape));
  }
  return g.op('Conv', inputs, {
    kernel_shape: [...kernel],
    strides: expand(opts.stride, rank, 1),
    pads: [...pad, ...pad],
    dilations: expand(opts.dilation, rank, 1),
    group: opts.groups ?? 1,
  });
}

/** nn.Linear over the last axis: x @ W^T + b. */
export function linear(g: GraphBuilder, sd: StateDict, prefix: string, x: string): string {
  const w = floatTensor(sd, `${prefix}.weight`);
  const [out, inp] = w.shape as [number, number];
  const transposed = new Float32Array(out * inp);
  for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) transposed[i * out + o] = w.data[o * inp + i]!;
  const y = g.op('MatMul', [x, g.tensor(transposed, [inp, out])]);
  if (!sd.has(`${prefix}.bias`)) return y;
  const b = floatTensor(sd, `${prefix}.bias`);
  return g.op('Add', [y, g.tensor(b.data, b.shape)]);
}

/** nn.LayerNorm over the last axis. */
export function layerNorm(g: GraphBuilder, sd: StateDict, prefix: string, x: string, eps = 1e-5): string {
  const w = floatTensor(sd, `${prefix}.weight`);
  const b = floatTensor(sd, `${prefix}.bias`);
  return g.op('LayerNormalization', [x, g.tensor(w.data, w.shape), g.tensor(b.data, b.shape)], { axis: -1, epsilon: { float: eps } });
}

/** nn.BatchNorm2d in eval mode (running statistics). */
export function batchNorm(g: GraphBuilder, sd: StateDict, prefix: string, x: string, eps = 1e-5): string {
  const t = (k: string) => {
    const v = floatTensor(sd, `${prefix}.${k}`);
    return g.tensor(v.data, v.shape);
  };
  return g.op('BatchNormalization', [x, t('weight'), t('bias'), t('running_mean'), t('running_var')], { epsilon: { float: eps } });
}

/** nn.InstanceNorm2d without affine parameters (RAFT's feature encoder). */
export function instanceNorm(g: GraphBuilder, x: string, channels: number, eps = 1e-5): string {
  return g.op('InstanceNormalization', [x, g.constF(new Array(channels).fill(1)), g.constF(new Array(channels).fill(0))], { epsilon: { float: eps } });
}

export function leakyRelu(g: GraphBuilder, x: string, slope: number): string {
  return g.op('LeakyRelu', [x], { alpha: { float: slope } });
}

export function relu(g: GraphBuilder, x: string): string {
  return g.op('Relu', [x]);
}

/** x[:, start:end] on the channel axis (torch.split / chunk of a fixed channel count). */
export function sliceChannels(g: GraphBuilder, x: string, start: number, end: number): string {
  return g.op('Slice', [x, g.constI([start]), g.constI([end]), g.constI([1])]);
}

/**
 * torchvision.ops.deform_conv2d with a modulation mask: offsets [N, 2*G*kh*kw, H, W] as (dy, dx)
 * pairs, mask [N, G*kh*kw, H, W]; weight and bias from the module at `prefix`. Written as the
 * native ONNX DeformConv, which the CPU provider runs 2.7x faster than the rewrite; GPU providers
 * lack it, and the engine gives them portableModel()'s GridSample + Conv form instead.
 */
export function deformConv(
  g: GraphBuilder,
  sd: StateDict,
  prefix: string,
  x: string,
  offset: string,
  mask: string,
  opts: { padding: number; stride?: number; dilation?: number; offsetGroups: number },
): string {
  const w = floatTensor(sd, `${prefix}.weight`);
  const b = floatTensor(sd, `${prefix}.bias`);
  const p = opts.padding;
  return g.op('DeformConv', [x, g.tensor(w.data, w.shape), offset, g.tensor(b.data, b.shape), mask], {
    kernel_shape: [w.shape[2]!, w.shape[3]!],
    strides: [opts.stride ?? 1, opts.stride ?? 1],
    pads: [p, p, p, p],
    dilations: [opts.dilation ?? 1, opts.dilation ?? 1],
    offset_group: opts.offsetGroups,
  });
}

/**
 * F.unfold for a fixed channel count: [N, C, H, W] -> [N, C*kh*kw, L] (channel-major, then ky, kx),
 * a grouped convolution with a one-hot kernel (portable-ops.ts): a plain Conv for every provider.
 */
export function unfold(g: GraphBuilder, x: string, channels: number, kernel: [number, number], stride: [number, number], padding: [number, number]): string {
  return unfoldByConv(g, x, channels, kernel, stride, padding);
}

/**
 * F.fold: [N, C*kh*kw, L] -> [N, C, H, W], overlaps summed; `outputSize` is an int64 [2] value (H, W).
 * Native Col2Im (6.6x faster on the CPU provider than the ConvTranspose rewrite portableModel()
 * gives GPU providers). A fold of a Linear's output is cheaper still as one ConvTranspose with the
 * Linear's weights (generator-transformer.ts does that).
 */
export function fold(g: GraphBuilder, x: string, outputSize: string, kernel: [number, number], stride: [number, number], padding: [number, number]): string {
  return g.op('Col2Im', [x, outputSize, g.constI(kernel)], { strides: stride, pads: [padding[0], padding[1], padding[0], padding[1]] });
}

/** F.interpolate(mode='bilinear') by a fixed factor; scales stay float32 in every precision. */
export function resizeBilinear(g: GraphBuilder, x: string, factor: number, alignCorners: boolean): string {
  return g.op('Resize', [x, '', g.constF([1, 1, factor, factor])], {
    mode: 'linear',
    coordinate_transformation_mode: alignCorners ? 'align_corners' : 'pytorch_half_pixel',
  });
}
