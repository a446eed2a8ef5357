/**
 * Plain TypeScript references of the torch operators the graph rewrites replace, written from their
 * definitions (loops, no tricks), in float64: torchvision.ops.deform_conv2d with a mask, F.fold and
 * F.unfold.
 */
import type { FloatTensor } from './onnx-run';

export interface DeformParams {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  offsetGroups: number;
  groups: number;
}

/** Bilinear sample of one channel plane at (y, x); corners outside the plane count as zero, and a point at or beyond one pixel outside is zero. */
function bilinear(plane: Float32Array, base: number, h: number, w: number, y: number, x: number): number {
  if (y <= -1 || y >= h || x <= -1 || x >= w) return 0;
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const ly = y - y0;
  const lx = x - x0;
  const at = (yy: number, xx: number) => (yy >= 0 && yy < h && xx >= 0 && xx < w ? plane[base + yy * w + xx]! : 0);
  return (1 - ly) * (1 - lx) * at(y0, x0) + (1 - ly) * lx * at(y0, x0 + 1) + ly * (1 - lx) * at(y0 + 1, x0) + ly * lx * at(y0 + 1, x0 + 1);
}

/**
 * torchvision.ops.deform_conv2d(x, offset, weight, bias, stride, padding, dilation, mask):
 * offset [N, 2*G*kh*kw, Ho, Wo] as (dy, dx) per group and tap, mask [N, G*kh*kw, Ho, Wo].
 */
export function deformConv2dReference(x: FloatTensor, offset: FloatTensor, mask: FloatTensor, weight: FloatTensor, bias: Float32Array | undefined, p: DeformParams): FloatTensor {
  const [N, C, H, W] = x.dims as [number, number, number, number];
  const [Cout, Cg, kh, kw] = weight.dims as [number, number, number, number];
  const [, , Ho, Wo] = offset.dims as [number, number, number, number];
  const K = kh * kw;
  const G = p.offsetGroups;
  const cPerOffsetGroup = C / G;
  const outPerGroup = Cout / p.groups;
  const out = new Float32Array(N * Cout * Ho * Wo);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++) {
        // sampled[c][k] for this output position
        const sampled = new Float64Array(C * K);
        for (let c = 0; c < C; c++) {
          const grp = Math.floor(c / cPerOffsetGroup);
          for (let k = 0; k < K; k++) {
            const ky = Math.floor(k / kw);
            const kx = k % kw;
            const at = (ch: number) => ((n * offset.dims[1]! + ch) * Ho + oy) * Wo + ox;
            const dy = offset.data[at(2 * (grp * K + k))]!;
            const dx = offset.data[at(2 * (grp * K + k) + 1)]!;
            const m = mask.data[((n * mask.dims[1]! + grp * K + k) * Ho + oy) * Wo + ox]!;
            const y = oy * p.stride[0] - p.padding[0] + ky * p.dilation[0] + dy;
            const xx = ox * p.stride[1] - p.padding[1] + kx * p.dilation[1] + dx;
            sampled[c * K + k] = m * bilinear(x.data, (n * C + c) * H * W, H, W, y, xx);
          }
        }
        for (let o = 0; o < Cout; o++) {
          const grp = Math.floor(o / outPerGroup);
          let acc = bias ? bias[o]! : 0;
          for (let ci = 0; ci < Cg; ci++) for (let k = 0; k < K; k++) acc += weight.data[(o * Cg + ci) * K + k]! * sampled[(grp * Cg + ci) * K + k]!;
          out[((n * Cout + o) * Ho + oy) * Wo + ox] = acc;
        }
      }
  return { data: out, dims: [N, Cout, Ho, Wo] };
}

const windows = (size: number, k: number, s: number, p: number) => Math.floor((size + 2 * p - k) / s) + 1;

/**
 * Every element of every patch of fold/unfold: `visit(image, column)` with the flat index into the
 * [N, C, H, W] image (-1 where the patch covers padding) and into the [N, C*kh*kw, L] columns.
 */
function forEachPatchElement(
  dims: [number, number, number, number],
  kernel: [number, number],
  stride: [number, number],
  padding: [number, number],
  visit: (image: number, column: number) => void,
): void {
  const [N, C, H, W] = dims;
  const [kh, kw] = kernel;
  const lh = windows(H, kh, stride[0], padding[0]);
  const lw = windows(W, kw, stride[1], padding[1]);
  const L = lh * lw;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++)
          for (let by = 0; by < lh; by++)
            for (let bx = 0; bx < lw; bx++) {
              const y = by * stride[0] - padding[0] + ky;
              const xx = bx * stride[1] - padding[1] + kx;
              const image = y < 0 || y >= H || xx < 0 || xx >= W ? -1 : ((n * C + c) * H + y) * W + xx;
              visit(image, (n * C * kh * kw + (c * kh + ky) * kw + kx) * L + by * lw + bx);
            }
}

/** F.fold: [N, C*kh*kw, L] -> [N, C, H, W], overlapping patch values summed. */
export function foldReference(x: FloatTensor, size: [number, number], kernel: [number, number], stride: [number, number], padding: [number, number]): FloatTensor {
  const [N, CK, L] = x.dims as [number, number, number];
  const [H, W] = size;
  const C = CK / (kernel[0] * kernel[1]);
  const blocks = windows(H, kernel[0], stride[0], padding[0]) * windows(W, kernel[1], stride[1], padding[1]);
  if (blocks !== L) throw new Error(`fold: ${L} blocks, expected ${blocks}`);
  const out = new Float64Array(N * C * H * W);
  forEachPatchElement([N, C, H, W], kernel, stride, padding, (image, column) => {
    if (image >= 0) out[image] += x.data[column]!;
  });
  return { data: Float32Array.from(out), dims: [N, C, H, W] };
}

/** F.unfold: [N, C, H, W] -> [N, C*kh*kw, L], zero padding. */
export function unfoldReference(x: FloatTensor, kernel: [number, number], stride: [number, number], padding: [number, number]): FloatTensor {
  const [N, C, H, W] = x.dims as [number, number, number, number];
  const L = windows(H, kernel[0], stride[0], padding[0]) * windows(W, kernel[1], stride[1], padding[1]);
  const out = new Float32Array(N * C * kernel[0] * kernel[1] * L);
  forEachPatchElement([N, C, H, W], kernel, stride, padding, (image, column) => {
    out[column] = image >= 0 ? x.data[image]! : 0;
  });
  return { data: out, dims: [N, C * kernel[0] * kernel[1], L] };
}
