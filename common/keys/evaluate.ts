/**
 * Evaluating a keyed roto shape at a frame. A key holds the whole shape (every vertex and handle); keys
 * are sorted by frame with unique frames and equal vertex counts (checked by restore()).
 *
 * - Before the first key and after the last the shape holds.
 * - Between key k and key k+1 the segment's interpolation is key k's `interp` (the key that *starts* the
 *   segment owns it, as After Effects' outgoing interpolation):
 *   - 'linear': every coordinate moves at constant speed;
 *   - 'smooth': a cubic Hermite curve through the keys in time, per coordinate. Tangents are
 *     Catmull-Rom estimates limited as in Fritsch & Carlson (1980), so a segment never overshoots its
 *     two key values (a point that stops at a key does not swing past it); the first and last key get a
 *     zero tangent, matching the hold outside them, so motion eases in and out at the ends. Consecutive
 *     smooth segments join with continuous velocity (C1).
 */
import type { Shape, ShapeKey, Vertex } from '../project/schema';

const FIELDS = ['x', 'y', 'inX', 'inY', 'outX', 'outY'] as const;

/** Index of the last key at or before `frame`, or -1 when `frame` is before the first key. */
export function keyIndexAtOrBefore(keys: readonly ShapeKey[], frame: number): number {
  let lo = 0;
  let hi = keys.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]!.frame <= frame) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Index of the key exactly at `frame`, or -1. */
export function keyIndexAt(keys: readonly ShapeKey[], frame: number): number {
  const i = keyIndexAtOrBefore(keys, frame);
  return i >= 0 && keys[i]!.frame === frame ? i : -1;
}

/** The shape's vertices at `frame` (new objects; the shape is not modified). */
export function evaluateShape(shape: Pick<Shape, 'keys'>, frame: number): Vertex[] {
  const keys = shape.keys;
  const k = keyIndexAtOrBefore(keys, frame);
  if (k < 0) return copyVertices(keys[0]!.vertices);
  if (k === keys.length - 1 || keys[k]!.frame === frame) return copyVertices(keys[k]!.vertices);
  const a = keys[k]!;
  const b = keys[k + 1]!;
  const h = b.frame - a.frame;
  const u = (frame - a.frame) / h;
  if (a.interp === 'linear') {
    return a.vertices.map((va, i) => {
      const vb = b.vertices[i]!;
      const v = { ...va };
      for (const f of FIELDS) v[f] = va[f] + (vb[f] - va[f]) * u;
      return v;
    });
  }
  const u2 = u * u;
  const u3 = u2 * u;
  const h00 = 2 * u3 - 3 * u2 + 1;
  const h10 = u3 - 2 * u2 + u;
  const h01 = -2 * u3 + 3 * u2;
  const h11 = u3 - u2;
  return a.vertices.map((va, i) => {
    const vb = b.vertices[i]!;
    const v = { ...va };
    for (const f of FIELDS) {
      const ma = tangent(keys, k, i, f);
      const mb = tangent(keys, k + 1, i, f);
      v[f] = h00 * va[f] + h10 * h * ma + h01 * vb[f] + h11 * h * mb;
    }
    return v;
  });
}

/** d(value)/d(frame) at key k for one coordinate of vertex i (see the header for the rules). */
function tangent(keys: readonly ShapeKey[], k: number, i: number, f: (typeof FIELDS)[number]): number {
  if (k === 0 || k === keys.length - 1) return 0;
  const prev = keys[k - 1]!;
  const cur = keys[k]!;
  const next = keys[k + 1]!;
  const before = (cur.vertices[i]![f] - prev.vertices[i]![f]) / (cur.frame - prev.frame);
  const after = (next.vertices[i]![f] - cur.vertices[i]![f]) / (next.frame - cur.frame);
  if (before * after <= 0) return 0; // a turning point (or a pause) stops here instead of overshooting
  const m = (next.vertices[i]![f] - prev.vertices[i]![f]) / (next.frame - prev.frame);
  const limit = 3 * Math.min(Math.abs(before), Math.abs(after));
  return Math.sign(m) * Math.min(Math.abs(m), limit);
}

function copyVertices(vertices: readonly Vertex[]): Vertex[] {
  return vertices.map((v) => ({ ...v }));
}
