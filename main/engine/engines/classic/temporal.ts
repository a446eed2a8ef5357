/**
 * Temporal smoothing of the fill (ClassicSettings.temporalSmoothing). Consecutive frames take their
 * hole from different sources (the nearest frame that shows a spot changes as the hole moves; water
 * and spray differ from frame to frame), so the fill shimmers where the picture does not. Each filled
 * pixel is pulled towards what the previous frame's fill showed at the same scene point (through the
 * camera homography), but only where that was filled too and looks alike: a real change (an edge
 * moving through, a change of light beyond `maxChange`) passes unsmoothed, so nothing trails behind.
 */
import { mapPoint, type Homography } from '../../flow/motion';
import { sampleIfVisible } from './propagate';

export interface PreviousFill {
  rgb: Uint8Array;
  /** 1 where the previous frame was filled, 0 where it kept its own pixels. */
  hole: Uint8Array;
}

/**
 * Pulls `rgb` at the listed hole pixels towards the previous fill by `strength` (0..1). `toPrevious`
 * maps this frame's pixels into the previous frame. Returns how many pixels were smoothed.
 */
export function smoothWithPrevious(
  rgb: Uint8Array,
  holePixels: Int32Array,
  previous: PreviousFill,
  toPrevious: Homography,
  strength: number,
  width: number,
  height: number,
  maxChange = 60,
): number {
  const notFilled = new Uint8Array(previous.hole.length);
  for (let i = 0; i < notFilled.length; i++) notFilled[i] = previous.hole[i] ? 0 : 1;
  const source = { rgb: previous.rgb, blocked: notFilled };
  const q = [0, 0];
  const before = new Float32Array(3);
  let smoothed = 0;
  for (const p of holePixels) {
    const x = p % width;
    mapPoint(toPrevious, x, (p - x) / width, q);
    if (!sampleIfVisible(source, q[0]!, q[1]!, width, height, before, 0)) continue;
    const o = 3 * p;
    const change = Math.abs(before[0]! - rgb[o]!) + Math.abs(before[1]! - rgb[o + 1]!) + Math.abs(before[2]! - rgb[o + 2]!);
    if (change > maxChange) continue;
    for (let c = 0; c < 3; c++) rgb[o + c] = Math.round(rgb[o + c]! + strength * (before[c]! - rgb[o + c]!));
    smoothed++;
  }
  return smoothed;
}
