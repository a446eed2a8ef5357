/**
 * The editor's edits, each ONE undo step, expressed with the document commands of
 * common/project/commands.ts (the keying rules live there, shared with every other user of the
 * document). This module adds what only the editor knows: which layer a tool targets, the
 * selection, the key clipboard, and user-facing refusals.
 */
import { isUserError } from '../../common/errors';
import * as keys from '../../common/keys';
import { evaluateShape, keyIndexAt } from '../../common/keys';
import type { BitmapSource, BrushLayer, BrushStroke, Layer, ProjectDoc, Shape, ShapeKey, ShapeLayer, Vertex } from '../../common/project/schema';
import type { DocRecipe } from '../state/history';
import { newId } from '../state/ids';
import type { EditorOps } from '../state/store';

const PALETTE = ['#ff3b30', '#34c759', '#0a84ff', '#ffcc00', '#af52de', '#ff9f0a', '#5ac8fa', '#ff2d55'];

type Draft = Parameters<DocRecipe>[0];

function findLayer(doc: Pick<ProjectDoc, 'layers'>, id: string | null): Layer | undefined {
  return id ? doc.layers.find((l) => l.id === id) : undefined;
}

/** A recipe replacing one shape by `change(shape)` (a keying rule from common/keys). */
export function editShape(layerId: string, shapeId: string, change: (shape: Shape) => Shape): DocRecipe {
  return (d) => {
    const layer = d.layers.find((l) => l.id === layerId);
    if (layer?.kind !== 'shape') return;
    const i = layer.shapes.findIndex((s) => s.id === shapeId);
    if (i >= 0) layer.shapes[i] = change(layer.shapes[i] as Shape);
  };
}

/** Runs an edit; a keying rule's refusal (UserError) becomes a message instead of an exception. */
function attempt(ops: EditorOps, f: () => void): boolean {
  try {
    f();
    return true;
  } catch (err) {
    if (!isUserError(err)) throw err;
    ops.message('error', err.message);
    return false;
  }
}

/** A new layer of `kind` with the next free name and colour. */
export function newLayer(doc: Pick<ProjectDoc, 'layers'>, kind: 'brush' | 'shape', id = newId('layer')): BrushLayer | ShapeLayer {
  const n = doc.layers.filter((l) => l.kind === kind).length + 1;
  const used = new Set(doc.layers.map((l) => l.color));
  const color = PALETTE.find((c) => !used.has(c)) ?? PALETTE[doc.layers.length % PALETTE.length]!;
  const base = { id, visible: true, locked: false, mode: 'add' as const, invert: false, feather: 0, dilation: 0, color };
  return kind === 'brush' ? { ...base, kind, name: `Brush ${n}`, strokes: [] } : { ...base, kind, name: `Shape ${n}`, shapes: [] };
}

export type LayerTarget = { kind: 'layer'; layerId: string } | { kind: 'new'; layer: Layer } | { kind: 'refused'; reason: string };

/**
 * The layer a drawing tool writes to: the active layer when it has the right kind, else the topmost
 * layer of that kind, else (mode 'create') a new one. Locked or hidden targets are refused with a line
 * saying what to do.
 */
function toolTarget(ops: EditorOps, kind: 'brush' | 'shape', mode: 'create' | 'existing'): LayerTarget {
  const doc = ops.doc();
  if (!doc) return { kind: 'refused', reason: 'Open a video first.' };
  const active = findLayer(doc, ops.session().activeLayerId);
  const layer = active?.kind === kind ? active : [...doc.layers].reverse().find((l) => l.kind === kind);
  if (!layer) {
    if (mode === 'existing') return { kind: 'refused', reason: 'There is no brush paint to erase: paint on a brush layer first.' };
    return { kind: 'new', layer: newLayer(doc, kind) };
  }
  if (layer.locked) return { kind: 'refused', reason: `"${layer.name}" is locked: unlock it in the layer panel to draw on it.` };
  if (!layer.visible) return { kind: 'refused', reason: `"${layer.name}" is hidden: show it in the layer panel to draw on it.` };
  return { kind: 'layer', layerId: layer.id };
}

export const brushTarget = (ops: EditorOps, mode: 'create' | 'existing') => toolTarget(ops, 'brush', mode);
export const shapeTarget = (ops: EditorOps, mode: 'create' | 'existing') => toolTarget(ops, 'shape', mode);

function targetLayerId(ops: EditorOps, target: Exclude<LayerTarget, { kind: 'refused' }>, d: Draft): string {
  if (target.kind === 'new') {
    d.layers.push(target.layer as never);
    return target.layer.id;
  }
  return target.layerId;
}

/** Adds one stroke (and its layer, when new) as one edit, and makes that layer active. */
export function addStroke(ops: EditorOps, target: Exclude<LayerTarget, { kind: 'refused' }>, stroke: BrushStroke): void {
  let layerId = '';
  ops.edit(stroke.mode === 'erase' ? 'Erase' : 'Paint stroke', (d) => {
    layerId = targetLayerId(ops, target, d);
    const layer = d.layers.find((l) => l.id === layerId);
    if (layer?.kind === 'brush') layer.strokes.push(stroke);
  });
  ops.setSession((s) => void (s.activeLayerId = layerId || s.activeLayerId));
}

/** Adds a new shape (and its layer, when new) as one edit, and selects it. */
export function addShape(ops: EditorOps, target: Exclude<LayerTarget, { kind: 'refused' }>, shape: Shape): void {
  let layerId = '';
  ops.edit(`Draw ${shape.kind}`, (d) => {
    layerId = targetLayerId(ops, target, d);
    const layer = d.layers.find((l) => l.id === layerId);
    if (layer?.kind === 'shape') layer.shapes.push(shape);
  });
  ops.setSession((s) => {
    s.activeLayerId = layerId;
    s.selection = { shapeId: shape.id, vertex: null };
  });
}

export function selectedShape(ops: EditorOps): { layer: ShapeLayer; shape: Shape } | null {
  const doc = ops.doc();
  const s = ops.session();
  if (!doc || !s.selection.shapeId) return null;
  for (const layer of doc.layers) {
    if (layer.kind !== 'shape') continue;
    const shape = layer.shapes.find((x) => x.id === s.selection.shapeId);
    if (shape) return { layer, shape };
  }
  return null;
}

/** Shape layers the select tool may pick from: visible and unlocked, the active layer first. */
export function editableShapeLayers(ops: EditorOps): ShapeLayer[] {
  const doc = ops.doc();
  if (!doc) return [];
  const active = ops.session().activeLayerId;
  const layers = doc.layers.filter((l): l is ShapeLayer => l.kind === 'shape' && l.visible && !l.locked).reverse();
  return layers.sort((a, b) => Number(b.id === active) - Number(a.id === active));
}

/** Writes a whole shape at a frame: replaces the key there or adds one (auto-key). */
export function setShapeAtFrame(layerId: string, shapeId: string, frame: number, vertices: Vertex[]): DocRecipe {
  return editShape(layerId, shapeId, (shape) => keys.setShapeAt(shape, frame, vertices));
}

/** Inserts a point on segment `segment` at parameter t in every key, so point counts stay equal. */
export function insertVertex(ops: EditorOps, layerId: string, shapeId: string, segment: number, t: number): void {
  if (attempt(ops, () => ops.edit('Insert point', editShape(layerId, shapeId, (shape) => keys.insertVertex(shape, segment, t)))))
    ops.setSession((s) => void (s.selection = { shapeId, vertex: segment + 1 }));
}

/** Delete: the selected point (from every key), else the selected shape. */
export function deleteSelection(ops: EditorOps): void {
  const sel = selectedShape(ops);
  if (!sel) return;
  if (sel.layer.locked) {
    ops.message('info', `"${sel.layer.name}" is locked: unlock it to delete from it.`);
    return;
  }
  const vertex = ops.session().selection.vertex;
  const count = sel.shape.keys[0]!.vertices.length;
  // Deleting a point the shape cannot lose removes the shape, which is what the user is after.
  if (vertex !== null && count > keys.minimumVertices(sel.shape)) {
    if (attempt(ops, () => ops.edit('Delete point', editShape(sel.layer.id, sel.shape.id, (shape) => keys.deleteVertex(shape, vertex)))))
      ops.setSession((s) => void (s.selection.vertex = null));
    return;
  }
  ops.edit('Delete shape', (d) => {
    const layer = d.layers.find((l) => l.id === sel.layer.id);
    if (layer?.kind === 'shape') layer.shapes = layer.shapes.filter((s) => s.id !== sel.shape.id);
  });
  ops.setSession((s) => void (s.selection = { shapeId: null, vertex: null }));
}

let keyClipboard: { vertices: Vertex[]; kind: Shape['kind']; interp: ShapeKey['interp'] } | null = null;

export function copyKey(ops: EditorOps): void {
  const sel = selectedShape(ops);
  if (!sel) {
    ops.message('info', 'Select a shape to copy its key at this frame.');
    return;
  }
  const frame = ops.session().frame;
  const i = keyIndexAt(sel.shape.keys, frame);
  keyClipboard = { vertices: keys.copyKey(sel.shape, frame), kind: sel.shape.kind, interp: i >= 0 ? sel.shape.keys[i]!.interp : 'linear' };
  ops.message('info', `Copied the shape at frame ${frame}.`);
}

export function pasteKey(ops: EditorOps): void {
  const sel = selectedShape(ops);
  if (!keyClipboard || !sel) {
    ops.message('info', keyClipboard ? 'Select the shape to paste the key into.' : 'Copy a key first (select a shape, Ctrl+C).');
    return;
  }
  const frame = ops.session().frame;
  const vertices = keyClipboard.vertices;
  attempt(ops, () => ops.edit('Paste key', editShape(sel.layer.id, sel.shape.id, (shape) => keys.pasteKey(shape, frame, vertices))));
}

export function hasKeyClipboard(): boolean {
  return keyClipboard !== null;
}

/** Adds a key at the frame holding the shape as it is there (so later edits elsewhere do not move it). */
export function addKeyHere(ops: EditorOps, layerId: string, shapeId: string, frame: number): void {
  const layer = findLayer(ops.doc()!, layerId);
  const shape = layer?.kind === 'shape' ? layer.shapes.find((s) => s.id === shapeId) : undefined;
  if (shape) ops.edit('Add key', setShapeAtFrame(layerId, shapeId, frame, evaluateShape(shape, frame)));
}

export function deleteKeyAt(ops: EditorOps, layerId: string, shapeId: string, frame: number): void {
  attempt(ops, () => ops.edit('Delete key', editShape(layerId, shapeId, (shape) => keys.deleteKey(shape, frame))));
}

export function setKeyInterp(ops: EditorOps, layerId: string, shapeId: string, frame: number, interp: ShapeKey['interp']): void {
  attempt(ops, () => ops.edit(`Key: ${interp}`, editShape(layerId, shapeId, (shape) => keys.setKeyInterp(shape, frame, interp))));
}

/**
 * Moves a layer's keys (shape keys or brush strokes) from one frame to another. A shape that already
 * has a key at the target gets the moved key in its place (common/keys retimeKey: what was dragged wins).
 */
export function retimeLayerKeys(layerId: string, from: number, to: number): DocRecipe {
  return (d) => {
    if (from === to) return;
    const layer = d.layers.find((l) => l.id === layerId);
    if (!layer) return;
    if (layer.kind === 'brush') {
      for (const s of layer.strokes) if (s.frame === from) s.frame = to;
    } else if (layer.kind === 'shape') {
      layer.shapes.forEach((shape, i) => {
        if (keyIndexAt(shape.keys, from) >= 0) layer.shapes[i] = keys.retimeKey(shape as Shape, from, to);
      });
    }
  };
}

export function setRange(inPoint: number, outPoint: number): DocRecipe {
  return (d) => {
    const last = d.source.frameCount - 1;
    const a = Math.min(Math.max(0, Math.round(inPoint)), last);
    const b = Math.min(Math.max(a, Math.round(outPoint)), last);
    d.range = { in: a, out: b };
  };
}

/** I / O keys: sets one edge; setting past the other edge moves the other edge along. */
export function setRangeEdge(ops: EditorOps, edge: 'in' | 'out', frame: number): void {
  const doc = ops.doc();
  if (!doc) return;
  const r = doc.range;
  if (edge === 'in') ops.edit('Set in point', setRange(frame, Math.max(frame, r.out)));
  else ops.edit('Set out point', setRange(Math.min(frame, r.in), frame));
}

export function addLayer(ops: EditorOps, kind: 'brush' | 'shape'): void {
  const doc = ops.doc();
  if (!doc) return;
  const layer = newLayer(doc, kind);
  ops.edit(`Add ${kind} layer`, (d) => void d.layers.push(layer as never));
  ops.setSession((s) => {
    s.activeLayerId = layer.id;
    s.selection = { shapeId: null, vertex: null };
    if (kind === 'brush' && s.tool !== 'brush' && s.tool !== 'eraser') s.tool = 'brush';
    if (kind === 'shape' && s.tool !== 'polygon' && s.tool !== 'bezier' && s.tool !== 'select') s.tool = 'bezier';
  });
}

export function addBitmapLayer(ops: EditorOps, name: string, source: BitmapSource, makeId: () => string): void {
  const doc = ops.doc();
  if (!doc) return;
  const base = newLayer(doc, 'brush');
  const layer: Layer = { ...base, kind: 'bitmap', id: `layer-${makeId()}`, name: name.slice(0, 200), source } as Layer;
  ops.edit('Import masks', (d) => void d.layers.push(layer as never));
  ops.setSession((s) => void (s.activeLayerId = layer.id));
}

export function deleteLayer(ops: EditorOps, layerId: string): void {
  const doc = ops.doc();
  if (!doc) return;
  const index = doc.layers.findIndex((l) => l.id === layerId);
  if (index < 0) return;
  ops.edit('Delete layer', (d) => void d.layers.splice(index, 1));
  const rest = ops.doc()!.layers;
  ops.setSession((s) => {
    s.activeLayerId = rest[Math.min(index, rest.length - 1)]?.id ?? null;
    s.selection = { shapeId: null, vertex: null };
  });
}

/** Moves a layer one place up (towards the top of the list, drawn later) or down. */
export function moveLayer(ops: EditorOps, layerId: string, direction: -1 | 1): void {
  const doc = ops.doc();
  const from = doc?.layers.findIndex((l) => l.id === layerId) ?? -1;
  const to = from + direction;
  if (!doc || from < 0 || to < 0 || to >= doc.layers.length) return;
  ops.edit('Reorder layers', (d) => {
    const [layer] = d.layers.splice(from, 1);
    d.layers.splice(to, 0, layer!);
  });
}

type LayerProps = Partial<Pick<Layer, 'name' | 'visible' | 'locked' | 'mode' | 'invert' | 'feather' | 'dilation' | 'color'>>;

export function setLayerProps(ops: EditorOps, layerId: string, props: LayerProps, label: string): void {
  ops.edit(label, (d) => {
    const layer = d.layers.find((l) => l.id === layerId);
    if (layer) Object.assign(layer, props);
  });
}

/** Engine, outpaint and export settings (all saved with the project, all undoable). */
export function setSettings(ops: EditorOps, label: string, recipe: (d: Draft) => void): void {
  ops.edit(label, recipe);
}

/** What "propagate" follows: the selected shape, else the active brush (or shape) layer as a whole. */
export function propagationTarget(ops: EditorOps): { layerId: string; shapeId: string | null } | null {
  const sel = selectedShape(ops);
  if (sel) return { layerId: sel.layer.id, shapeId: sel.shape.id };
  const layer = findLayer(ops.doc() ?? { layers: [] }, ops.session().activeLayerId);
  if (layer && layer.kind !== 'bitmap') return { layerId: layer.id, shapeId: null };
  return null;
}

/** Applies one key produced by mask propagation; all keys of one propagation form one undo step. */
export function applyPropagatedKey(
  ops: EditorOps,
  p: { jobId: string; layerId: string; shapeId: string | null; frame: number; patch: unknown },
): boolean {
  const patch = p.patch as { vertices?: Vertex[]; strokes?: BrushStroke[] } | null;
  const doc = ops.doc();
  const layer = doc && findLayer(doc, p.layerId);
  if (!layer || !patch) return false;
  if (layer.kind === 'shape' && p.shapeId && Array.isArray(patch.vertices)) {
    const shape = layer.shapes.find((s) => s.id === p.shapeId);
    if (!shape || shape.keys[0]!.vertices.length !== patch.vertices.length) return false;
    return attempt(ops, () => ops.edit('Propagate mask', setShapeAtFrame(p.layerId, p.shapeId!, p.frame, patch.vertices!), p.jobId));
  }
  if (layer.kind === 'brush' && Array.isArray(patch.strokes)) {
    const strokes = patch.strokes;
    ops.edit(
      'Propagate mask',
      (d) => {
        const l = d.layers.find((x) => x.id === p.layerId);
        if (l?.kind === 'brush') l.strokes.push(...strokes);
      },
      p.jobId,
    );
    return true;
  }
  return false;
}
