/**
 * The timeline's drags as a state machine, like the viewer's tools (tools/types.ts): the timeline
 * only says what was pressed and where the pointer is, in lane pixels; this decides what happens.
 *
 *   idle ──down on the ruler, the strip or the playhead──▶ scrubbing ──move──▶ playhead follows ──up──▶ idle
 *   idle ──down on a handle (in/out point, a layer's range end, a key marker)──▶ pressing
 *   pressing ──move ≥ 3 px──▶ dragging: one gesture ("Move in point", "Layer frames", "Retime key")
 *   pressing ──up──▶ a click: on an in/out handle the playhead goes to the frame under the pointer (the
 *                    handles sit on the ruler, which is for scrubbing); a key or a layer's range end
 *                    takes the playhead to its frame
 *   dragging ──up──▶ commit ONE undo step ──▶ idle          any ──cancel (Escape, lost pointer)──▶ the mark ──▶ idle
 *
 * Drags recompute from the value at the press plus the whole movement, so the document never drifts.
 */
import { createStore } from 'zustand/vanilla';
import { layerActiveRange } from '../../common/project/active-range';
import { command } from '../edits';
import type { EditorOps } from '../state/store';
import { frameAtX } from './scale';

/** What a press landed on (the timeline reads it from the element's data attributes). */
export type TimelineTarget =
  | { kind: 'scrub' }
  | { kind: 'range-edge'; edge: 'in' | 'out' }
  | { kind: 'layer-edge'; layerId: string; edge: 'in' | 'out' }
  | { kind: 'key'; layerId: string; frame: number };

export interface TimelineEnv {
  ops: EditorOps;
  /** Screen pixels per frame now. */
  pxPerFrame(): number;
}

/** What the timeline draws for a drag in progress. */
export interface TimelineDragView {
  key: { layerId: string; from: number; to: number } | null;
}

export type TimelineDragState = 'idle' | 'scrubbing' | 'pressing' | 'dragging';

/** A press shorter than this (screen px) is a click. */
export const DRAG_THRESHOLD = 3;

export interface TimelineDrags {
  readonly view: ReturnType<typeof createDragView>;
  state(): TimelineDragState;
  /** A primary-button press at lane x (pixels from frame 0's left edge). */
  down(target: TimelineTarget, x: number): void;
  move(x: number): void;
  up(x: number): void;
  /** Escape or a lost pointer: the document goes back to the mark. */
  cancel(): void;
}

function createDragView() {
  return createStore<TimelineDragView>()(() => ({ key: null }));
}

export function createTimelineDrags(env: TimelineEnv): TimelineDrags {
  const view = createDragView();
  let state: TimelineDragState = 'idle';
  let target: TimelineTarget | null = null;
  let startX = 0;
  /** The handle's frame at the press. */
  let from = 0;
  let to = 0;

  const frameCount = () => env.ops.doc()?.source.frameCount ?? 1;
  const frameAt = (x: number) => frameAtX(x, env.pxPerFrame(), frameCount());
  const clampFrame = (f: number) => Math.min(frameCount() - 1, Math.max(0, f));
  const moved = (x: number) => clampFrame(from + Math.round((x - startX) / env.pxPerFrame()));

  const reset = () => {
    state = 'idle';
    target = null;
    view.setState({ key: null });
  };

  /** The gesture's label and its recipe at frame `f`, for the handle being dragged. */
  const dragEdit = (t: TimelineTarget, f: number) => {
    const doc = env.ops.doc()!;
    if (t.kind === 'range-edge') {
      const r = doc.range;
      return {
        label: t.edge === 'in' ? 'Move in point' : 'Move out point',
        recipe: command('setRange', t.edge === 'in' ? { in: Math.min(f, r.out), out: r.out } : { in: r.in, out: Math.max(f, r.in) }),
      };
    }
    if (t.kind === 'layer-edge') {
      const layer = doc.layers.find((l) => l.id === t.layerId);
      const r = layer ? layerActiveRange(layer, doc.range.out) : null;
      const lo = r ? r.in : f;
      const hi = r ? Math.min(r.out, frameCount() - 1) : f;
      return {
        label: 'Layer frames',
        recipe: command('setLayerRange', { layerId: t.layerId, range: t.edge === 'in' ? { in: Math.min(f, hi), out: hi } : { in: lo, out: Math.max(f, lo) } }),
      };
    }
    if (t.kind === 'key') return { label: 'Retime key', recipe: command('retimeLayerKeys', { layerId: t.layerId, from, to: f }) };
    return null;
  };

  /** The frame a handle stands on at the press (the value a drag starts from). */
  const handleFrame = (t: TimelineTarget): number => {
    const doc = env.ops.doc()!;
    if (t.kind === 'range-edge') return t.edge === 'in' ? doc.range.in : doc.range.out;
    if (t.kind === 'key') return t.frame;
    if (t.kind === 'layer-edge') {
      const layer = doc.layers.find((l) => l.id === t.layerId);
      const r = layer ? layerActiveRange(layer, doc.range.out) : null;
      return clampFrame(r ? (t.edge === 'in' ? r.in : r.out) : 0);
    }
    return 0;
  };

  return {
    view,
    state: () => state,

    down(t, x) {
      if (state !== 'idle' || !env.ops.doc()) return;
      env.ops.setSession({ rate: 0 });
      target = t;
      startX = x;
      if (t.kind === 'scrub') {
        state = 'scrubbing';
        env.ops.setFrame(frameAt(x));
        return;
      }
      if (t.kind === 'key' || t.kind === 'layer-edge')
        env.ops.setSession((s) => {
          if (s.activeLayerId !== t.layerId) s.selection = { shapeId: null, vertex: null };
          s.activeLayerId = t.layerId;
        });
      from = to = handleFrame(t);
      state = 'pressing';
    },

    move(x) {
      if (state === 'scrubbing') {
        env.ops.setFrame(frameAt(x));
        return;
      }
      if (!target || (state !== 'pressing' && state !== 'dragging')) return;
      if (state === 'pressing') {
        if (Math.abs(x - startX) < DRAG_THRESHOLD) return;
        const edit = dragEdit(target, from);
        if (!edit) return;
        state = 'dragging';
        env.ops.beginGesture(edit.label);
      }
      to = moved(x);
      const edit = dragEdit(target, to);
      if (edit) env.ops.updateGesture(edit.recipe);
      if (target.kind === 'key') view.setState({ key: { layerId: target.layerId, from, to } });
    },

    up(x) {
      const t = target;
      if (state === 'dragging') {
        env.ops.commitGesture();
        // A retimed key takes the playhead along, so the user sees the key where it landed.
        if (t?.kind === 'key') env.ops.setFrame(to);
      } else if (state === 'pressing' && t) {
        env.ops.setFrame(t.kind === 'range-edge' ? frameAt(x) : from);
      }
      reset();
    },

    cancel() {
      if (state === 'dragging') env.ops.cancelGesture();
      reset();
    },
  };
}
