/**
 * The action registry (Excalidraw's pattern): every command the user can give is one Action with a
 * label, optional shortcuts and a perform function. The toolbar, the menus, `app.command` events,
 * the keyboard and the tooltips all go through it, so a shortcut is declared exactly once.
 */
import type { EditorOps } from '../state/store';
import type { ToolId } from '../state/session';
import { canonicalShortcut, formatShortcut, isMacPlatform, matchesShortcut } from './shortcuts';
import type { KeyLike } from './shortcuts';

export type ActionGroup = 'file' | 'edit' | 'tools' | 'playback' | 'view' | 'mask' | 'job' | 'help';

/** What actions may do beyond the store: the host-facing and view-facing parts of the app. */
export interface ActionContext {
  ops: EditorOps;
  host: {
    openVideo(): void;
    openProject(): void;
    openSample(): void;
    save(): void;
    saveAs(): void;
    importMasks(): void;
    exportMasks(): void;
    exportVideo(): void;
    importModels(): void;
    downloadModels(): void;
    runJob(): void;
    cancelJob(): void;
    propagate(direction: 'forward' | 'backward'): void;
  };
  tools: {
    setTool(id: ToolId): void;
    /** Offers a key to the active tool first (Enter closes a path, Delete removes a point). */
    toolKey(key: 'enter' | 'delete' | 'escape' | 'backspace'): boolean;
    deleteSelection(): void;
    copyKey(): void;
    pasteKey(): void;
  };
  playback: {
    toggle(): void;
    /** J/K/L: -1 slower/backwards, 0 stop, +1 faster/forwards. */
    shuttle(direction: -1 | 0 | 1): void;
  };
  view: {
    fit(): void;
    zoomTo(zoom: number): void;
    zoomBy(factor: number): void;
  };
}

export interface Action {
  id: string;
  label: string;
  group: ActionGroup;
  shortcuts?: readonly string[];
  /** Keyboard repeat performs it again (stepping frames, brush size). */
  repeats?: boolean;
  perform(ctx: ActionContext): void;
  enabled?(ctx: ActionContext): boolean;
}

export class ActionRegistry {
  private readonly byId = new Map<string, Action>();

  constructor(readonly actions: readonly Action[]) {
    const seen = new Map<string, string>();
    for (const a of actions) {
      if (this.byId.has(a.id)) throw new Error(`two actions are called "${a.id}"`);
      this.byId.set(a.id, a);
      for (const s of a.shortcuts ?? []) {
        const c = canonicalShortcut(s);
        const other = seen.get(c);
        if (other) throw new Error(`shortcut ${c} is claimed by both "${other}" and "${a.id}"`);
        seen.set(c, a.id);
      }
    }
  }

  get(id: string): Action {
    const a = this.byId.get(id);
    if (!a) throw new Error(`no action "${id}"`);
    return a;
  }

  /** The action a key press triggers, if any. */
  forKey(e: KeyLike, isMac = isMacPlatform()): Action | null {
    for (const a of this.actions) if (a.shortcuts?.some((s) => matchesShortcut(s, e, isMac))) return a;
    return null;
  }

  run(id: string, ctx: ActionContext): boolean {
    const a = this.get(id);
    if (a.enabled && !a.enabled(ctx)) return false;
    a.perform(ctx);
    return true;
  }

  /** "Undo (Ctrl+Z)": the tooltip text of an action. */
  tooltip(id: string, isMac = isMacPlatform()): string {
    const a = this.get(id);
    const keys = (a.shortcuts ?? []).map((s) => formatShortcut(s, isMac));
    return keys.length ? `${a.label} (${keys.join(', ')})` : a.label;
  }
}
