/** Frame ↔ x on the timeline (frame f occupies [f·ppf, (f+1)·ppf)), and ruler tick spacing. */

export const MAX_PX_PER_FRAME = 32;

export function frameAtX(x: number, pxPerFrame: number, frameCount: number): number {
  return Math.min(frameCount - 1, Math.max(0, Math.floor(x / pxPerFrame)));
}

/** Centre of a frame's cell: where its playhead and key markers sit. */
export function xOfFrame(frame: number, pxPerFrame: number): number {
  return (frame + 0.5) * pxPerFrame;
}

/** Frames between labelled ruler ticks: the smallest "nice" step leaving `minPx` between labels. */
export function rulerStep(pxPerFrame: number, minPx = 64): number {
  const nice = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000];
  return nice.find((s) => s * pxPerFrame >= minPx) ?? nice[nice.length - 1]!;
}

/**
 * The thumbnail a strip slot shows: the one nearest the slot's centre frame, when it is near enough
 * to stand for the slot — within the slot's frames, or within the spacing of the complete set (the
 * host makes `wanted` thumbnails spread evenly, coarse to fine). Null: the slot waits, rather than
 * repeating the first thumbnails that arrived along the whole strip.
 */
export function thumbnailForSlot(sorted: readonly number[], centreFrame: number, slotFrames: number, frameCount: number, wanted: number): number | null {
  if (!sorted.length) return null;
  const index = sorted[nearestIndex(sorted, centreFrame)]!;
  const spacing = (frameCount - 1) / Math.max(1, Math.min(wanted, frameCount) - 1);
  return Math.abs(index - centreFrame) <= Math.max(slotFrames, spacing) ? index : null;
}

/** Index into sorted `indices` of the value nearest to `target` (for picking the closest thumbnail). */
export function nearestIndex(sorted: readonly number[], target: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(sorted[lo - 1]! - target) <= Math.abs(sorted[lo]! - target)) return lo - 1;
  return lo;
}
