/**
 * Roto shape geometry the editor needs on top of common/mask/bezier: picking (vertices, handles,
 * outline, inside), bounds and SVG path data for drawing.
 * All in source pixels; picking radii come in source pixels too (screen radius / zoom).
 */
import { evaluateShape } from '../../common/keys';
import { flattenPath, nearestOnPath } from '../../common/mask/bezier';
import type { Shape, Vertex } from '../../common/project/schema';

export interface Point {
  x: number;
  y: number;
}

export const isCurved = (shape: Pick<Shape, 'kind'>) => shape.kind === 'bezier';

/** Nearest vertex within `radius`, or -1. */
export function pickVertex(vertices: readonly Vertex[], p: Point, radius: number): number {
  let best = -1;
  let bestD = radius;
  vertices.forEach((v, i) => {
    const d = Math.hypot(v.x - p.x, v.y - p.y);
    if (d <= bestD) {
      best = i;
      bestD = d;
    }
  });
  return best;
}

/** Which handle of vertex `i` is within `radius`, if any (zero-length handles cannot be picked). */
export function pickHandle(v: Vertex, p: Point, radius: number): 'in' | 'out' | null {
  const dIn = v.inX || v.inY ? Math.hypot(v.x + v.inX - p.x, v.y + v.inY - p.y) : Infinity;
  const dOut = v.outX || v.outY ? Math.hypot(v.x + v.outX - p.x, v.y + v.outY - p.y) : Infinity;
  if (Math.min(dIn, dOut) > radius) return null;
  return dOut <= dIn ? 'out' : 'in';
}

/** The point on the outline within `radius` of p: segment and parameter (for inserting a vertex). */
export function pickSegment(shape: Pick<Shape, 'kind' | 'closed'>, vertices: readonly Vertex[], p: Point, radius: number) {
  const hit = nearestOnPath(vertices, shape.closed, isCurved(shape), p.x, p.y);
  return hit && hit.distance <= radius ? hit : null;
}

/** Non-zero winding test against a flattened outline (the rasterizer's fill rule). */
export function pointInPolygon(pts: ArrayLike<number>, x: number, y: number): boolean {
  let winding = 0;
  const n = pts.length / 2;
  for (let i = 0; i < n; i++) {
    const x0 = pts[2 * i]!;
    const y0 = pts[2 * i + 1]!;
    const j = (i + 1) % n;
    const x1 = pts[2 * j]!;
    const y1 = pts[2 * j + 1]!;
    if (y0 <= y) {
      if (y1 > y && (x1 - x0) * (y - y0) - (x - x0) * (y1 - y0) > 0) winding++;
    } else if (y1 <= y && (x1 - x0) * (y - y0) - (x - x0) * (y1 - y0) < 0) winding--;
  }
  return winding !== 0;
}

export function outline(shape: Pick<Shape, 'kind' | 'closed'>, vertices: readonly Vertex[], tolerance = 0.25): Float64Array {
  return flattenPath(vertices, shape.closed, isCurved(shape), 1, 1, tolerance);
}

/** Whether p is inside a closed shape or near an open one, at `frame`. */
export function shapeContains(shape: Shape, frame: number, p: Point, radius: number): boolean {
  const vertices = evaluateShape(shape, frame);
  if (shape.closed && pointInPolygon(outline(shape, vertices), p.x, p.y)) return true;
  return pickSegment(shape, vertices, p, radius) !== null;
}

export function bounds(vertices: readonly Vertex[]): { x: number; y: number; width: number; height: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const v of vertices) {
    x0 = Math.min(x0, v.x);
    y0 = Math.min(y0, v.y);
    x1 = Math.max(x1, v.x);
    y1 = Math.max(y1, v.y);
  }
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** SVG path data of the outline (for Konva.Path), curves as real cubic commands. */
export function pathData(shape: Pick<Shape, 'kind' | 'closed'>, vertices: readonly Vertex[]): string {
  if (vertices.length === 0) return '';
  const curved = isCurved(shape);
  const n = vertices.length;
  const segs = shape.closed ? n : n - 1;
  const f = (v: number) => +v.toFixed(3);
  let d = `M${f(vertices[0]!.x)} ${f(vertices[0]!.y)}`;
  for (let i = 0; i < segs; i++) {
    const a = vertices[i]!;
    const b = vertices[(i + 1) % n]!;
    d += curved ? `C${f(a.x + a.outX)} ${f(a.y + a.outY)} ${f(b.x + b.inX)} ${f(b.y + b.inY)} ${f(b.x)} ${f(b.y)}` : `L${f(b.x)} ${f(b.y)}`;
  }
  return shape.closed ? `${d}Z` : d;
}
