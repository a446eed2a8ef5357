/** Hand tool: idle → panning → idle; drags move the view (session state only, nothing to undo). */
import type { Tool, ToolEnv } from './types';

export function createHandTool(env: ToolEnv): Tool {
  let state: 'idle' | 'panning' = 'idle';
  let last = { sx: 0, sy: 0 };
  return {
    id: 'hand',
    state: () => state,
    down(p) {
      state = 'panning';
      last = { sx: p.sx, sy: p.sy };
    },
    move(p) {
      if (state !== 'panning') return;
      env.pan(p.sx - last.sx, p.sy - last.sy);
      last = { sx: p.sx, sy: p.sy };
    },
    up() {
      state = 'idle';
    },
    key: () => false,
    deactivate() {
      state = 'idle';
    },
  };
}
