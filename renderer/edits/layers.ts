/** Layer edits: add, import, delete, reorder, properties, active range. Each is ONE undo step. */
import type { BitmapSource, FrameRange, LayerProps } from '../../common/project';
import { newId } from '../state/ids';
import type { EditorOps } from '../state/store';
import { apply, command } from './command';
import { newLayer } from './targets';

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

/** Makes the active layer the one the user clicked (clearing a selection on another layer). */
export function activateLayer(ops: EditorOps, layerId: string): void {
  ops.setSession((s) => {
    if (s.activeLayerId !== layerId) s.selection = { shapeId: null, vertex: null };
    s.activeLayerId = layerId;
  });
}

/** The frames a layer masks: an explicit range, or null to follow its keys again. */
export function setLayerRange(ops: EditorOps, layerId: string, range: FrameRange | null): void {
  apply(ops, range ? 'Layer frames' : 'Layer frames follow keys', command('setLayerRange', { layerId, range }));
}
