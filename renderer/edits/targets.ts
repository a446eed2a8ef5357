/**
 * Which part of the document an edit applies to, as only the editor knows it: the layer a drawing
 * tool writes to, the selected shape, the layers the select tool may pick from, what propagation
 * follows. Locked or hidden targets are refused with a line saying what to do.
 */
import type { BrushLayer, Layer, ProjectDoc, Shape, ShapeLayer } from '../../common/project/schema';
import { newId } from '../state/ids';
import type { EditorOps } from '../state/store';

const PALETTE = ['#ff3b30', '#34c759', '#0a84ff', '#ffcc00', '#af52de', '#ff9f0a', '#5ac8fa', '#ff2d55'];

export function findLayer(doc: Pick<ProjectDoc, 'layers'>, id: string | null): Layer | undefined {
  return id ? doc.layers.find((l) => l.id === id) : undefined;
}

/** A new layer of `kind` with the next free name and colour. */
export function newLayer(doc: Pick<ProjectDoc, 'layers'>, kind: 'brush' | 'shape', id = newId('layer')): BrushLayer | ShapeLayer {
  const n = doc.layers.filter((l) => l.kind === kind).length + 1;
  const used = new Set(doc.layers.map((l) => l.color));
  const color = PALETTE.find((c) => !used.has(c)) ?? PALETTE[doc.layers.length % PALETTE.length]!;
  const base = { id, visible: true, locked: false, mode: 'add' as const, invert: false, feather: 0, dilation: 0, color, activeRange: null };
  return kind === 'brush' ? { ...base, kind, name: `Brush ${n}`, strokes: [] } : { ...base, kind, name: `Shape ${n}`, shapes: [] };
}

export type LayerTarget = { kind: 'layer'; layerId: string } | { kind: 'new'; layer: Layer } | { kind: 'refused'; reason: string };
export type Target = Exclude<LayerTarget, { kind: 'refused' }>;

/**
 * The layer a drawing tool writes to: the active layer when it has the right kind, else the topmost
 * layer of that kind, else (mode 'create') a new one.
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

/** What "propagate" follows: the selected shape, else the active brush (or shape) layer as a whole. */
export function propagationTarget(ops: EditorOps): { layerId: string; shapeId: string | null } | null {
  const sel = selectedShape(ops);
  if (sel) return { layerId: sel.layer.id, shapeId: sel.shape.id };
  const layer = findLayer(ops.doc() ?? { layers: [] }, ops.session().activeLayerId);
  if (layer && layer.kind !== 'bitmap') return { layerId: layer.id, shapeId: null };
  return null;
}
