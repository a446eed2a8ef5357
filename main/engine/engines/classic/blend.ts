/**
 * Gradient-domain (Poisson) blending of the filled region into the frame. The fill g came from other
 * frames, whose light, exposure or alignment differ slightly from this one's, so pasting it leaves a
 * visible outline. The blended result keeps g's gradients inside the hole and meets the frame exactly
 * at the hole's edge: f = g + c, where c is the harmonic (smoothest) field that equals frame - g on a
 * one-pixel ring just outside the hole. Ring pixels where the two disagree wildly (a moving object
 * next to the hole, which g shows as background) are left out, so they are not smeared inside.
 */
import { dilateCross } from '../../../../common/mask/morphology';
import { fillHarmonic } from '../../flow/complete';
import { boundingBox } from './pixels';

export interface RingSamples {
  /** Ring pixel indices (frame), and the fill's RGB there (NaN = not found). */
  pixels: Int32Array;
  rgb: Float32Array;
}

/** The one-pixel ring outside `hole` (4-connected), as frame indices. */
export function outerRing(hole: Uint8Array, width: number, height: number): Int32Array {
  const grown = dilateCross(hole, width, height, 1);
  const out: number[] = [];
  for (let i = 0; i < hole.length; i++) if (grown[i] && !hole[i]) out.push(i);
  return Int32Array.from(out);
}

/**
 * Blends `rgb` (the frame with its hole filled) in place. `ring` holds what the fill's sources show on
 * the ring; `maxOffset` is the largest per-channel difference taken as a light change rather than a
 * different object. Returns how many ring pixels set the boundary.
 */
export function poissonBlend(rgb: Uint8Array, hole: Uint8Array, ring: RingSamples, width: number, height: number, maxOffset = 40): number {
  // The crop holding the hole and its ring.
  const { x0, y0, x1, y1 } = boundingBox(ring.pixels, width);
  if (x1 < 0) return 0;
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const cn = cw * ch;
  const offset = new Float32Array(3 * cn);
  const unknown = new Uint8Array(cn).fill(1);
  let used = 0;
  for (let r = 0; r < ring.pixels.length; r++) {
    const p = ring.pixels[r]!;
    if (Number.isNaN(ring.rgb[3 * r]!)) continue;
    const d0 = rgb[3 * p]! - ring.rgb[3 * r]!;
    const d1 = rgb[3 * p + 1]! - ring.rgb[3 * r + 1]!;
    const d2 = rgb[3 * p + 2]! - ring.rgb[3 * r + 2]!;
    if (Math.abs(d0) > maxOffset || Math.abs(d1) > maxOffset || Math.abs(d2) > maxOffset) continue;
    const x = p % width;
    const k = ((p - x) / width - y0) * cw + (x - x0);
    offset[k] = d0;
    offset[cn + k] = d1;
    offset[2 * cn + k] = d2;
    unknown[k] = 0;
    used++;
  }
  if (used === 0) return 0;
  fillHarmonic(offset, 3, cw, ch, unknown);
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) {
      const p = y * width + x;
      if (!hole[p]) continue;
      const k = (y - y0) * cw + (x - x0);
      for (let c = 0; c < 3; c++) rgb[3 * p + c] = clampByte(rgb[3 * p + c]! + offset[c * cn + k]!);
    }
  return used;
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
