/**
 * Every action of the editor and its shortcuts: the one table. Order is the order of the help
 * overlay within each group.
 */
import { ActionRegistry } from './registry';
import type { Action, ActionContext } from './registry';
import { layerKeyFrames } from '../shapes/keys';
import { setRangeEdge } from '../shapes/edits';

export type { Action, ActionContext, ActionGroup } from './registry';
export { ActionRegistry } from './registry';

const hasDoc = (ctx: ActionContext) => !!ctx.ops.doc();

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

export const actionList: Action[] = [
  // File
  { id: 'open-video', label: 'Open Video…', group: 'file', shortcuts: ['Mod+Shift+O'], perform: (c) => c.host.openVideo() },
  { id: 'open-project', label: 'Open Project…', group: 'file', shortcuts: ['Mod+O'], perform: (c) => c.host.openProject() },
  { id: 'open-sample', label: 'Open Sample Project', group: 'file', perform: (c) => c.host.openSample() },
  { id: 'save', label: 'Save', group: 'file', shortcuts: ['Mod+S'], enabled: hasDoc, perform: (c) => c.host.save() },
  { id: 'save-as', label: 'Save As…', group: 'file', shortcuts: ['Mod+Shift+S'], enabled: hasDoc, perform: (c) => c.host.saveAs() },
  { id: 'import-masks', label: 'Import Masks…', group: 'file', shortcuts: ['Mod+Shift+I'], enabled: hasDoc, perform: (c) => c.host.importMasks() },
  { id: 'export-masks', label: 'Export Mask Sequence…', group: 'file', enabled: hasDoc, perform: (c) => c.host.exportMasks() },
  { id: 'export-video', label: 'Export Video…', group: 'file', shortcuts: ['Mod+E'], enabled: hasDoc, perform: (c) => c.host.exportVideo() },
  { id: 'import-models', label: 'Import Models Folder…', group: 'file', perform: (c) => c.host.importModels() },
  { id: 'download-models', label: 'Download Models…', group: 'file', perform: (c) => c.host.downloadModels() },

  // Edit
  { id: 'undo', label: 'Undo', group: 'edit', shortcuts: ['Mod+Z'], repeats: true, enabled: (c) => c.ops.canUndo(), perform: (c) => c.ops.undo() },
  { id: 'redo', label: 'Redo', group: 'edit', shortcuts: ['Mod+Shift+Z', 'Mod+Y'], repeats: true, enabled: (c) => c.ops.canRedo(), perform: (c) => c.ops.redo() },
  {
    id: 'delete',
    label: 'Delete Point or Shape',
    group: 'edit',
    shortcuts: ['Delete', 'Backspace'],
    perform: (c) => {
      if (!c.tools.toolKey('delete')) c.tools.deleteSelection();
    },
  },
  { id: 'copy-key', label: 'Copy Shape Key', group: 'edit', shortcuts: ['Mod+C'], perform: (c) => c.tools.copyKey() },
  { id: 'paste-key', label: 'Paste Shape Key at Playhead', group: 'edit', shortcuts: ['Mod+V'], perform: (c) => c.tools.pasteKey() },
  { id: 'confirm', label: 'Close Path', group: 'edit', shortcuts: ['Enter'], perform: (c) => void c.tools.toolKey('enter') },
  { id: 'cancel', label: 'Cancel Gesture', group: 'edit', shortcuts: ['Escape'], perform: (c) => void c.tools.toolKey('escape') },

  // Tools
  { id: 'tool-select', label: 'Select / Edit Points', group: 'tools', shortcuts: ['V'], perform: (c) => c.tools.setTool('select') },
  { id: 'tool-brush', label: 'Brush', group: 'tools', shortcuts: ['B'], perform: (c) => c.tools.setTool('brush') },
  { id: 'tool-eraser', label: 'Eraser', group: 'tools', shortcuts: ['E'], perform: (c) => c.tools.setTool('eraser') },
  { id: 'tool-polygon', label: 'Polygon Pen', group: 'tools', shortcuts: ['P'], perform: (c) => c.tools.setTool('polygon') },
  { id: 'tool-bezier', label: 'Bezier Pen', group: 'tools', shortcuts: ['G'], perform: (c) => c.tools.setTool('bezier') },
  { id: 'tool-hand', label: 'Hand (pan)', group: 'tools', shortcuts: ['H'], perform: (c) => c.tools.setTool('hand') },
  { id: 'brush-smaller', label: 'Smaller Brush', group: 'tools', shortcuts: ['['], repeats: true, perform: brush((s) => ({ brushRadius: Math.max(0.5, +(s.brushRadius / 1.15).toFixed(2)) })) },
  { id: 'brush-larger', label: 'Larger Brush', group: 'tools', shortcuts: [']'], repeats: true, perform: brush((s) => ({ brushRadius: Math.min(1000, +(s.brushRadius * 1.15).toFixed(2)) })) },
  { id: 'brush-softer', label: 'Softer Brush', group: 'tools', shortcuts: ['Shift+['], repeats: true, perform: brush((s) => ({ brushHardness: Math.max(0, +(s.brushHardness - 0.1).toFixed(2)) })) },
  { id: 'brush-harder', label: 'Harder Brush', group: 'tools', shortcuts: ['Shift+]'], repeats: true, perform: brush((s) => ({ brushHardness: Math.min(1, +(s.brushHardness + 0.1).toFixed(2)) })) },

  // Playback and navigation
  { id: 'play-pause', label: 'Play / Pause (hold and drag to pan)', group: 'playback', shortcuts: ['Space'], enabled: hasDoc, perform: (c) => c.playback.toggle() },
  { id: 'step-back', label: 'Previous Frame', group: 'playback', shortcuts: ['ArrowLeft'], repeats: true, perform: step(-1) },
  { id: 'step-forward', label: 'Next Frame', group: 'playback', shortcuts: ['ArrowRight'], repeats: true, perform: step(1) },
  { id: 'step-back-10', label: 'Back 10 Frames', group: 'playback', shortcuts: ['Shift+ArrowLeft'], repeats: true, perform: step(-10) },
  { id: 'step-forward-10', label: 'Forward 10 Frames', group: 'playback', shortcuts: ['Shift+ArrowRight'], repeats: true, perform: step(10) },
  { id: 'shuttle-back', label: 'Shuttle Backwards (J)', group: 'playback', shortcuts: ['J'], perform: (c) => c.playback.shuttle(-1) },
  { id: 'shuttle-stop', label: 'Stop (K)', group: 'playback', shortcuts: ['K'], perform: (c) => c.playback.shuttle(0) },
  { id: 'shuttle-forward', label: 'Shuttle Forwards (L)', group: 'playback', shortcuts: ['L'], perform: (c) => c.playback.shuttle(1) },
  { id: 'go-start', label: 'First Frame', group: 'playback', shortcuts: ['Home'], perform: step(-Infinity) },
  { id: 'go-end', label: 'Last Frame', group: 'playback', shortcuts: ['End'], perform: step(Infinity) },
  { id: 'prev-key', label: 'Previous Keyframe', group: 'playback', shortcuts: ['ArrowUp'], repeats: true, perform: jumpToKey(-1) },
  { id: 'next-key', label: 'Next Keyframe', group: 'playback', shortcuts: ['ArrowDown'], repeats: true, perform: jumpToKey(1) },
  { id: 'set-in', label: 'Set In Point', group: 'playback', shortcuts: ['I'], enabled: hasDoc, perform: (c) => setRangeEdge(c.ops, 'in', c.ops.session().frame) },
  { id: 'set-out', label: 'Set Out Point', group: 'playback', shortcuts: ['O'], enabled: hasDoc, perform: (c) => setRangeEdge(c.ops, 'out', c.ops.session().frame) },
  { id: 'go-in', label: 'Go to In Point', group: 'playback', shortcuts: ['Shift+I'], enabled: hasDoc, perform: (c) => c.ops.setFrame(c.ops.doc()!.range.in) },
  { id: 'go-out', label: 'Go to Out Point', group: 'playback', shortcuts: ['Shift+O'], enabled: hasDoc, perform: (c) => c.ops.setFrame(c.ops.doc()!.range.out) },

  // View
  { id: 'toggle-overlay', label: 'Show Mask Overlay', group: 'view', shortcuts: ['M'], perform: (c) => c.ops.setSession((s) => void (s.overlayVisible = !s.overlayVisible)) },
  { id: 'toggle-result', label: 'Show Result', group: 'view', shortcuts: ['R'], perform: (c) => c.ops.setSession((s) => void (s.showResult = !s.showResult)) },
  { id: 'split-view', label: 'Before / After Split', group: 'view', shortcuts: ['\\'], perform: (c) => c.ops.setSession((s) => void (s.split = !s.split)) },
  { id: 'zoom-fit', label: 'Fit in Viewer', group: 'view', shortcuts: ['Mod+0', 'Shift+F'], perform: (c) => c.view.fit() },
  { id: 'zoom-100', label: 'Zoom 100 % (pixel accurate)', group: 'view', shortcuts: ['Mod+1'], perform: (c) => c.view.zoomTo(1) },
  { id: 'zoom-in', label: 'Zoom In', group: 'view', shortcuts: ['=', '+'], repeats: true, perform: (c) => c.view.zoomBy(1.25) },
  { id: 'zoom-out', label: 'Zoom Out', group: 'view', shortcuts: ['-'], repeats: true, perform: (c) => c.view.zoomBy(0.8) },

  // Mask
  { id: 'propagate-forward', label: 'Propagate Mask Forward', group: 'mask', shortcuts: ['Alt+ArrowRight'], enabled: hasDoc, perform: (c) => c.host.propagate('forward') },
  { id: 'propagate-backward', label: 'Propagate Mask Backward', group: 'mask', shortcuts: ['Alt+ArrowLeft'], enabled: hasDoc, perform: (c) => c.host.propagate('backward') },

  // Job
  { id: 'run-inpaint', label: 'Remove Masked Objects (Run)', group: 'job', shortcuts: ['Mod+Enter'], enabled: hasDoc, perform: (c) => c.host.runJob() },
  { id: 'cancel-job', label: 'Cancel Job', group: 'job', shortcuts: ['Mod+.'], perform: (c) => c.host.cancelJob() },

  // Help
  { id: 'help', label: 'Keyboard Shortcuts', group: 'help', shortcuts: ['?', 'F1'], perform: (c) => c.ops.setSession((s) => void (s.helpOpen = !s.helpOpen)) },
];

export const actions = new ActionRegistry(actionList);

export const groupLabels: Record<Action['group'], string> = {
  file: 'File',
  edit: 'Edit',
  tools: 'Tools',
  playback: 'Playback',
  view: 'View',
  mask: 'Mask',
  job: 'Job',
  help: 'Help',
};
