/**
 * Every edit of the project document, as a command: a recipe `(doc, args) => void` that changes `doc`
 * in place. Written for immer: the editor runs
 *   const [next, patches, inverse] = produceWithPatches(doc, (d) => commands.addStroke(d, args));
 * and keeps the patches for undo (one command = one undo step; a whole brush stroke is one command).
 * They also work on a plain object the caller owns.
 *
 * Commands check everything before they change anything and refuse with a UserError (the draft is then
 * discarded). Content edits refuse on a locked layer; `updateLayer` (which unlocks) does not. Ids come
 * from the caller and must be new in the document. No clock, no randomness.
 */
import { UserError } from '../errors';
import * as keys from '../keys/edit';
import type { Affine, VertexInput } from '../keys/edit';
import {
  BitmapSourceSchema,
  BrushStrokeSchema,
  EngineSettingsSchema,
  ExportSettingsSchema,
  LayerSchema,
  OutpaintSettingsSchema,
  ShapeSchema,
} from './schema';
import type { BitmapSource, FrameRange, Layer, ProjectDoc, Shape, ShapeKey, ShapeLayer, Vertex } from './schema';
import type { z } from 'zod';
import { describeIssue } from './restore';

export type Command<A> = (doc: ProjectDoc, args: A) => void;

export type LayerInput = z.input<typeof LayerSchema>;
export type StrokeInput = z.input<typeof BrushStrokeSchema>;
export type ShapeInput = z.input<typeof ShapeSchema>;
export type LayerProps = Partial<Pick<Layer, 'name' | 'visible' | 'locked' | 'mode' | 'invert' | 'feather' | 'dilation' | 'color'>>;
type ShapeRef = { layerId: string; shapeId: string };

// ---- layers ----

/** Adds a layer (defaults filled in) at `index` (default: the end of the list, applied last). */
export const addLayer: Command<{ layer: LayerInput; index?: number }> = (doc, { layer, index }) => {
  const parsed = parse(LayerSchema, layer, 'layer');
  claimIds(doc, [parsed.id, ...(parsed.kind === 'brush' ? parsed.strokes.map((s) => s.id) : []), ...(parsed.kind === 'shape' ? parsed.shapes.map((s) => s.id) : [])]);
  const at = index ?? doc.layers.length;
  checkIndex(at, doc.layers.length + 1, 'layer position');
  doc.layers.splice(at, 0, parsed);
};

/** Adds a bitmap layer for a mask imported from PNGs or a video (the host's `mask.import` result). */
export const addBitmapLayer: Command<{ id: string; name: string; source: BitmapSource; color?: string; index?: number }> = (doc, { id, name, source, color, index }) =>
  addLayer(doc, { layer: { id, name, kind: 'bitmap', source: parse(BitmapSourceSchema, source, 'source'), ...(color ? { color } : {}) }, index });

export const deleteLayer: Command<{ layerId: string }> = (doc, { layerId }) => {
  doc.layers.splice(layerIndex(doc, layerId), 1);
};

/** Moves a layer to position `toIndex` of the list (after removing it from its old place). */
export const moveLayer: Command<{ layerId: string; toIndex: number }> = (doc, { layerId, toIndex }) => {
  const from = layerIndex(doc, layerId);
  checkIndex(toIndex, doc.layers.length, 'layer position');
  if (from === toIndex) return;
  const [layer] = doc.layers.splice(from, 1);
  doc.layers.splice(toIndex, 0, layer!);
};

/** Rename, show/hide, lock/unlock, mode, invert, feather, dilation, colour: any of them at once. */
export const updateLayer: Command<{ layerId: string; props: LayerProps }> = (doc, { layerId, props }) => {
  const layer = doc.layers[layerIndex(doc, layerId)]!;
  const allowed = ['name', 'visible', 'locked', 'mode', 'invert', 'feather', 'dilation', 'color'];
  const unknown = Object.keys(props).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new UserError('invalid-args', `layer property "${unknown[0]}" cannot be changed this way`);
  const next = parse(LayerSchema, { ...layer, ...props }, 'layer') as Record<string, unknown>;
  for (const key of Object.keys(props)) (layer as Record<string, unknown>)[key] = next[key];
};

// ---- brush strokes ----

export const addStroke: Command<{ layerId: string; stroke: StrokeInput }> = (doc, { layerId, stroke }) => {
  const layer = contentLayer(doc, layerId, 'brush');
  const parsed = parse(BrushStrokeSchema, stroke, 'stroke');
  claimIds(doc, [parsed.id]);
  layer.strokes.push(parsed);
  cover(doc, layer, parsed.frame);
};

export const deleteStroke: Command<{ layerId: string; strokeId: string }> = (doc, { layerId, strokeId }) => {
  const layer = contentLayer(doc, layerId, 'brush');
  const at = layer.strokes.findIndex((s) => s.id === strokeId);
  if (at < 0) throw new UserError('invalid-args', `layer "${layer.name}" has no stroke "${strokeId}"`);
  layer.strokes.splice(at, 1);
};

// ---- roto shapes ----

export const addShape: Command<{ layerId: string; shape: ShapeInput }> = (doc, { layerId, shape }) => {
  const layer = contentLayer(doc, layerId, 'shape');
  const parsed = parse(ShapeSchema, shape, 'shape');
  if (parsed.keys[0]!.vertices.length < keys.minimumVertices(parsed))
    throw new UserError('bad-input', `A ${parsed.closed ? 'closed' : 'open'} shape needs at least ${keys.minimumVertices(parsed)} points.`);
  claimIds(doc, [parsed.id]);
  layer.shapes.push(parsed);
  cover(doc, layer, parsed.keys[0]!.frame, parsed.keys[parsed.keys.length - 1]!.frame);
};

export const deleteShape: Command<ShapeRef> = (doc, ref) => {
  const { layer, index } = findShape(doc, ref);
  layer.shapes.splice(index, 1);
};

/** Closes an open path (it is then filled) or opens a closed one (it is then stroked). */
export const setShapeClosed: Command<ShapeRef & { closed: boolean }> = (doc, { closed, ...ref }) =>
  editShape(doc, ref, (shape) => {
    if (shape.keys[0]!.vertices.length < keys.minimumVertices({ closed })) throw new UserError('bad-input', 'A closed shape needs at least 3 points.');
    return { ...shape, closed };
  });

/** The whole outline at a frame (auto-key): a drag of points or handles, a propagated key. */
export const setShapeAt: Command<ShapeRef & { frame: number; vertices: VertexInput[] }> = (doc, { frame, vertices, ...ref }) =>
  editShape(doc, ref, (shape) => keys.setShapeAt(shape, frame, vertices), frame);

export const setVertexAt: Command<ShapeRef & { frame: number; index: number; change: Partial<Vertex> }> = (doc, { frame, index, change, ...ref }) =>
  editShape(doc, ref, (shape) => keys.setVertexAt(shape, frame, index, change), frame);

/** Move, scale or rotate the whole shape at a frame (see keys/edit.ts for matrices). */
export const transformShape: Command<ShapeRef & { frame: number; matrix: Affine }> = (doc, { frame, matrix, ...ref }) =>
  editShape(doc, ref, (shape) => keys.transformShapeAt(shape, frame, matrix), frame);

export const insertVertex: Command<ShapeRef & { segment: number; t: number }> = (doc, { segment, t, ...ref }) =>
  editShape(doc, ref, (shape) => keys.insertVertex(shape, segment, t));

export const deleteVertex: Command<ShapeRef & { index: number }> = (doc, { index, ...ref }) => editShape(doc, ref, (shape) => keys.deleteVertex(shape, index));

/** Pastes a copied key (keys.copyKey) at a frame. */
export const pasteKey: Command<ShapeRef & { frame: number; vertices: VertexInput[] }> = (doc, { frame, vertices, ...ref }) =>
  editShape(doc, ref, (shape) => keys.pasteKey(shape, frame, vertices), frame);

export const retimeKey: Command<ShapeRef & { from: number; to: number }> = (doc, { from, to, ...ref }) => editShape(doc, ref, (shape) => keys.retimeKey(shape, from, to), to);

export const deleteKey: Command<ShapeRef & { frame: number }> = (doc, { frame, ...ref }) => editShape(doc, ref, (shape) => keys.deleteKey(shape, frame));

export const setKeyInterp: Command<ShapeRef & { frame: number; interp: ShapeKey['interp'] }> = (doc, { frame, interp, ...ref }) =>
  editShape(doc, ref, (shape) => keys.setKeyInterp(shape, frame, interp));

/**
 * Drags a layer's key marker on the timeline: every shape key and every brush stroke of the layer at
 * `from` moves to `to` (shape keys merge as keys.retimeKey does: the moved key wins).
 */
export const retimeLayerKeys: Command<{ layerId: string; from: number; to: number }> = (doc, { layerId, from, to }) => {
  const layer = doc.layers[layerIndex(doc, layerId)]!;
  if (layer.kind === 'bitmap') throw new UserError('invalid-args', `layer "${layer.name}" has no keys`);
  if (!Number.isInteger(to) || to < 0) throw new UserError('invalid-args', `a key frame must be a whole number from 0, got ${to}`);
  const editable = contentLayer(doc, layerId, layer.kind);
  if (from === to) return;
  if (editable.kind === 'brush') for (const stroke of editable.strokes) if (stroke.frame === from) stroke.frame = to;
  if (editable.kind === 'shape')
    editable.shapes.forEach((shape, i) => {
      if (shape.keys.some((k) => k.frame === from)) editable.shapes[i] = keys.retimeKey(shape, from, to);
    });
  cover(doc, editable, to);
};

/**
 * Sets the frames a layer masks (dragging the ends of its bar on the timeline), or with `range: null`
 * returns it to following its keys. A locked layer refuses, as it does every content edit.
 */
export const setLayerRange: Command<{ layerId: string; range: FrameRange | null }> = (doc, { layerId, range }) => {
  const layer = doc.layers[layerIndex(doc, layerId)]!;
  if (layer.locked) throw new UserError('bad-input', `Layer "${layer.name}" is locked: unlock it to change its frames.`);
  const last = doc.source.frameCount - 1;
  if (range && (!Number.isInteger(range.in) || !Number.isInteger(range.out) || range.in < 0 || range.out > last || range.in > range.out))
    throw new UserError('bad-input', `A layer's frames ${range.in}..${range.out} must lie within 0..${last} with the first frame first.`);
  layer.activeRange = range ? { in: range.in, out: range.out } : null;
};

// ---- document settings ----

/** The in and out points (inclusive) of the range a job processes. */
export const setRange: Command<{ in: number; out: number }> = (doc, range) => {
  const last = doc.source.frameCount - 1;
  if (!Number.isInteger(range.in) || !Number.isInteger(range.out) || range.in < 0 || range.out > last || range.in > range.out)
    throw new UserError('bad-input', `The range ${range.in}..${range.out} must lie within frames 0..${last} with the in point first.`);
  doc.range = { in: range.in, out: range.out };
};

export const updateEngine: Command<z.input<typeof EngineSettingsSchema>> = (doc, change) => {
  doc.engine = parse(EngineSettingsSchema, merge(doc.engine, change), 'engine');
};

export const updateOutpaint: Command<z.input<typeof OutpaintSettingsSchema>> = (doc, change) => {
  doc.outpaint = parse(OutpaintSettingsSchema, { ...doc.outpaint, ...change }, 'outpaint');
};

export const updateExport: Command<z.input<typeof ExportSettingsSchema>> = (doc, change) => {
  doc.export = parse(ExportSettingsSchema, { ...doc.export, ...change }, 'export');
};

/** All commands by name, for registries (menus, shortcuts) and for messages that name an edit. */
export const commands = {
  addLayer,
  addBitmapLayer,
  deleteLayer,
  moveLayer,
  updateLayer,
  addStroke,
  deleteStroke,
  addShape,
  deleteShape,
  setShapeClosed,
  setShapeAt,
  setVertexAt,
  transformShape,
  insertVertex,
  deleteVertex,
  pasteKey,
  retimeKey,
  deleteKey,
  setKeyInterp,
  retimeLayerKeys,
  setLayerRange,
  setRange,
  updateEngine,
  updateOutpaint,
  updateExport,
} as const;

export type CommandName = keyof typeof commands;
export type CommandArgs<K extends CommandName> = Parameters<(typeof commands)[K]>[1];

// ---- helpers ----

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new UserError('bad-input', describeIssue(result.error.issues[0]!, [what]));
  return result.data;
}

function layerIndex(doc: ProjectDoc, layerId: string): number {
  const at = doc.layers.findIndex((l) => l.id === layerId);
  if (at < 0) throw new UserError('invalid-args', `the project has no layer "${layerId}"`);
  return at;
}

/** A layer of `kind` whose content may be edited (it exists and is not locked). */
function contentLayer<K extends Layer['kind']>(doc: ProjectDoc, layerId: string, kind: K): Extract<Layer, { kind: K }> {
  const layer = doc.layers[layerIndex(doc, layerId)]!;
  if (layer.kind !== kind) throw new UserError('invalid-args', `layer "${layer.name}" is a ${layer.kind} layer, not a ${kind} layer`);
  if (layer.locked) throw new UserError('bad-input', `Layer "${layer.name}" is locked: unlock it to edit it.`);
  return layer as Extract<Layer, { kind: K }>;
}

function findShape(doc: ProjectDoc, { layerId, shapeId }: ShapeRef): { layer: ShapeLayer; index: number } {
  const layer = contentLayer(doc, layerId, 'shape');
  const index = layer.shapes.findIndex((s) => s.id === shapeId);
  if (index < 0) throw new UserError('invalid-args', `layer "${layer.name}" has no shape "${shapeId}"`);
  return { layer, index };
}

/** Replaces a shape with its edited version; an edit keyed at `keyFrame` keeps that frame in the layer's range. */
function editShape(doc: ProjectDoc, ref: ShapeRef, edit: (shape: Shape) => Shape, keyFrame?: number): void {
  const { layer, index } = findShape(doc, ref);
  layer.shapes[index] = edit(layer.shapes[index]!);
  if (keyFrame !== undefined) cover(doc, layer, keyFrame);
}

/**
 * A key added at frames `from`..`to` of a layer with an explicit active range widens the range to
 * include them, so new work is never hidden (propagation extends the range this way). A layer that
 * follows its keys (activeRange null) needs nothing.
 */
function cover(doc: ProjectDoc, layer: Layer, from: number, to = from): void {
  const r = layer.activeRange;
  if (!r) return;
  const last = doc.source.frameCount - 1;
  const lo = Math.max(0, Math.min(r.in, from));
  const hi = Math.min(last, Math.max(r.out, to));
  if (lo !== r.in || hi !== r.out) layer.activeRange = { in: lo, out: Math.max(lo, hi) };
}

/** Refuses ids already used in the document (or twice in `ids`). */
function claimIds(doc: ProjectDoc, ids: string[]): void {
  const used = new Set<string>();
  for (const layer of doc.layers) {
    used.add(layer.id);
    if (layer.kind === 'brush') for (const s of layer.strokes) used.add(s.id);
    if (layer.kind === 'shape') for (const s of layer.shapes) used.add(s.id);
  }
  for (const id of ids) {
    if (used.has(id)) throw new UserError('invalid-args', `id "${id}" is already used in this project`);
    used.add(id);
  }
}

function checkIndex(index: number, size: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= size) throw new UserError('invalid-args', `${what} ${index} is outside 0..${size - 1}`);
}

/** Shallow merge, one level deeper for nested settings objects (engine.propainter, engine.classic). */
function merge(base: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(change)) {
    const old = base[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && old && typeof old === 'object' && !Array.isArray(old) ? { ...old, ...value } : value;
  }
  return out;
}
