/**
 * Mask content edits: brush strokes, roto shapes and their points and keys, the key clipboard, and
 * keys produced by propagation. Each is ONE undo step.
 */
import type { PropagatedKeyPatch } from '../../common/contract/types';
import { copyKey as copyKeyAt, evaluateShape, minimumVertices } from '../../common/keys';
import type { BrushStroke, Shape, ShapeKey } from '../../common/project';
import type { DocRecipe } from '../state/history';
import type { EditorOps } from '../state/store';
import { apply, command } from './command';
import { selectedShape } from './targets';
import type { Target } from './targets';

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

/** Copies the selected shape as it is at the playhead (session state: never saved, never undone). */
export function copyKey(ops: EditorOps): void {
  const sel = selectedShape(ops);
  if (!sel) {
    ops.message('info', 'Select a shape to copy its key at this frame.');
    return;
  }
  const frame = ops.session().frame;
  const vertices = copyKeyAt(sel.shape, frame);
  ops.setSession({ keyClipboard: vertices });
  ops.message('info', `Copied the shape at frame ${frame}.`);
}

export function pasteKey(ops: EditorOps): void {
  const sel = selectedShape(ops);
  const clipboard = ops.session().keyClipboard;
  if (!clipboard || !sel) {
    ops.message('info', clipboard ? 'Select the shape to paste the key into.' : 'Copy a key first (select a shape, Ctrl+C).');
    return;
  }
  apply(ops, 'Paste key', command('pasteKey', { layerId: sel.layer.id, shapeId: sel.shape.id, frame: ops.session().frame, vertices: clipboard }));
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
