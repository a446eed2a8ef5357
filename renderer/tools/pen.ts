/**
 * The pen state machine shared by the polygon and bezier tools:
 *
 *   idle ──down──▶ placing (polygon) | draggingHandle (bezier)
 *   placing ──down near the first point (≥ 3 points)──▶ commit closed shape ──▶ idle
 *   placing ──down elsewhere──▶ placing | draggingHandle      draggingHandle ──up──▶ placing
 *   Enter closes (≥ 3 points), Backspace removes the last point, Escape drops the path.
 *
 * In idle, a click on the outline of the selected shape inserts a point there instead (in every key).
 * The path being drawn lives in the overlay; closing it is ONE edit that adds the shape, keyed at the
 * current frame, to the target shape layer (created when there is none).
 */
import { evaluateShape } from '../../common/keys/evaluate';
import type { Vertex } from '../../common/project/schema';
import { addShape, insertVertex, selectedShape, shapeTarget } from '../edits';
import { pickSegment } from '../shapes/geometry';
import { PICK_RADIUS } from './types';
import type { Tool, ToolEnv, ToolPointer } from './types';

type State = 'idle' | 'placing' | 'draggingHandle';

/** A drag shorter than this (screen px) places a corner point rather than pulling handles. */
const DRAG_THRESHOLD = 3;

export function createPenTool(env: ToolEnv, kind: 'polygon' | 'bezier'): Tool {
  let state: State = 'idle';
  let vertices: Vertex[] = [];
  let cursor: { x: number; y: number } | null = null;

  const pickRadius = () => PICK_RADIUS / env.zoom();
  const nearFirst = (p: { x: number; y: number }) =>
    vertices.length >= 3 && Math.hypot(p.x - vertices[0]!.x, p.y - vertices[0]!.y) <= pickRadius();

  const show = () =>
    env.overlay.setState({ pen: state === 'idle' ? null : { kind, vertices: vertices.map((v) => ({ ...v })), cursor, closing: !!cursor && nearFirst(cursor) } });

  const reset = () => {
    state = 'idle';
    vertices = [];
    cursor = null;
    show();
  };

  const finish = () => {
    if (vertices.length < 3) return false;
    const target = shapeTarget(env.ops, 'create');
    if (target.kind === 'refused') {
      env.notify(target.reason);
      return false;
    }
    const frame = env.ops.session().frame;
    const shapeId = env.newId('shape');
    addShape(env.ops, target, { id: shapeId, kind, closed: true, keys: [{ frame, interp: 'linear', vertices }] });
    reset();
    return true;
  };

  const addPoint = (p: ToolPointer) => {
    vertices.push({ x: p.x, y: p.y, inX: 0, inY: 0, outX: 0, outY: 0 });
    state = kind === 'bezier' ? 'draggingHandle' : 'placing';
  };

  /** Idle click on the selected shape's outline: insert a point there. */
  const tryInsert = (p: ToolPointer): boolean => {
    const sel = selectedShape(env.ops);
    if (!sel || sel.layer.locked) return false;
    const frame = env.ops.session().frame;
    const hit = pickSegment(sel.shape, evaluateShape(sel.shape, frame), p, pickRadius());
    if (!hit) return false;
    insertVertex(env.ops, sel.layer.id, sel.shape.id, hit.segment, hit.t);
    return true;
  };

  return {
    id: kind,
    state: () => state,

    down(p) {
      if (p.button !== 0 || !env.ops.doc()) return;
      if (state === 'idle') {
        if (tryInsert(p)) return;
        const target = shapeTarget(env.ops, 'create');
        if (target.kind === 'refused') {
          env.notify(target.reason);
          return;
        }
        vertices = [];
        addPoint(p);
      } else if (state === 'placing') {
        if (nearFirst(p)) {
          finish();
          return;
        }
        addPoint(p);
      }
      cursor = { x: p.x, y: p.y };
      show();
    },

    move(p) {
      cursor = { x: p.x, y: p.y };
      if (state === 'draggingHandle') {
        const v = vertices[vertices.length - 1]!;
        const dx = p.x - v.x;
        const dy = p.y - v.y;
        const far = Math.hypot(dx, dy) * env.zoom() >= DRAG_THRESHOLD;
        // Symmetric handles, as in every pen tool: the in handle mirrors the out handle.
        Object.assign(v, far ? { outX: dx, outY: dy, inX: -dx, inY: -dy } : { outX: 0, outY: 0, inX: 0, inY: 0 });
      }
      if (state !== 'idle') show();
    },

    up() {
      if (state === 'draggingHandle') {
        state = 'placing';
        show();
      }
    },

    key(key) {
      if (state === 'idle') return false;
      if (key === 'escape') reset();
      else if (key === 'enter') finish();
      else if (key === 'backspace' || key === 'delete') {
        vertices.pop();
        if (vertices.length === 0) reset();
        else {
          state = 'placing';
          show();
        }
      }
      return true;
    },

    deactivate: reset,
  };
}
