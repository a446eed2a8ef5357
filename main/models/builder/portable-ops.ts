/**
 * Exact rewrites of the ONNX operators that GPU execution providers lack, written with operators
 * they all have (models/README.md, "Operators per execution provider"):
 *
 * - modulated deformable convolution (ONNX DeformConv, torchvision's deform_conv2d) as bilinear
 *   sampling with GridSample plus a 1x1 convolution over the sampled columns;
 * - F.fold (ONNX Col2Im) as a ConvTranspose with a fixed one-hot kernel;
 * - F.unfold as a grouped Conv with a fixed one-hot kernel.
 *
 * Every function keeps H and W dynamic (sizes are read from the tensors with Shape) and computes
 * what the original operator computes, up to float rounding (test/unit/portable-ops.test.ts).
 */
import type { GraphBuilder } from './onnx-graph';

const FLOAT = 1; // onnx.TensorProto.DataType.FLOAT

export interface DeformConvGeometry {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  /** Offset groups: input channels are split into this many groups, each with its own offsets. */
  offsetGroups: number;
  /** Convolution groups (torchvision's weight has Cin / groups input channels). */
  groups: number;
}

/** A scalar (rank 0) int64 dimension `axis` of x. */
function dim(g: GraphBuilder, x: string, axis: number): string {
  return g.op('Squeeze', [g.dims(x, [axis]), g.constI([0])]);
}

/**
 * The sampling grid of one spatial axis: for kernel tap t (row-major over the kernel) and output
 * position o, the normalised GridSample coordinate (align_corners = 0) of
 * `o * stride - pad + tap * dilation`, shaped [K, 1, out] (x) or [K, out, 1] (y). The offsets are
 * added to it later, scaled by 2 / size.
 */
function baseCoordinates(g: GraphBuilder, out: string, size: string, taps: number[], stride: number, pad: number, dilation: number, axis: 'x' | 'y'): string {
  const positions = g.op('Cast', [g.op('Range', [g.constI([0], []), out, g.constI([1], [])])], { to: FLOAT });
  const shifts = g.constF(
    taps.map((t) => t * dilation - pad),
    [taps.length, 1, 1],
  );
  const line = g.reshape(g.scale(positions, stride), [g.constI(axis === 'x' ? [1, 1, -1] : [1, -1, 1])]);
  const pixels = g.op('Add', [line, shifts]); // [K,1,out] or [K,out,1]
  // align_corners = 0: x_normalised = (2 x + 1) / size - 1
  const sizeF = g.op('Cast', [size], { to: FLOAT });
  return g.op('Sub', [g.op('Div', [g.op('Add', [g.scale(pixels, 2), g.constF([1], [])]), sizeF]), g.constF([1], [])]);
}

/**
 * Modulated deformable convolution (torchvision.ops.deform_conv2d with a mask; ONNX DeformConv) as
 * GridSample + Conv. x: [N, C, H, W]; offset: [N, 2 * G * kh * kw, Ho, Wo] as (dy, dx) pairs per
 * group and tap; mask: [N, G * kh * kw, Ho, Wo] or undefined (no modulation); weight: a constant
 * value of shape [Cout, C / groups, kh, kw]; bias: [Cout] or undefined.
 *
 * Why it is exact: deform_conv2d samples x bilinearly at `base + offset` with every corner outside
 * the image counted as zero, which is GridSample's bilinear mode with zero padding; align_corners = 0
 * maps pixel p to (2p + 1) / size - 1 and back without dividing by size - 1, so a one-pixel-wide axis
 * works too. The sampled columns, laid out as channel c and tap k at channel c * K + k, times the
 * modulation mask, are exactly the im2col matrix of the convolution, so the weight viewed as
 * [Cout, C * K / groups, 1, 1] applies it as a 1x1 convolution.
 */
export function deformConvBySampling(
  g: GraphBuilder,
  x: string,
  offset: string,
  mask: string | undefined,
  weight: { value: string; shape: readonly number[] },
  bias: string | undefined,
  geometry: DeformConvGeometry,
): string {
  const [cout, cinPerGroup, kh, kw] = weight.shape as [number, number, number, number];
  const { offsetGroups: G, groups } = geometry;
  const channels = cinPerGroup * groups;
  if (channels % G !== 0) throw new Error(`deformable convolution: ${channels} channels do not split into ${G} offset groups`);
  if (kh !== geometry.kernel[0] || kw !== geometry.kernel[1]) throw new Error(`deformable convolution: weight kernel ${kh}x${kw} differs from ${geometry.kernel.join('x')}`);
  const K = kh * kw;

  const n = g.dims(x, [0]);
  const hw = g.dims(x, [2, 3]);
  const outHW = g.dims(offset, [2, 3]);
  const outH = dim(g, offset, 2);
  const outW = dim(g, offset, 3);

  // Base positions of every tap, normalised for GridSample: x varies along output columns, y along rows.
  const tapsY = Array.from({ length: K }, (_, k) => Math.floor(k / kw));
  const tapsX = Array.from({ length: K }, (_, k) => k % kw);
  const baseX = baseCoordinates(g, outW, dim(g, x, 3), tapsX, geometry.stride[1], geometry.padding[1], geometry.dilation[1], 'x');
  const baseY = baseCoordinates(g, outH, dim(g, x, 2), tapsY, geometry.stride[0], geometry.padding[0], geometry.dilation[0], 'y');
  const taps = g.concat([g.constI([K]), outHW, g.constI([1])], 0);
  const base = g.concat([g.op('Expand', [g.op('Unsqueeze', [baseX, g.constI([3])]), taps]), g.op('Expand', [g.op('Unsqueeze', [baseY, g.constI([3])]), taps])], 3); // [K,Ho,Wo,2] as (x, y)

  // Offsets [N, G, K, 2 (dy, dx), Ho, Wo] -> [N, G, K, Ho, Wo, 2 (dx, dy)], scaled to normalised units.
  const pairs = g.reshape(offset, [n, g.constI([G, K, 2]), outHW]);
  const xy = g.op('Gather', [g.op('Transpose', [pairs], { perm: [0, 1, 2, 4, 5, 3] }), g.constI([1, 0])], { axis: 5 });
  const sizeXY = g.op('Cast', [g.op('Gather', [hw, g.constI([1, 0])], { axis: 0 })], { to: FLOAT });
  const grid = g.op('Add', [g.op('Div', [g.scale(xy, 2), sizeXY]), base]); // [N,G,K,Ho,Wo,2]
  const gridFlat = g.reshape(grid, [g.constI([-1]), g.op('Mul', [g.constI([K]), g.dims(offset, [2])]), g.dims(offset, [3]), g.constI([2])]);

  // Sample each offset group's channels with its own grid: [N*G, C/G, K*Ho, Wo].
  const grouped = g.reshape(x, [g.constI([-1, channels / G]), hw]);
  const sampled = g.op('GridSample', [grouped, gridFlat], { mode: 'bilinear', padding_mode: 'zeros', align_corners: 0 });

  // Modulate, then lay out the columns as channel c * K + k and apply the weight as a 1x1 convolution.
  const cols = g.reshape(sampled, [n, g.constI([G, channels / G, K]), outHW]);
  const modulated = mask ? g.op('Mul', [cols, g.reshape(mask, [n, g.constI([G, 1, K]), outHW])]) : cols;
  const im2col = g.reshape(modulated, [n, g.constI([channels * K]), outHW]);
  // [Cout, C/groups, kh, kw] and [Cout, C/groups * K, 1, 1] are the same numbers in the same order.
  const inputs = [im2col, g.op('Reshape', [weight.value, g.constI([cout, cinPerGroup * K, 1, 1])])];
  if (bias) inputs.push(bias);
  return g.op('Conv', inputs, { kernel_shape: [1, 1], group: groups });
}

/**
 * Number of sliding positions of a (kernel, stride, pad) window over a dynamic int64 size:
 * floor((size + 2 pad - kernel) / stride) + 1, as torch's fold and unfold count them.
 */
function windowCount(g: GraphBuilder, size: string, kernel: number, stride: number, pad: number): string {
  return g.op('Add', [g.op('Div', [g.op('Add', [size, g.constI([2 * pad - kernel])]), g.constI([stride])]), g.constI([1])]);
}

/**
 * F.fold (ONNX Col2Im) as ConvTranspose: x [N, C * kh * kw, L] -> [N, C, H, W] with overlapping
 * patches summed; `outputSize` is an int64 [2] value (H, W); C is read from the shape.
 *
 * Why it is exact: reshaped to [N * C, kh * kw, Lh, Lw], each of the kh * kw input channels is one
 * patch position; a transposed convolution with stride `stride` and the one-hot kernel
 * W[k, 0, ky, kx] = (k == ky * kw + kx) adds every patch value at its place in the padded canvas,
 * which is what fold does. The canvas spans (L - 1) * stride + kernel; fold's output is its window
 * [pad, pad + size), padded with zeros where no patch reaches (only when pad < stride - 1).
 */
export function col2ImByConvTranspose(g: GraphBuilder, x: string, outputSize: string, kernel: [number, number], stride: [number, number], padding: [number, number]): string {
  const [kh, kw] = kernel;
  const K = kh * kw;
  const size = (axis: number) => g.op('Slice', [outputSize, g.constI([axis]), g.constI([axis + 1])]);
  const lh = windowCount(g, size(0), kh, stride[0], padding[0]);
  const lw = windowCount(g, size(1), kw, stride[1], padding[1]);
  const planes = g.reshape(x, [g.constI([-1, K]), lh, lw]); // [N*C, K, Lh, Lw]
  const oneHot = new Float32Array(K * K);
  for (let k = 0; k < K; k++) oneHot[k * K + k] = 1;
  let canvas = g.op('ConvTranspose', [planes, g.tensor(oneHot, [K, 1, kh, kw], 'onehot')], { kernel_shape: [kh, kw], strides: stride });
  const tail = [Math.max(0, stride[0] - 1 - padding[0]), Math.max(0, stride[1] - 1 - padding[1])];
  if (tail[0] > 0 || tail[1] > 0) canvas = g.op('Pad', [canvas, g.constI([0, 0, 0, 0, 0, 0, tail[0], tail[1]])]);
  const start = g.constI([padding[0], padding[1]]);
  const window = g.op('Slice', [canvas, start, g.op('Add', [start, outputSize]), g.constI([2, 3])]);
  const n = g.dims(x, [0]);
  return g.reshape(window, [n, g.constI([-1]), outputSize]);
}

/**
 * F.unfold for a fixed channel count: [N, C, H, W] -> [N, C * kh * kw, L] (channel-major, then ky,
 * kx), as a grouped convolution whose group c copies channel c to its kh * kw output channels with
 * a one-hot kernel. Grouping keeps the kernel at C * K * K values instead of (C * K)^2 (for
 * ProPainter's 128 channels and a 7x7 window: 1.2 MB instead of 157 MB).
 */
export function unfoldByConv(g: GraphBuilder, x: string, channels: number, kernel: [number, number], stride: [number, number], padding: [number, number]): string {
  const [kh, kw] = kernel;
  const K = kh * kw;
  const oneHot = new Float32Array(channels * K * K);
  for (let c = 0; c < channels; c++) for (let k = 0; k < K; k++) oneHot[(c * K + k) * K + k] = 1;
  const patches = g.op('Conv', [x, g.tensor(oneHot, [channels * K, 1, kh, kw], 'onehot')], {
    kernel_shape: [kh, kw],
    strides: stride,
    pads: [padding[0], padding[1], padding[0], padding[1]],
    group: channels,
  });
  const n = g.dims(patches, [0, 1]);
  return g.reshape(patches, [n, g.constI([-1])]);
}
