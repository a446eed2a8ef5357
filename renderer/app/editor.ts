/**
 * The app's editor objects, created once: the tools (sharing one environment), the playback loop,
 * view control, and the ActionContext that binds the action registry to all of them.
 */
import type { ActionContext } from '../actions';
import { fitView, panBy, zoomAt } from '../canvas/viewport';
import type { Size } from '../canvas/viewport';
import { copyKey, deleteSelection, pasteKey } from '../shapes/edits';
import { newId } from '../state/ids';
import type { ToolId } from '../state/session';
import { ops } from '../state/store';
import { Playback } from '../timeline/playback';
import { createBezierTool } from '../tools/bezier';
import { createBrushTool } from '../tools/brush';
import { createEraserTool } from '../tools/eraser';
import { createHandTool } from '../tools/hand';
import { createPolygonTool } from '../tools/polygon';
import { createSelectTool } from '../tools/select';
import { createOverlayStore } from '../tools/types';
import type { Tool, ToolEnv } from '../tools/types';
import { hostActions } from './host';

export const toolOverlay = createOverlayStore();

const env: ToolEnv = {
  ops,
  overlay: toolOverlay,
  zoom: () => ops.session().view.zoom,
  newId,
  schedule: (cb) => void requestAnimationFrame(() => cb()),
  notify: (text) => void ops.message('info', text),
  pan: (dx, dy) => ops.setSession((s) => void (s.view = panBy(s.view, dx, dy))),
};

export const selectTool = createSelectTool(env);

export const tools: Record<ToolId, Tool> = {
  select: selectTool,
  brush: createBrushTool(env),
  eraser: createEraserTool(env),
  polygon: createPolygonTool(env),
  bezier: createBezierTool(env),
  hand: createHandTool(env),
};

export function activeTool(): Tool {
  return tools[ops.session().tool];
}

export function setTool(id: ToolId): void {
  if (ops.session().tool === id) return;
  activeTool().deactivate();
  ops.setSession({ tool: id });
}

/** The viewer's current size; the Viewer keeps it up to date. */
export const viewerSize: Size = { width: 800, height: 450 };

function sourceSize(): Size | null {
  const doc = ops.doc();
  return doc ? { width: doc.source.width, height: doc.source.height } : null;
}

export const view: ActionContext['view'] = {
  fit() {
    const src = sourceSize();
    if (src) ops.setSession({ view: fitView(viewerSize, src) });
  },
  zoomTo(zoom) {
    ops.setSession((s) => void (s.view = zoomAt(s.view, zoom, viewerSize.width / 2, viewerSize.height / 2)));
  },
  zoomBy(factor) {
    ops.setSession((s) => void (s.view = zoomAt(s.view, s.view.zoom * factor, viewerSize.width / 2, viewerSize.height / 2)));
  },
};

export const playback = new Playback(ops);

export const actionContext: ActionContext = {
  ops,
  host: hostActions(),
  tools: {
    setTool,
    toolKey: (key) => activeTool().key(key),
    deleteSelection: () => deleteSelection(ops),
    copyKey: () => copyKey(ops),
    pasteKey: () => pasteKey(ops),
  },
  playback: {
    toggle: () => playback.toggle(),
    shuttle: (d) => playback.shuttle(d),
  },
  view,
};
