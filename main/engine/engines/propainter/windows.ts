/**
 * The index maths of ProPainter's official inference (inference_propainter.py), as pure functions:
 * RAFT clips, padded sub-video windows (flow completion and image propagation), transformer windows
 * with their reference frames, the order of the recurrent propagation steps, and which frames and
 * flows later work still needs (what the streaming orchestrator may drop). Frame positions are
 * 0-based within the job; flow k is the pair (k, k+1): forward flow k maps k -> k+1, backward flow
 * k maps k+1 -> k (both stored at index k, as upstream does).
 */
import type { ProPainterSettings } from '../../../../common/project/schema';

/** Frames per RAFT clip by processing width: 12 up to 640 px, 8 up to 720, 4 up to 1280, else 2. */
export function raftClipLength(width: number): number {
  if (width <= 640) return 12;
  if (width <= 720) return 8;
  if (width <= 1280) return 4;
  return 2;
}

export interface Span {
  start: number;
  end: number;
}

/**
 * RAFT clips as frame spans [start, end): the first is [0, L); every later one starts one frame
 * early so that consecutive clips share a frame and together give exactly frameCount - 1 flows.
 * Clip [s, e) gives the flows s .. e-2.
 */
export function raftClips(frameCount: number, clipLength: number): Span[] {
  if (frameCount < 2) return [];
  if (frameCount <= clipLength) return [{ start: 0, end: frameCount }];
  const clips: Span[] = [];
  for (let f = 0; f < frameCount; f += clipLength) {
    const start = f === 0 ? 0 : f - 1;
    const end = Math.min(frameCount, f + clipLength);
    if (end - start >= 2) clips.push({ start, end });
  }
  return clips;
}

export interface PaddedWindow {
  /** What is computed: [start, end). */
  start: number;
  end: number;
  /** What is kept: [keepStart, keepEnd), the window without its padding. */
  keepStart: number;
  keepEnd: number;
}

/** One padded window whose kept part starts at `at` and is `windowLength` long (clamped to the sequence). */
export function paddedWindowAt(at: number, length: number, windowLength: number, pad: number): PaddedWindow {
  return {
    start: Math.max(0, at - pad),
    end: Math.min(length, at + windowLength + pad),
    keepStart: at,
    keepEnd: Math.min(length, at + windowLength),
  };
}

/**
 * Upstream's sub-video split: a sequence no longer than `windowLength` is one window; a longer one
 * is cut at multiples of windowLength, each piece computed with `pad` extra items on both sides.
 * Flow completion uses it over the T-1 flows (subvideoLength, pad 5); image propagation over the
 * T frames (min(100, subvideoLength), pad 10).
 */
export function paddedWindows(length: number, windowLength: number, pad: number): PaddedWindow[] {
  if (length <= 0) return [];
  if (length <= windowLength) return [{ start: 0, end: length, keepStart: 0, keepEnd: length }];
  const out: PaddedWindow[] = [];
  for (let f = 0; f < length; f += windowLength) out.push(paddedWindowAt(f, length, windowLength, pad));
  return out;
}

export const RFC_PAD = 5;
export const IMAGE_PROPAGATION_PAD = 10;

export function imagePropagationLength(settings: Pick<ProPainterSettings, 'subvideoLength'>): number {
  // Upstream says "ensure a minimum of 100" but takes the minimum; we reproduce what it does.
  return Math.min(100, settings.subvideoLength);
}

export interface InpaintWindow {
  /** The window's centre (a multiple of the neighbour stride). */
  center: number;
  /** Consecutive local frames [center - stride, center + stride], clamped. */
  local: number[];
  /** Reference frames, not among the local ones. */
  refs: number[];
}

/**
 * get_ref_index: with refNum = -1 every refStride-th frame of the whole clip (0, 10, 20, ...);
 * otherwise the frames center - refStride*(refNum/2), ... stepping by refStride up to
 * center + refStride*(refNum/2) (exclusive), clamped to the clip — offsets from the centre, not
 * multiples of refStride. Local frames are skipped.
 */
export function referenceIndices(center: number, local: readonly number[], frameCount: number, refStride: number, refNum: number): number[] {
  const refs: number[] = [];
  const isLocal = (i: number) => local.includes(i);
  if (refNum === -1) {
    for (let i = 0; i < frameCount; i += refStride) if (!isLocal(i)) refs.push(i);
    return refs;
  }
  const half = refStride * Math.floor(refNum / 2);
  const start = Math.max(0, center - half);
  const end = Math.min(frameCount, center + half);
  for (let i = start; i < end; i += refStride) {
    if (isLocal(i)) continue;
    if (refs.length > refNum) break; // upstream's cap (the range never yields more than refNum)
    refs.push(i);
  }
  return refs;
}

/** The transformer windows of the whole clip, in processing order. */
export function inpaintWindows(frameCount: number, settings: Pick<ProPainterSettings, 'neighborLength' | 'refStride' | 'subvideoLength'>): InpaintWindow[] {
  const stride = Math.max(1, Math.floor(settings.neighborLength / 2));
  const refNum = frameCount > settings.subvideoLength ? Math.floor(settings.subvideoLength / settings.refStride) : -1;
  const out: InpaintWindow[] = [];
  for (let center = 0; center < frameCount; center += stride) {
    const local: number[] = [];
    for (let i = Math.max(0, center - stride); i < Math.min(frameCount, center + stride + 1); i++) local.push(i);
    out.push({ center, local, refs: referenceIndices(center, local, frameCount, settings.refStride, refNum) });
  }
  return out;
}

/**
 * After window `w` is done, frames below the returned position are final: no later window has them
 * among its local frames (later windows start at their own first local frame).
 */
export function finalBefore(windows: readonly InpaintWindow[], w: number, frameCount: number): number {
  return w + 1 < windows.length ? windows[w + 1]!.local[0]! : frameCount;
}

/**
 * For each window w, the smallest frame any window from w on still reads (local or reference):
 * everything below it in the propagated-frame buffers can be dropped before running window w.
 */
export function firstFrameNeededFrom(windows: readonly InpaintWindow[]): number[] {
  const out = new Array<number>(windows.length + 1).fill(Number.POSITIVE_INFINITY);
  for (let w = windows.length - 1; w >= 0; w--) {
    const win = windows[w]!;
    out[w] = Math.min(out[w + 1]!, win.local[0]!, ...win.refs);
  }
  return out;
}

/** The highest frame a window reads. */
export function lastFrameOf(win: InpaintWindow): number {
  return Math.max(win.local[win.local.length - 1]!, ...win.refs);
}

export interface PropagationStep {
  /** Position within the sequence (0-based). */
  frame: number;
  /** Flow index (pair) used to bring the previous step's feature to this frame, or null at the first step. */
  flow: number | null;
  /** Which flow set warps: the backward pass uses forward flows (k -> k+1), the forward pass backward flows. */
  flowSet: 'forward' | 'backward';
  /** Position of the previous step (prev1) and the one before (prev2), null when absent. */
  prev1: number | null;
  prev2: number | null;
}

/**
 * The recurrent propagation order used by both the flow-completion network and the generator's
 * feature propagation: the backward pass visits frames n-1 .. 0 and warps with forward flow
 * `frame` (frame -> frame+1), the forward pass visits 0 .. n-1 and warps with backward flow
 * `frame - 1` (frame -> frame-1). The check flow is the other set at the same index.
 */
export function propagationSteps(n: number, direction: 'backward' | 'forward'): PropagationStep[] {
  const steps: PropagationStep[] = [];
  for (let i = 0; i < n; i++) {
    const frame = direction === 'backward' ? n - 1 - i : i;
    const step = direction === 'backward' ? 1 : -1;
    steps.push({
      frame,
      flow: i === 0 ? null : direction === 'backward' ? frame : frame - 1,
      flowSet: direction === 'backward' ? 'forward' : 'backward',
      prev1: i >= 1 ? frame + step : null,
      prev2: i >= 2 ? frame + 2 * step : null,
    });
  }
  return steps;
}
