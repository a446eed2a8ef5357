/**
 * What every action of the shared table (common/actions) does in the editor. The record is keyed by
 * the typed action ids, so an action without a handler (or a handler without an action) does not
 * compile.
 */
import { actionSpecs } from '../../common/actions';
import type { ActionId } from '../../common/actions';
import { setRangeEdge } from '../edits';
import { layerKeyFrames } from '../shapes/keys';
import { ActionRegistry } from './registry';
import type { Action, ActionContext, ActionHandler } from './registry';

export type { Action, ActionContext, ActionGroup, ActionHandler, ActionId } from './registry';
export { ActionRegistry, isMacPlatform } from './registry';

const hasDoc = (ctx: ActionContext) => !!ctx.ops.doc();
/** Needs the host to answer now (saving does not: a save waits for the host to come back). */
const online = (ctx: ActionContext) => ctx.ops.online();
const docOnline = (ctx: ActionContext) => hasDoc(ctx) && online(ctx);

function step(frames: number) {
  return (ctx: ActionContext) => {
    ctx.ops.setSession({ rate: 0 });
    ctx.ops.setFrame(ctx.ops.session().frame + frames);
  };
}

function jumpToKey(direction: 1 | -1) {
  return (ctx: ActionContext) => {
    const doc = ctx.ops.doc();
    if (!doc) return;
    const frame = ctx.ops.session().frame;
    const frames = new Set<number>();
    for (const layer of doc.layers) if (layer.visible) for (const f of layerKeyFrames(layer)) frames.add(f);
    const sorted = [...frames].sort((a, b) => a - b);
    const target = direction > 0 ? sorted.find((f) => f > frame) : sorted.reverse().find((f) => f < frame);
    if (target !== undefined) {
      ctx.ops.setSession({ rate: 0 });
      ctx.ops.setFrame(target);
    }
  };
}

function brush(change: (s: { brushRadius: number; brushHardness: number }) => Partial<{ brushRadius: number; brushHardness: number }>) {
  return (ctx: ActionContext) => ctx.ops.setSession(change(ctx.ops.session()));
}

export const actionHandlers: Record<ActionId, ActionHandler> = {
  'open-video': { enabled: online, perform: (c) => c.commands.openVideo() },
  'open-project': { enabled: online, perform: (c) => c.commands.openProject() },
  'open-sample': { enabled: online, perform: (c) => c.commands.openSample() },
  save: { enabled: hasDoc, perform: (c) => c.commands.save() },
  'save-as': { enabled: hasDoc, perform: (c) => c.commands.saveAs() },
  'import-masks': { enabled: docOnline, perform: (c) => c.commands.importMasks() },
  'export-masks': { enabled: docOnline, perform: (c) => c.commands.exportMasks() },
  'export-video': { enabled: docOnline, perform: (c) => c.commands.exportVideo() },
  'import-models': { enabled: online, perform: (c) => c.commands.importModels() },
  'download-models': { enabled: online, perform: (c) => c.commands.downloadModels() },

  undo: { enabled: (c) => c.ops.canUndo(), perform: (c) => c.ops.undo() },
  redo: { enabled: (c) => c.ops.canRedo(), perform: (c) => c.ops.redo() },
  delete: {
    perform: (c) => {
      if (!c.tools.toolKey('delete')) c.tools.deleteSelection();
    },
  },
  'copy-key': { perform: (c) => c.tools.copyKey() },
  'paste-key': { perform: (c) => c.tools.pasteKey() },
  confirm: { perform: (c) => void c.tools.toolKey('enter') },
  cancel: { perform: (c) => void c.tools.toolKey('escape') },

  'tool-select': { perform: (c) => c.tools.setTool('select') },
  'tool-brush': { perform: (c) => c.tools.setTool('brush') },
  'tool-eraser': { perform: (c) => c.tools.setTool('eraser') },
  'tool-polygon': { perform: (c) => c.tools.setTool('polygon') },
  'tool-bezier': { perform: (c) => c.tools.setTool('bezier') },
  'tool-hand': { perform: (c) => c.tools.setTool('hand') },
  'brush-smaller': { perform: brush((s) => ({ brushRadius: Math.max(0.5, +(s.brushRadius / 1.15).toFixed(2)) })) },
  'brush-larger': { perform: brush((s) => ({ brushRadius: Math.min(1000, +(s.brushRadius * 1.15).toFixed(2)) })) },
  'brush-softer': { perform: brush((s) => ({ brushHardness: Math.max(0, +(s.brushHardness - 0.1).toFixed(2)) })) },
  'brush-harder': { perform: brush((s) => ({ brushHardness: Math.min(1, +(s.brushHardness + 0.1).toFixed(2)) })) },

  'play-pause': { enabled: hasDoc, perform: (c) => c.playback.toggle() },
  'step-back': { perform: step(-1) },
  'step-forward': { perform: step(1) },
  'step-back-10': { perform: step(-10) },
  'step-forward-10': { perform: step(10) },
  'shuttle-back': { perform: (c) => c.playback.shuttle(-1) },
  'shuttle-stop': { perform: (c) => c.playback.shuttle(0) },
  'shuttle-forward': { perform: (c) => c.playback.shuttle(1) },
  'go-start': { perform: step(-Infinity) },
  'go-end': { perform: step(Infinity) },
  'prev-key': { perform: jumpToKey(-1) },
  'next-key': { perform: jumpToKey(1) },
  'set-in': { enabled: hasDoc, perform: (c) => setRangeEdge(c.ops, 'in', c.ops.session().frame) },
  'set-out': { enabled: hasDoc, perform: (c) => setRangeEdge(c.ops, 'out', c.ops.session().frame) },
  'go-in': { enabled: hasDoc, perform: (c) => c.ops.setFrame(c.ops.doc()!.range.in) },
  'go-out': { enabled: hasDoc, perform: (c) => c.ops.setFrame(c.ops.doc()!.range.out) },

  'toggle-overlay': { perform: (c) => c.ops.setSession((s) => void (s.overlayVisible = !s.overlayVisible)) },
  'toggle-result': { perform: (c) => c.ops.setSession((s) => void (s.showResult = !s.showResult)) },
  'split-view': { perform: (c) => c.ops.setSession((s) => void (s.split = !s.split)) },
  'zoom-fit': { perform: (c) => c.view.fit() },
  'zoom-100': { perform: (c) => c.view.zoomTo(1) },
  'zoom-in': { perform: (c) => c.view.zoomBy(1.25) },
  'zoom-out': { perform: (c) => c.view.zoomBy(0.8) },

  'propagate-forward': { enabled: docOnline, perform: (c) => c.commands.propagate('forward') },
  'propagate-backward': { enabled: docOnline, perform: (c) => c.commands.propagate('backward') },

  'run-inpaint': { enabled: docOnline, perform: (c) => c.commands.runJob() },
  'cancel-job': { enabled: online, perform: (c) => c.commands.cancelJob() },

  help: { perform: (c) => c.ops.setSession((s) => void (s.helpOpen = !s.helpOpen)) },
  about: { perform: (c) => c.commands.showAbout() },
};

/** The shared table joined with the handlers, in table order. */
export const actionList: Action[] = actionSpecs.map((spec) => ({ ...spec, ...actionHandlers[spec.id] }));

export const actions = new ActionRegistry(actionList);
