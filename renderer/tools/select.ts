/**
 * Select/edit tool for roto shapes:
 *
 *   idle ──down on a handle of the selected point──▶ draggingHandle
 *   idle ──down on a point──▶ draggingVertex      idle ──down inside / on a shape──▶ translating
 *   idle ──Alt/Ctrl+down on the selected shape's outline──▶ (insert a point) idle
 *   any drag ──up──▶ commit ONE edit ──▶ idle        any drag ──Escape──▶ back to the mark ──▶ idle
 *
 * Drags recompute the shape from the vertices at the start plus the total movement, and write them at
 * the current frame, so editing where the shape has no key adds one (auto-key). Move/scale/rotate of
 * the whole shape uses the viewer's transformer, which drives `transformGesture` below.
 */
import { evaluateShape, translation } from '../../common/keys';
import { layerActiveAt } from '../../common/project/active-range';
import type { Affine } from '../../common/keys';
import type { Vertex } from '../../common/project/schema';
import { command, editableShapeLayers, insertVertex, selectedShape } from '../edits';
import type { DocRecipe } from '../state/history';
import { pickHandle, pickSegment, pickVertex, shapeContains } from '../shapes/geometry';
import { PICK_RADIUS } from './types';
import type { Tool, ToolEnv, ToolPointer } from './types';

type State = 'idle' | 'draggingVertex' | 'draggingHandle' | 'translating' | 'transforming';

interface Drag {
  layerId: string;
  shapeId: string;
  frame: number;
  start: { x: number; y: number };
  base: Vertex[];
  vertex: number;
  handle: 'in' | 'out' | null;
}

export interface SelectTool extends Tool {
  /** The transformer (move/scale/rotate of the selected shape) reports through these. */
  transformStart(): void;
  transformUpdate(m: Affine): void;
  transformEnd(): void;
}

export function createSelectTool(env: ToolEnv): SelectTool {
  let state: State = 'idle';
  let drag: Drag | null = null;

  const radius = () => PICK_RADIUS / env.zoom();
  const select = (layerId: string, shapeId: string | null, vertex: number | null) =>
    env.ops.setSession((s) => {
      s.activeLayerId = layerId;
      s.selection = { shapeId, vertex };
    });

  const begin = (next: State, label: string, d: Drag) => {
    state = next;
    drag = d;
    env.ops.beginGesture(label);
  };

  /** Shows the drag: the document as it was at the mark, changed by the whole movement so far. */
  const write = (edit: (ref: { layerId: string; shapeId: string; frame: number }) => DocRecipe) => {
    if (drag) env.ops.updateGesture(edit({ layerId: drag.layerId, shapeId: drag.shapeId, frame: drag.frame }));
  };

  const end = (commit: boolean) => {
    if (state !== 'idle') {
      if (commit) env.ops.commitGesture();
      else env.ops.cancelGesture();
    }
    state = 'idle';
    drag = null;
  };

  return {
    id: 'select',
    state: () => state,

    down(p: ToolPointer) {
      const doc = env.ops.doc();
      if (p.button !== 0 || !doc || state !== 'idle') return;
      const frame = env.ops.session().frame;
      const r = radius();
      const sel = selectedShape(env.ops);
      const drag0 = (layerId: string, shapeId: string, base: Vertex[], vertex = -1, handle: Drag['handle'] = null): Drag => ({
        layerId,
        shapeId,
        frame,
        start: { x: p.x, y: p.y },
        base,
        vertex,
        handle,
      });

      if (sel && !sel.layer.locked) {
        const verts = evaluateShape(sel.shape, frame);
        const vi = env.ops.session().selection.vertex;
        if (sel.shape.kind === 'bezier' && vi !== null && verts[vi]) {
          const handle = pickHandle(verts[vi], p, r);
          if (handle) return begin('draggingHandle', 'Move handle', drag0(sel.layer.id, sel.shape.id, verts, vi, handle));
        }
        if ((p.alt || p.mod) && pickVertex(verts, p, r) < 0) {
          const hit = pickSegment(sel.shape, verts, p, r);
          if (hit) {
            insertVertex(env.ops, sel.layer.id, sel.shape.id, hit.segment, hit.t);
            select(sel.layer.id, sel.shape.id, hit.segment + 1);
            return;
          }
        }
      }

      const layers = editableShapeLayers(env.ops);
      // Points first (selected shape's first), then bodies, top layer first. A layer outside its active
      // range shows nothing to pick, except the selected shape (drawn as a ghost there).
      const candidates = layers
        .flatMap((layer) => [...layer.shapes].reverse().map((shape) => ({ layer, shape })))
        .filter((c) => c.shape.id === sel?.shape.id || layerActiveAt(c.layer, frame, doc.range.out));
      if (sel) candidates.sort((a, b) => Number(b.shape.id === sel.shape.id) - Number(a.shape.id === sel.shape.id));
      for (const { layer, shape } of candidates) {
        const verts = evaluateShape(shape, frame);
        const vi = pickVertex(verts, p, r);
        if (vi >= 0) {
          select(layer.id, shape.id, vi);
          return begin('draggingVertex', 'Move point', drag0(layer.id, shape.id, verts, vi));
        }
      }
      for (const { layer, shape } of candidates) {
        if (shapeContains(shape, frame, p, r)) {
          select(layer.id, shape.id, null);
          return begin('translating', 'Move shape', drag0(layer.id, shape.id, evaluateShape(shape, frame)));
        }
      }
      env.ops.setSession((s) => void (s.selection = { shapeId: null, vertex: null }));
    },

    move(p: ToolPointer) {
      if (!drag || state === 'transforming') return;
      const dx = p.x - drag.start.x;
      const dy = p.y - drag.start.y;
      if (state === 'translating') return write((ref) => command('transformShape', { ...ref, matrix: translation(dx, dy) }));
      const b = drag.base[drag.vertex]!;
      const index = drag.vertex;
      if (state === 'draggingVertex') return write((ref) => command('setVertexAt', { ...ref, index, change: { x: b.x + dx, y: b.y + dy } }));
      if (state === 'draggingHandle' && drag.handle) {
        const out = drag.handle === 'out';
        const hx = (out ? b.outX : b.inX) + dx;
        const hy = (out ? b.outY : b.inY) + dy;
        const change: Partial<Vertex> = out ? { outX: hx, outY: hy } : { inX: hx, inY: hy };
        // Aligned handles keep a smooth point smooth; Alt breaks them apart.
        const len = Math.hypot(hx, hy);
        const otherLen = out ? Math.hypot(b.inX, b.inY) : Math.hypot(b.outX, b.outY);
        if (!p.alt && len > 0 && otherLen > 0) Object.assign(change, out ? { inX: (-hx / len) * otherLen, inY: (-hy / len) * otherLen } : { outX: (-hx / len) * otherLen, outY: (-hy / len) * otherLen });
        write((ref) => command('setVertexAt', { ...ref, index, change }));
      }
    },

    up() {
      end(true);
    },

    key(key) {
      if (key === 'escape' && state !== 'idle') {
        end(false);
        return true;
      }
      return false;
    },

    deactivate() {
      end(false);
    },

    transformStart() {
      const sel = selectedShape(env.ops);
      if (!sel || sel.layer.locked || state !== 'idle') return;
      const frame = env.ops.session().frame;
      begin('transforming', 'Transform shape', {
        layerId: sel.layer.id,
        shapeId: sel.shape.id,
        frame,
        start: { x: 0, y: 0 },
        base: evaluateShape(sel.shape, frame),
        vertex: -1,
        handle: null,
      });
    },

    transformUpdate(m: Affine) {
      if (state === 'transforming') write((ref) => command('transformShape', { ...ref, matrix: m }));
    },

    transformEnd() {
      if (state === 'transforming') end(true);
    },
  };
}
