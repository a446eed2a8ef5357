/**
 * Every command of the editor, declared once: its id, label, menu group and shortcuts. The renderer
 * maps each id to what it does (renderer/actions); its keyboard, tooltips, in-page menus and shortcut
 * overlay, and Electron's native menu (main/app/menu.ts) are all built from this table, so a label or
 * an accelerator is never typed twice. Order is the order of the menus and of the overlay.
 */
import { canonicalShortcut } from './shortcuts';

export { canonicalShortcut, electronAccelerator, formatShortcut, matchesShortcut, parseShortcut } from './shortcuts';
export type { KeyLike, ParsedShortcut } from './shortcuts';

export type ActionGroup = 'file' | 'edit' | 'tools' | 'playback' | 'view' | 'mask' | 'job' | 'help';

export interface ActionSpec {
  readonly id: string;
  readonly label: string;
  readonly group: ActionGroup;
  /** "Mod+Shift+Z" style (shortcuts.ts); the first one is the menu's accelerator. */
  readonly shortcuts?: readonly string[];
  /** Keyboard auto-repeat performs it again (stepping frames, brush size). */
  readonly repeats?: boolean;
  /** A key only, never a menu entry (Enter closes a path, Escape cancels a gesture). */
  readonly keyOnly?: boolean;
}

const specs = [
  // File
  { id: 'open-video', label: 'Open Video…', group: 'file', shortcuts: ['Mod+Shift+O'] },
  { id: 'open-project', label: 'Open Project…', group: 'file', shortcuts: ['Mod+O'] },
  { id: 'open-sample', label: 'Open Sample Project', group: 'file' },
  { id: 'save', label: 'Save', group: 'file', shortcuts: ['Mod+S'] },
  { id: 'save-as', label: 'Save As…', group: 'file', shortcuts: ['Mod+Shift+S'] },
  { id: 'import-masks', label: 'Import Masks…', group: 'file', shortcuts: ['Mod+Shift+I'] },
  { id: 'export-masks', label: 'Export Mask Sequence…', group: 'file' },
  { id: 'export-video', label: 'Export Video…', group: 'file', shortcuts: ['Mod+E'] },
  { id: 'import-models', label: 'Import Models Folder…', group: 'file' },
  { id: 'download-models', label: 'Download Models…', group: 'file' },

  // Edit
  { id: 'undo', label: 'Undo', group: 'edit', shortcuts: ['Mod+Z'], repeats: true },
  { id: 'redo', label: 'Redo', group: 'edit', shortcuts: ['Mod+Shift+Z', 'Mod+Y'], repeats: true },
  { id: 'delete', label: 'Delete Point or Shape', group: 'edit', shortcuts: ['Delete', 'Backspace'] },
  { id: 'copy-key', label: 'Copy Shape Key', group: 'edit', shortcuts: ['Mod+C'] },
  { id: 'paste-key', label: 'Paste Shape Key at Playhead', group: 'edit', shortcuts: ['Mod+V'] },
  { id: 'confirm', label: 'Close Path', group: 'edit', shortcuts: ['Enter'], keyOnly: true },
  { id: 'cancel', label: 'Cancel Gesture', group: 'edit', shortcuts: ['Escape'], keyOnly: true },

  // Tools
  { id: 'tool-select', label: 'Select / Edit Points', group: 'tools', shortcuts: ['V'] },
  { id: 'tool-brush', label: 'Brush', group: 'tools', shortcuts: ['B'] },
  { id: 'tool-eraser', label: 'Eraser', group: 'tools', shortcuts: ['E'] },
  { id: 'tool-polygon', label: 'Polygon Pen', group: 'tools', shortcuts: ['P'] },
  { id: 'tool-bezier', label: 'Bezier Pen', group: 'tools', shortcuts: ['G'] },
  { id: 'tool-hand', label: 'Hand (pan)', group: 'tools', shortcuts: ['H'] },
  { id: 'brush-smaller', label: 'Smaller Brush', group: 'tools', shortcuts: ['['], repeats: true },
  { id: 'brush-larger', label: 'Larger Brush', group: 'tools', shortcuts: [']'], repeats: true },
  { id: 'brush-softer', label: 'Softer Brush', group: 'tools', shortcuts: ['Shift+['], repeats: true },
  { id: 'brush-harder', label: 'Harder Brush', group: 'tools', shortcuts: ['Shift+]'], repeats: true },

  // Playback and navigation
  { id: 'play-pause', label: 'Play / Pause (hold and drag to pan)', group: 'playback', shortcuts: ['Space'] },
  { id: 'step-back', label: 'Previous Frame', group: 'playback', shortcuts: ['ArrowLeft'], repeats: true },
  { id: 'step-forward', label: 'Next Frame', group: 'playback', shortcuts: ['ArrowRight'], repeats: true },
  { id: 'step-back-10', label: 'Back 10 Frames', group: 'playback', shortcuts: ['Shift+ArrowLeft'], repeats: true },
  { id: 'step-forward-10', label: 'Forward 10 Frames', group: 'playback', shortcuts: ['Shift+ArrowRight'], repeats: true },
  { id: 'shuttle-back', label: 'Shuttle Backwards (J)', group: 'playback', shortcuts: ['J'] },
  { id: 'shuttle-stop', label: 'Stop (K)', group: 'playback', shortcuts: ['K'] },
  { id: 'shuttle-forward', label: 'Shuttle Forwards (L)', group: 'playback', shortcuts: ['L'] },
  { id: 'go-start', label: 'First Frame', group: 'playback', shortcuts: ['Home'] },
  { id: 'go-end', label: 'Last Frame', group: 'playback', shortcuts: ['End'] },
  { id: 'prev-key', label: 'Previous Keyframe', group: 'playback', shortcuts: ['ArrowUp'], repeats: true },
  { id: 'next-key', label: 'Next Keyframe', group: 'playback', shortcuts: ['ArrowDown'], repeats: true },
  { id: 'set-in', label: 'Set In Point', group: 'playback', shortcuts: ['I'] },
  { id: 'set-out', label: 'Set Out Point', group: 'playback', shortcuts: ['O'] },
  { id: 'go-in', label: 'Go to In Point', group: 'playback', shortcuts: ['Shift+I'] },
  { id: 'go-out', label: 'Go to Out Point', group: 'playback', shortcuts: ['Shift+O'] },

  // View
  { id: 'toggle-overlay', label: 'Show Mask Overlay', group: 'view', shortcuts: ['M'] },
  { id: 'toggle-result', label: 'Show Result', group: 'view', shortcuts: ['R'] },
  { id: 'split-view', label: 'Before / After Split', group: 'view', shortcuts: ['\\'] },
  { id: 'zoom-fit', label: 'Fit in Viewer', group: 'view', shortcuts: ['Mod+0', 'Shift+F'] },
  { id: 'zoom-100', label: 'Zoom 100 % (pixel accurate)', group: 'view', shortcuts: ['Mod+1'] },
  { id: 'zoom-in', label: 'Zoom In', group: 'view', shortcuts: ['=', '+'], repeats: true },
  { id: 'zoom-out', label: 'Zoom Out', group: 'view', shortcuts: ['-'], repeats: true },

  // Mask
  { id: 'propagate-forward', label: 'Propagate Mask Forward', group: 'mask', shortcuts: ['Alt+ArrowRight'] },
  { id: 'propagate-backward', label: 'Propagate Mask Backward', group: 'mask', shortcuts: ['Alt+ArrowLeft'] },

  // Job
  { id: 'run-inpaint', label: 'Remove Masked Objects (Run)', group: 'job', shortcuts: ['Mod+Enter'] },
  { id: 'cancel-job', label: 'Cancel Job', group: 'job', shortcuts: ['Mod+.'] },

  // Help
  { id: 'help', label: 'Keyboard Shortcuts', group: 'help', shortcuts: ['?', 'F1'] },
  { id: 'about', label: 'About Cleanplate', group: 'help' },
] as const satisfies readonly ActionSpec[];

/** Every action's id: a typed union, so a misspelt id is a compile error everywhere. */
export type ActionId = (typeof specs)[number]['id'];

export const actionSpecs: readonly (ActionSpec & { readonly id: ActionId })[] = specs;

export const actionIds: readonly ActionId[] = specs.map((s) => s.id);

export function isActionId(value: unknown): value is ActionId {
  return typeof value === 'string' && (actionIds as readonly string[]).includes(value);
}

export function actionSpec(id: ActionId): ActionSpec & { readonly id: ActionId } {
  return actionSpecs.find((s) => s.id === id)!;
}

export const groupLabels: Record<ActionGroup, string> = {
  file: 'File',
  edit: 'Edit',
  tools: 'Tools',
  playback: 'Playback',
  view: 'View',
  mask: 'Mask',
  job: 'Job',
  help: 'Help',
};

/** The menu bar, in the page (web host) and native (Electron): each menu lists the actions of its groups. */
export const menus: readonly { label: string; groups: readonly ActionGroup[] }[] = [
  { label: 'File', groups: ['file'] },
  { label: 'Edit', groups: ['edit'] },
  { label: 'Tools', groups: ['tools'] },
  { label: 'Playback', groups: ['playback'] },
  { label: 'View', groups: ['view'] },
  { label: 'Mask', groups: ['mask', 'job'] },
  { label: 'Help', groups: ['help'] },
];

/** The actions a menu group shows, in table order. */
export function menuActions(group: ActionGroup): (ActionSpec & { readonly id: ActionId })[] {
  return actionSpecs.filter((a) => a.group === group && !a.keyOnly);
}

/**
 * Checks a table: ids are unique and no two shortcuts name the same key combination. Throws with
 * both owners named; the renderer's registry calls it, and a unit test runs it on this table.
 */
export function checkActionTable(table: readonly Pick<ActionSpec, 'id' | 'shortcuts'>[]): void {
  const ids = new Set<string>();
  const owners = new Map<string, string>();
  for (const a of table) {
    if (ids.has(a.id)) throw new Error(`two actions are called "${a.id}"`);
    ids.add(a.id);
    for (const s of a.shortcuts ?? []) {
      const c = canonicalShortcut(s);
      const other = owners.get(c);
      if (other) throw new Error(`shortcut ${c} is claimed by both "${other}" and "${a.id}"`);
      owners.set(c, a.id);
    }
  }
}
