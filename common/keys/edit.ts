/**
 * The keying rules of roto shapes, as pure functions: each takes a shape and returns a new one (the
 * input is never modified, so they work on plain objects and inside immer recipes alike). Rules:
 * - Auto-key: editing the shape at a frame without a key adds a key there, holding the edit; the new
 *   key takes the interpolation of the segment it splits (the key before it, else the first key).
 * - Inserting or deleting a vertex does so in every key, so point counts never differ between keys;
 *   an inserted vertex splits its segment at parameter t in each key, leaving every key's outline
 *   unchanged.
 * - Retiming a key onto a frame that already has one merges them: the moved key wins (what the user
 *   dragged is what they want there, as in Blender and After Effects).
 * - A shape keeps at least one key, and at least 3 vertices when closed (2 when open).
 * Refusals throw UserError with one line saying what to do instead.
 */
import { UserError } from '../errors';
import type { Shape, ShapeKey, Vertex, VertexSchema } from '../project/schema';
import type { z } from 'zod';
import { splitSegment } from '../mask/bezier';
import { evaluateShape, keyIndexAt, keyIndexAtOrBefore } from './evaluate';

/** A vertex as callers may give it: handles default to 0. */
export type VertexInput = z.input<typeof VertexSchema>;

/** 2D affine map in canvas order: x' = a x + c y + e, y' = b x + d y + f. */
export type Affine = readonly [a: number, b: number, c: number, d: number, e: number, f: number];

export function translation(dx: number, dy: number): Affine {
  return [1, 0, 0, 1, dx, dy];
}

/** Scaling by (sx, sy) about the point (cx, cy). */
export function scalingAbout(cx: number, cy: number, sx: number, sy: number): Affine {
  return [sx, 0, 0, sy, cx - sx * cx, cy - sy * cy];
}

/** Rotation by `radians` (clockwise on screen, y down) about (cx, cy). */
export function rotationAbout(cx: number, cy: number, radians: number): Affine {
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  return [cos, sin, -sin, cos, cx - cos * cx + sin * cy, cy - sin * cx - cos * cy];
}

/** Minimum vertex count of a shape (a closed outline needs an area, an open one a line). */
export function minimumVertices(shape: Pick<Shape, 'closed'>): number {
  return shape.closed ? 3 : 2;
}

/** The shape at `frame` as a new key's vertices (what "copy key" puts on the clipboard). */
export function copyKey(shape: Shape, frame: number): Vertex[] {
  return evaluateShape(shape, frame);
}

/**
 * The shape with `vertices` at `frame`: replaces the key there, or adds one (auto-key). The vertex
 * count must match the shape's.
 */
export function setShapeAt(shape: Shape, frame: number, vertices: readonly VertexInput[]): Shape {
  checkFrame(frame);
  const count = vertexCount(shape);
  if (vertices.length !== count)
    throw new UserError('bad-input', `The new outline has ${vertices.length} points but the shape has ${count}; insert or delete points first.`);
  const copy = vertices.map(toVertex);
  const keys = shape.keys.slice();
  const at = keyIndexAt(keys, frame);
  if (at >= 0) keys[at] = { ...keys[at]!, vertices: copy };
  else {
    const before = keyIndexAtOrBefore(keys, frame);
    keys.splice(before + 1, 0, { frame, interp: keys[Math.max(0, before)]!.interp, vertices: copy });
  }
  return { ...shape, keys };
}

/** Pasting a copied key at `frame`: setShapeAt, with the refusal worded for the clipboard. */
export function pasteKey(shape: Shape, frame: number, vertices: readonly VertexInput[]): Shape {
  if (vertices.length !== vertexCount(shape))
    throw new UserError('bad-input', `Cannot paste: the copied key has ${vertices.length} points and this shape has ${vertexCount(shape)}.`);
  return setShapeAt(shape, frame, vertices);
}

/** Changes one vertex (position and/or handles) at `frame`, auto-keying. */
export function setVertexAt(shape: Shape, frame: number, index: number, change: Partial<Vertex>): Shape {
  const vertices = evaluateShape(shape, frame);
  checkVertexIndex(index, vertices.length);
  vertices[index] = { ...vertices[index]!, ...change };
  return setShapeAt(shape, frame, vertices);
}

/** Moves, scales or rotates the whole shape at `frame` (auto-key): points map fully, handles linearly. */
export function transformShapeAt(shape: Shape, frame: number, m: Affine): Shape {
  const [a, b, c, d, e, f] = m;
  const vertices = evaluateShape(shape, frame).map((v) => ({
    x: a * v.x + c * v.y + e,
    y: b * v.x + d * v.y + f,
    inX: a * v.inX + c * v.inY,
    inY: b * v.inX + d * v.inY,
    outX: a * v.outX + c * v.outY,
    outY: b * v.outX + d * v.outY,
  }));
  return setShapeAt(shape, frame, vertices);
}

/**
 * Inserts a vertex on segment `segment` (from vertex `segment` to the next) at parameter t in every key;
 * the new vertex gets index segment + 1.
 */
export function insertVertex(shape: Shape, segment: number, t: number): Shape {
  const n = vertexCount(shape);
  const segments = shape.closed ? n : n - 1;
  if (!Number.isInteger(segment) || segment < 0 || segment >= segments)
    throw new UserError('invalid-args', `segment ${segment} does not exist (the shape has ${segments} segments)`);
  if (!(t >= 0 && t <= 1)) throw new UserError('invalid-args', `t must be within 0..1, got ${t}`);
  const keys = shape.keys.map((key) => {
    const split = splitSegment(key.vertices, segment, t, shape.kind === 'bezier');
    const vertices = key.vertices.map((v) => ({ ...v }));
    vertices[segment] = { ...split.before };
    vertices[(segment + 1) % n] = { ...split.after };
    vertices.splice(segment + 1, 0, split.inserted);
    return { ...key, vertices };
  });
  return { ...shape, keys };
}

/** Deletes vertex `index` from every key. */
export function deleteVertex(shape: Shape, index: number): Shape {
  const n = vertexCount(shape);
  checkVertexIndex(index, n);
  if (n - 1 < minimumVertices(shape))
    throw new UserError('bad-input', `A ${shape.closed ? 'closed' : 'open'} shape needs at least ${minimumVertices(shape)} points; delete the shape instead.`);
  return { ...shape, keys: shape.keys.map((key) => ({ ...key, vertices: key.vertices.filter((_, i) => i !== index) })) };
}

/** Moves the key at `from` to `to`; a key already at `to` is replaced by the moved one. */
export function retimeKey(shape: Shape, from: number, to: number): Shape {
  checkFrame(to);
  const at = requireKey(shape, from);
  if (from === to) return shape;
  const moved: ShapeKey = { ...shape.keys[at]!, frame: to };
  const keys = shape.keys.filter((k) => k.frame !== from && k.frame !== to);
  keys.splice(keyIndexAtOrBefore(keys, to) + 1, 0, moved);
  return { ...shape, keys };
}

/** Deletes the key at `frame`; the last key of a shape cannot be deleted. */
export function deleteKey(shape: Shape, frame: number): Shape {
  requireKey(shape, frame);
  if (shape.keys.length === 1) throw new UserError('bad-input', 'A shape keeps at least one key; delete the shape instead.');
  return { ...shape, keys: shape.keys.filter((k) => k.frame !== frame) };
}

/** Sets the interpolation of the segment that starts at the key at `frame`. */
export function setKeyInterp(shape: Shape, frame: number, interp: ShapeKey['interp']): Shape {
  const at = requireKey(shape, frame);
  const keys = shape.keys.slice();
  keys[at] = { ...keys[at]!, interp };
  return { ...shape, keys };
}

/** A vertex with its handles filled in (zero = a corner); refuses coordinates that are not finite. */
function toVertex(v: VertexInput): Vertex {
  const vertex = { x: v.x, y: v.y, inX: v.inX ?? 0, inY: v.inY ?? 0, outX: v.outX ?? 0, outY: v.outY ?? 0 };
  if (!Object.values(vertex).every(Number.isFinite)) throw new UserError('invalid-args', `a point must have finite coordinates, got ${JSON.stringify(v)}`);
  return vertex;
}

function vertexCount(shape: Shape): number {
  return shape.keys[0]!.vertices.length;
}

function requireKey(shape: Shape, frame: number): number {
  const at = keyIndexAt(shape.keys, frame);
  if (at < 0) throw new UserError('invalid-args', `the shape has no key at frame ${frame}`);
  return at;
}

function checkFrame(frame: number): void {
  if (!Number.isInteger(frame) || frame < 0) throw new UserError('invalid-args', `a key frame must be a whole number from 0, got ${frame}`);
}

function checkVertexIndex(index: number, count: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new UserError('invalid-args', `point ${index} does not exist (the shape has ${count})`);
}
