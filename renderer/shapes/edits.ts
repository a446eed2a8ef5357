/**
 * The editor's edits, each ONE undo step, made of the document commands of
 * common/project/commands.ts (which hold the keying rules and refuse bad edits with a UserError).
 * This module adds what only the editor knows: which layer a tool targets, the selection, the key
 * clipboard, and turning a refusal into a one-line message.
 */
import type { PropagatedKeyPatch } from '../../common/contract/types';
import { isUserError } from '../../common/errors';
import { copyKey as copyKeyAt, evaluateShape, minimumVertices } from '../../common/keys';
import { commands } from '../../common/project/commands';
import type { CommandArgs, CommandName } from '../../common/project/commands';
import type { BitmapSource, BrushLayer, BrushStroke, Layer, LayerProps, ProjectDoc, Shape, ShapeKey, ShapeLayer, Vertex } from '../../common/project';
import type { DocRecipe } from '../state/history';
import { newId } from '../state/ids';
import type { EditorOps } from '../state/store';

const PALETTE = ['#ff3b30', '#34c759', '#0a84ff', '#ffcc00', '#af52de', '#ff9f0a', '#5ac8fa', '#ff2d55'];

/** A recipe running one document command. */
export function command<K extends CommandName>(name: K, args: CommandArgs<K>): DocRecipe {
  return (d) => (commands[name] as (doc: ProjectDoc, a: CommandArgs<K>) => void)(d as ProjectDoc, args);
}

/** Records an edit; a command's refusal (UserError) becomes a message instead of an exception. */
function apply(ops: EditorOps, label: string, recipe: DocRecipe, mergeKey?: string): boolean {
  try {
    ops.edit(label, recipe, mergeKey);
    return true;
  } catch (err) {
    if (!isUserError(err)) throw err;
    ops.message('error', err.message);
    return false;
  }
}

function findLayer(doc: Pick<ProjectDoc, 'layers'>, id: string | null): Layer | undefined {
  return id ? doc.layers.find((l) => l.id === id) : undefined;
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
type Target = Exclude<LayerTarget, { kind: 'refused' }>;

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

/** Runs `content` on the target layer, adding the layer first (in the same edit) when it is new. */
function onTarget(target: Target, content: (layerId: string) => DocRecipe): { recipe: DocRecipe; layerId: string } {
  const layerId = target.kind === 'new' ? target.layer.id : target.layerId;
  return {
    layerId,
    recipe: (d) => {
      if (target.kind === 'new') command('addLayer', { layer: target.layer })(d);
      content(layerId)(d);
    },
  };
}

/** Adds one stroke (and its layer, when new) as one edit, and makes that layer active. */
export function addStroke(ops: EditorOps, target: Target, stroke: BrushStroke): void {
  const { recipe, layerId } = onTarget(target, (id) => command('addStroke', { layerId: id, stroke }));
  if (apply(ops, stroke.mode === 'erase' ? 'Erase' : 'Paint stroke', recipe)) ops.setSession({ activeLayerId: layerId });
}

/** Adds a new shape (and its layer, when new) as one edit, and selects it. */
export function addShape(ops: EditorOps, target: Target, shape: Shape): void {
  const { recipe, layerId } = onTarget(target, (id) => command('addShape', { layerId: id, shape }));
  if (apply(ops, `Draw ${shape.kind}`, recipe))
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

/** Inserts a point on segment `segment` at parameter t in every key, so point counts stay equal. */
export function insertVertex(ops: EditorOps, layerId: string, shapeId: string, segment: number, t: number): void {
  if (apply(ops, 'Insert point', command('insertVertex', { layerId, shapeId, segment, t }))) ops.setSession((s) => void (s.selection = { shapeId, vertex: segment + 1 }));
}

/** Delete: the selected point (from every key), else the selected shape. */
export function deleteSelection(ops: EditorOps): void {
  const sel = selectedShape(ops);
  if (!sel) return;
  const ref = { layerId: sel.layer.id, shapeId: sel.shape.id };
  const vertex = ops.session().selection.vertex;
  // Deleting a point the shape cannot lose removes the shape, which is what the user is after.
  if (vertex !== null && sel.shape.keys[0]!.vertices.length > minimumVertices(sel.shape)) {
    if (apply(ops, 'Delete point', command('deleteVertex', { ...ref, index: vertex }))) ops.setSession((s) => void (s.selection.vertex = null));
    return;
  }
  if (apply(ops, 'Delete shape', command('deleteShape', ref))) ops.setSession((s) => void (s.selection = { shapeId: null, vertex: null }));
}

let keyClipboard: Vertex[] | null = null;

export function copyKey(ops: EditorOps): void {
  const sel = selectedShape(ops);
  if (!sel) {
    ops.message('info', 'Select a shape to copy its key at this frame.');
    return;
  }
  const frame = ops.session().frame;
  keyClipboard = copyKeyAt(sel.shape, frame);
  ops.message('info', `Copied the shape at frame ${frame}.`);
}

export function pasteKey(ops: EditorOps): void {
  const sel = selectedShape(ops);
  if (!keyClipboard || !sel) {
    ops.message('info', keyClipboard ? 'Select the shape to paste the key into.' : 'Copy a key first (select a shape, Ctrl+C).');
    return;
  }
  apply(ops, 'Paste key', command('pasteKey', { layerId: sel.layer.id, shapeId: sel.shape.id, frame: ops.session().frame, vertices: keyClipboard }));
}

export function hasKeyClipboard(): boolean {
  return keyClipboard !== null;
}

/** Adds a key at the frame holding the shape as it is there (so later edits elsewhere do not move it). */
export function addKeyHere(ops: EditorOps, layerId: string, shape: Shape, frame: number): void {
  apply(ops, 'Add key', command('setShapeAt', { layerId, shapeId: shape.id, frame, vertices: evaluateShape(shape, frame) }));
}

export function deleteKeyAt(ops: EditorOps, layerId: string, shapeId: string, frame: number): void {
  apply(ops, 'Delete key', command('deleteKey', { layerId, shapeId, frame }));
}

export function setKeyInterp(ops: EditorOps, layerId: string, shapeId: string, frame: number, interp: ShapeKey['interp']): void {
  apply(ops, `Key: ${interp}`, command('setKeyInterp', { layerId, shapeId, frame, interp }));
}

/** I / O keys: sets one edge; setting past the other edge moves the other edge along. */
export function setRangeEdge(ops: EditorOps, edge: 'in' | 'out', frame: number): void {
  const doc = ops.doc();
  if (!doc) return;
  const r = doc.range;
  if (edge === 'in') apply(ops, 'Set in point', command('setRange', { in: frame, out: Math.max(frame, r.out) }));
  else apply(ops, 'Set out point', command('setRange', { in: Math.min(frame, r.in), out: frame }));
}

export function addLayer(ops: EditorOps, kind: 'brush' | 'shape'): void {
  const doc = ops.doc();
  if (!doc) return;
  const layer = newLayer(doc, kind);
  if (!apply(ops, `Add ${kind} layer`, command('addLayer', { layer }))) return;
  ops.setSession((s) => {
    s.activeLayerId = layer.id;
    s.selection = { shapeId: null, vertex: null };
    if (kind === 'brush' && s.tool !== 'brush' && s.tool !== 'eraser') s.tool = 'brush';
    if (kind === 'shape' && s.tool !== 'polygon' && s.tool !== 'bezier' && s.tool !== 'select') s.tool = 'bezier';
  });
}

export function addBitmapLayer(ops: EditorOps, name: string, source: BitmapSource): void {
  const doc = ops.doc();
  if (!doc) return;
  const { color } = newLayer(doc, 'brush');
  const id = newId('layer');
  if (apply(ops, 'Import masks', command('addBitmapLayer', { id, name: name.slice(0, 200), source, color }))) ops.setSession({ activeLayerId: id });
}

export function deleteLayer(ops: EditorOps, layerId: string): void {
  const doc = ops.doc();
  const index = doc?.layers.findIndex((l) => l.id === layerId) ?? -1;
  if (index < 0 || !apply(ops, 'Delete layer', command('deleteLayer', { layerId }))) return;
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
  apply(ops, 'Reorder layers', command('moveLayer', { layerId, toIndex: to }));
}

export function setLayerProps(ops: EditorOps, layerId: string, props: LayerProps, label: string): void {
  apply(ops, label, command('updateLayer', { layerId, props }));
}

export function updateEngine(ops: EditorOps, label: string, change: CommandArgs<'updateEngine'>): void {
  apply(ops, label, command('updateEngine', change));
}

export function updateOutpaint(ops: EditorOps, label: string, change: CommandArgs<'updateOutpaint'>): void {
  apply(ops, label, command('updateOutpaint', change));
}

export function updateExport(ops: EditorOps, label: string, change: CommandArgs<'updateExport'>): void {
  apply(ops, label, command('updateExport', change));
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
export function applyPropagatedKey(ops: EditorOps, p: { taskId: string; layerId: string; shapeId: string | null; frame: number; patch: PropagatedKeyPatch }): boolean {
  const patch = p.patch;
  if (p.shapeId && 'vertices' in patch)
    return apply(ops, 'Propagate mask', command('setShapeAt', { layerId: p.layerId, shapeId: p.shapeId, frame: p.frame, vertices: patch.vertices }), p.taskId);
  if ('strokes' in patch) {
    const strokes = patch.strokes;
    return apply(ops, 'Propagate mask', (d) => strokes.forEach((stroke) => command('addStroke', { layerId: p.layerId, stroke })(d)), p.taskId);
  }
  return false;
}
