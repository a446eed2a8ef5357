/**
 * Geometry of roto paths: a list of vertices with handles relative to them (schema's Vertex). Segment i
 * runs from vertex i to vertex i+1 (and, on a closed path, the last segment back to vertex 0). On a
 * 'bezier' path a segment is the cubic (p_i, p_i + out_i, p_i+1 + in_i+1, p_i+1); on a 'polygon' path
 * handles are ignored and segments are straight.
 */
import type { Vertex } from '../project/schema';

/** x0, y0, x1, y1, x2, y2, x3, y3 of one cubic segment. */
export type Cubic = [number, number, number, number, number, number, number, number];

export function segmentCount(vertexCount: number, closed: boolean): number {
  if (vertexCount < 2) return 0;
  return closed ? vertexCount : vertexCount - 1;
}

/** The cubic of segment i; a straight segment has its control points at a third and two thirds. */
export function segmentCubic(vertices: readonly Vertex[], i: number, curved: boolean): Cubic {
  const a = vertices[i]!;
  const b = vertices[(i + 1) % vertices.length]!;
  if (!curved) return [a.x, a.y, a.x + (b.x - a.x) / 3, a.y + (b.y - a.y) / 3, b.x - (b.x - a.x) / 3, b.y - (b.y - a.y) / 3, b.x, b.y];
  return [a.x, a.y, a.x + a.outX, a.y + a.outY, b.x + b.inX, b.y + b.inY, b.x, b.y];
}

export function cubicPoint(c: Cubic, t: number): { x: number; y: number } {
  const u = 1 - t;
  const b0 = u * u * u;
  const b1 = 3 * u * u * t;
  const b2 = 3 * u * t * t;
  const b3 = t * t * t;
  return { x: b0 * c[0] + b1 * c[2] + b2 * c[4] + b3 * c[6], y: b0 * c[1] + b1 * c[3] + b2 * c[5] + b3 * c[7] };
}

/**
 * Flattens a path into a polyline in output pixels (x * sx, y * sy), every point of the true curve
 * within `tolerance` output pixels of it. The number of pieces per cubic comes from Wang's formula,
 * n = ceil(sqrt(3/4 * max|p0 - 2p1 + p2|, |p1 - 2p2 + p3| / tolerance)), so curvier segments get more.
 * Closed paths do not repeat their first point. Returns a flat x, y, x, y, ... array.
 */
export function flattenPath(vertices: readonly Vertex[], closed: boolean, curved: boolean, sx: number, sy: number, tolerance: number): Float64Array {
  const n = vertices.length;
  if (n === 0) return new Float64Array(0);
  const out: number[] = [vertices[0]!.x * sx, vertices[0]!.y * sy];
  const segments = segmentCount(n, closed);
  for (let i = 0; i < segments; i++) {
    const c = segmentCubic(vertices, i, curved);
    for (let k = 0; k < 8; k += 2) {
      c[k] = c[k]! * sx;
      c[k + 1] = c[k + 1]! * sy;
    }
    const last = closed && i === segments - 1;
    let pieces = 1;
    if (curved) {
      const m = Math.max(Math.hypot(c[0] - 2 * c[2] + c[4], c[1] - 2 * c[3] + c[5]), Math.hypot(c[2] - 2 * c[4] + c[6], c[3] - 2 * c[5] + c[7]));
      // Capped so that a wild handle cannot stall a frame; 4096 pieces is finer than any output row.
      pieces = Math.min(4096, Math.max(1, Math.ceil(Math.sqrt((0.75 * m) / tolerance))));
    }
    for (let k = 1; k <= pieces; k++) {
      if (last && k === pieces) break;
      const p = cubicPoint(c, k / pieces);
      out.push(p.x, p.y);
    }
  }
  return Float64Array.from(out);
}

/**
 * Splits segment i at parameter t (de Casteljau) without changing the path: returns the new vertex and
 * the adjusted handles of the segment's two end vertices.
 */
export function splitSegment(
  vertices: readonly Vertex[],
  i: number,
  t: number,
  curved: boolean,
): { before: Vertex; inserted: Vertex; after: Vertex } {
  const a = vertices[i]!;
  const b = vertices[(i + 1) % vertices.length]!;
  if (!curved) {
    const x = a.x + (b.x - a.x) * t;
    const y = a.y + (b.y - a.y) * t;
    return { before: a, inserted: { x, y, inX: 0, inY: 0, outX: 0, outY: 0 }, after: b };
  }
  const [x0, y0, x1, y1, x2, y2, x3, y3] = segmentCubic(vertices, i, true);
  const lerp = (p: number, q: number) => p + (q - p) * t;
  const ax = lerp(x0, x1);
  const ay = lerp(y0, y1);
  const bx = lerp(x1, x2);
  const by = lerp(y1, y2);
  const cx = lerp(x2, x3);
  const cy = lerp(y2, y3);
  const dx = lerp(ax, bx);
  const dy = lerp(ay, by);
  const ex = lerp(bx, cx);
  const ey = lerp(by, cy);
  const mx = lerp(dx, ex);
  const my = lerp(dy, ey);
  return {
    before: { ...a, outX: ax - x0, outY: ay - y0 },
    inserted: { x: mx, y: my, inX: dx - mx, inY: dy - my, outX: ex - mx, outY: ey - my },
    after: { ...b, inX: cx - x3, inY: cy - y3 },
  };
}

/**
 * The point of the path nearest to (x, y): which segment, at which parameter, and how far. For the pen
 * tool's "click on an edge inserts a point". Searches each segment coarsely, then refines; exact enough
 * for picking (well under a pixel for on-screen sizes). Null for a path without segments.
 */
export function nearestOnPath(
  vertices: readonly Vertex[],
  closed: boolean,
  curved: boolean,
  x: number,
  y: number,
): { segment: number; t: number; x: number; y: number; distance: number } | null {
  let best: { segment: number; t: number; x: number; y: number; distance: number } | null = null;
  const segments = segmentCount(vertices.length, closed);
  const steps = curved ? 32 : 1;
  for (let i = 0; i < segments; i++) {
    const c = segmentCubic(vertices, i, curved);
    const at = (t: number) => {
      const p = cubicPoint(c, t);
      return { t, ...p, d: Math.hypot(p.x - x, p.y - y) };
    };
    let t: number;
    if (!curved) {
      const dx = c[6] - c[0];
      const dy = c[7] - c[1];
      const len2 = dx * dx + dy * dy;
      t = len2 === 0 ? 0 : Math.min(1, Math.max(0, ((x - c[0]) * dx + (y - c[1]) * dy) / len2));
    } else {
      let coarse = at(0);
      for (let k = 1; k <= steps; k++) {
        const p = at(k / steps);
        if (p.d < coarse.d) coarse = p;
      }
      // Golden-section search in the bracketing interval around the best coarse sample.
      let lo = Math.max(0, coarse.t - 1 / steps);
      let hi = Math.min(1, coarse.t + 1 / steps);
      for (let k = 0; k < 40; k++) {
        const m1 = hi - (hi - lo) * 0.618;
        const m2 = lo + (hi - lo) * 0.618;
        if (at(m1).d < at(m2).d) hi = m2;
        else lo = m1;
      }
      t = (lo + hi) / 2;
    }
    const p = at(t);
    if (!best || p.d < best.distance) best = { segment: i, t, x: p.x, y: p.y, distance: p.d };
  }
  return best;
}
