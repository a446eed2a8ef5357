/**
 * Image propagation: ProPainter's BidirectionalPropagation with learnable=False (propainter.py), the
 * weight-free stage shared by the ProPainter orchestrator and the classic engine. It prefers the
 * temporally nearest reliable source by construction: each frame takes its hole pixels from the
 * running result of its neighbour, which already holds what frames further away could give.
 *
 *   propagateImages(chunk: PropagationChunk): PropagationStats     // works in place
 *
 *   chunk.width, chunk.height   processing size
 *   chunk.frames[t]             RGB, Uint8Array or Float32Array (e.g. [-1, 1]); layout 'hwc'
 *                               (interleaved, the default) or 'chw' (planar [3, H, W])
 *   chunk.masks[t]              Uint8Array width*height, non-zero = hole (the dilated mask)
 *   chunk.forwardFlows[t-1]     index k: flow k -> k+1, planar Float32 [2, H, W] (dx plane, dy plane),
 *                               in processing-size pixels
 *   chunk.backwardFlows[t-1]    index k: flow k+1 -> k (stored at k, as upstream does)
 *
 * On return frames[k] holds propagated pixels where they were found and masks[k] is 1 where the hole
 * is still missing, 0 elsewhere (upstream's `updated_masks`). Pixels that stay missing keep whatever
 * the caller put there; they can never be copied into another frame (see below). Pass copies if the
 * inputs are needed afterwards. Splitting a long clip into padded chunks is the caller's business
 * (ProPainter: engines/propainter/windows.ts; classic: engines/classic/chunks.ts).
 *
 * Algorithm, exactly as upstream:
 * - backward pass over frames t-1 .. 0, then a forward pass 0 .. t-1 over the backward pass's output;
 *   the first frame of a pass keeps its pixels and mask;
 * - frame k reads the running result of its predecessor p (k+1 backward, k-1 forward), warped by the
 *   flow from k towards p (forward flow k going backward, backward flow k-1 going forward): pixels
 *   with nearest sampling, the running mask bilinearly and thresholded at > 0.1, both with
 *   grid_sample(align_corners=True, padding_mode='zeros') semantics;
 * - validity: |f + w|^2 < 0.01 (|f|^2 + |w|^2) + 0.5, w = the opposite flow bilinearly sampled at
 *   x + f;
 * - a pixel is filled only where it is a hole, the check passes and the warped source is not a hole.
 * Outside the hole the result equals the input, so only hole pixels are visited. A nearest-sampled
 * source pixel that is itself a hole always has bilinear weight >= 0.25 > 0.1, so unfilled values are
 * never propagated.
 */
import { bilinearHole, bilinearZero, flowConsistent, nearbyint } from '../flow/sample';

export type FrameBuffer = Uint8Array | Float32Array;

export interface PropagationChunk {
  width: number;
  height: number;
  layout?: 'hwc' | 'chw';
  frames: FrameBuffer[];
  masks: Uint8Array[];
  forwardFlows: Float32Array[];
  backwardFlows: Float32Array[];
}

export interface PropagationStats {
  /** Hole pixels before propagation, summed over frames. */
  holePixels: number;
  filledBackward: number;
  filledForward: number;
}

export function propagateImages(chunk: PropagationChunk): PropagationStats {
  const { width, height, frames, masks, forwardFlows, backwardFlows } = chunk;
  const t = frames.length;
  const n = width * height;
  if (masks.length !== t) throw new RangeError(`propagateImages: ${t} frames but ${masks.length} masks`);
  if (t > 0 && (forwardFlows.length !== t - 1 || backwardFlows.length !== t - 1))
    throw new RangeError(`propagateImages: ${t} frames need ${t - 1} flows each way, got ${forwardFlows.length} forward and ${backwardFlows.length} backward`);
  for (let k = 0; k < t; k++) {
    if (frames[k]!.length !== n * 3 || masks[k]!.length !== n) throw new RangeError(`propagateImages: frame ${k} is not ${width}x${height}`);
    if (k < t - 1 && (forwardFlows[k]!.length !== 2 * n || backwardFlows[k]!.length !== 2 * n)) throw new RangeError(`propagateImages: flow ${k} is not [2, ${height}, ${width}]`);
  }
  let holePixels = 0;
  for (const m of masks)
    for (let i = 0; i < n; i++)
      if (m[i] !== 0) {
        m[i] = 1;
        holePixels++;
      }

  const planar = chunk.layout === 'chw';
  const step = (k: number, from: number, flow: Float32Array, check: Float32Array) =>
    propagateStep(frames[k]!, masks[k]!, frames[from]!, masks[from]!, flow, check, width, height, planar);
  let filledBackward = 0;
  for (let k = t - 2; k >= 0; k--) filledBackward += step(k, k + 1, forwardFlows[k]!, backwardFlows[k]!);
  let filledForward = 0;
  for (let k = 1; k < t; k++) filledForward += step(k, k - 1, backwardFlows[k - 1]!, forwardFlows[k - 1]!);
  return { holePixels, filledBackward, filledForward };
}

/** One step of a pass: fills hole pixels of `frame` from the running result `src`; returns how many. */
function propagateStep(
  frame: FrameBuffer,
  mask: Uint8Array,
  src: FrameBuffer,
  srcMask: Uint8Array,
  flow: Float32Array,
  check: Float32Array,
  width: number,
  height: number,
  planar: boolean,
): number {
  const n = width * height;
  const checkY = check.subarray(n);
  let filled = 0;
  for (let p = 0; p < n; p++) {
    if (mask[p] === 0) continue;
    const x = p % width;
    const y = (p - x) / width;
    const fx = flow[p]!;
    const fy = flow[n + p]!;
    const sx = x + fx;
    const sy = y + fy;
    if (!flowConsistent(fx, fy, bilinearZero(check, width, height, sx, sy), bilinearZero(checkY, width, height, sx, sy))) continue;
    if (bilinearHole(srcMask, width, height, sx, sy) > 0.1) continue;
    const ix = nearbyint(sx);
    const iy = nearbyint(sy);
    const inside = ix >= 0 && ix < width && iy >= 0 && iy < height;
    const q = iy * width + ix;
    if (planar) {
      frame[p] = inside ? src[q]! : 0;
      frame[n + p] = inside ? src[n + q]! : 0;
      frame[2 * n + p] = inside ? src[2 * n + q]! : 0;
    } else {
      frame[3 * p] = inside ? src[3 * q]! : 0;
      frame[3 * p + 1] = inside ? src[3 * q + 1]! : 0;
      frame[3 * p + 2] = inside ? src[3 * q + 2]! : 0;
    }
    mask[p] = 0;
    filled++;
  }
  return filled;
}
