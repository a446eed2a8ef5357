/**
 * Brush tool: idle → painting → idle. Pointer samples are buffered and written to the overlay once
 * per animation frame; a sample closer than one screen pixel to the previous point is merged into it.
 * The stroke in progress lives only in the overlay; releasing commits it as ONE edit (a new stroke on
 * the target brush layer, created when there is none); Escape drops it.
 */
import { holdOf } from '../state/session';
import { addStroke, brushTarget } from '../edits';
import type { Tool, ToolEnv, ToolPointer } from './types';

type State = 'idle' | 'painting';

export function createBrushTool(env: ToolEnv, mode: 'paint' | 'erase' = 'paint'): Tool {
  let state: State = 'idle';
  let points: number[] = [];
  let pending: ToolPointer[] = [];
  let scheduled = false;
  let cursor: { x: number; y: number } | null = null;

  const addSample = (p: ToolPointer) => {
    const n = points.length;
    const minDistance = 1 / env.zoom(); // one screen pixel, in source pixels
    if (n >= 2 && Math.hypot(p.x - points[n - 2]!, p.y - points[n - 1]!) < minDistance) return;
    points.push(p.x, p.y);
  };

  /** Once per animation frame: the new samples and the cursor reach the overlay in one update. */
  const flush = () => {
    scheduled = false;
    if (state !== 'painting') {
      env.overlay.setState({ cursor });
      return;
    }
    for (const p of pending) addSample(p);
    pending = [];
    const s = env.ops.session();
    env.overlay.setState({ cursor, stroke: { points: points.slice(), radius: s.brushRadius, hardness: s.brushHardness, mode } });
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    env.schedule(flush);
  };

  const toIdle = () => {
    state = 'idle';
    points = [];
    pending = [];
    env.overlay.setState({ stroke: null });
  };

  return {
    id: mode === 'paint' ? 'brush' : 'eraser',
    state: () => state,

    down(p) {
      if (state !== 'idle' || p.button !== 0) return;
      if (!env.ops.doc()) return;
      // Erasing needs paint to erase from; painting may create its layer on release.
      const target = brushTarget(env.ops, mode === 'erase' ? 'existing' : 'create');
      if (target.kind === 'refused') {
        env.notify(target.reason);
        return;
      }
      state = 'painting';
      cursor = { x: p.x, y: p.y };
      points = [];
      pending = [];
      addSample(p);
      flush();
    },

    move(p, samples) {
      cursor = { x: p.x, y: p.y };
      if (state === 'painting') pending.push(...(samples?.length ? samples : [p]));
      schedule();
    },

    up(p) {
      if (state !== 'painting') return;
      pending.push(p);
      flush();
      const s = env.ops.session();
      const target = brushTarget(env.ops, mode === 'erase' ? 'existing' : 'create');
      if (target.kind !== 'refused') {
        addStroke(env.ops, target, {
          id: env.newId('stroke'),
          frame: s.frame,
          hold: holdOf(s.brushHold),
          mode,
          radius: s.brushRadius,
          hardness: s.brushHardness,
          points,
        });
      }
      toIdle();
    },

    leave() {
      cursor = null;
      env.overlay.setState({ cursor: null });
    },

    key(key) {
      if (key === 'escape' && state === 'painting') {
        toIdle();
        return true;
      }
      return false;
    },

    deactivate() {
      toIdle();
      cursor = null;
      env.overlay.setState({ cursor: null });
    },
  };
}
