/**
 * The action registry (Excalidraw's pattern): the shared table (common/actions) says what each action
 * is called and which keys run it; this side says what it does (`perform`) and when it may run
 * (`enabled`). The toolbar, the menus, native-menu `app.command` events, the keyboard, the tooltips and
 * the shortcut overlay all go through it, so a shortcut is declared exactly once.
 */
import { checkActionTable, formatShortcut, matchesShortcut } from '../../common/actions';
import type { ActionId, ActionSpec, KeyLike } from '../../common/actions';
import type { EditorOps } from '../state/store';
import type { ToolId } from '../state/session';

export type { ActionGroup, ActionId } from '../../common/actions';

/** The editor as actions see it: the document and session, commands that reach the host, tools, playback, view. */
export interface ActionContext {
  ops: EditorOps;
  commands: {
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
    showAbout(): void;
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

/** What an action does; the table in common/actions says what it is called and which keys run it. */
export interface ActionHandler {
  perform(ctx: ActionContext): void;
  enabled?(ctx: ActionContext): boolean;
}

export type Action<Id extends string = ActionId> = ActionSpec & ActionHandler & { readonly id: Id };

export function isMacPlatform(): boolean {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
}

export class ActionRegistry<Id extends string = ActionId> {
  private readonly byId = new Map<string, Action<Id>>();

  constructor(readonly actions: readonly Action<Id>[]) {
    checkActionTable(actions);
    for (const a of actions) this.byId.set(a.id, a);
  }

  get(id: Id): Action<Id> {
    const a = this.byId.get(id);
    if (!a) throw new Error(`no action "${id}"`);
    return a;
  }

  /** The action a key press triggers, if any. */
  forKey(e: KeyLike, isMac = isMacPlatform()): Action<Id> | null {
    for (const a of this.actions) if (a.shortcuts?.some((s) => matchesShortcut(s, e, isMac))) return a;
    return null;
  }

  isEnabled(id: Id, ctx: ActionContext): boolean {
    const a = this.get(id);
    return a.enabled ? a.enabled(ctx) : true;
  }

  /** Performs the action when it is enabled; returns whether it ran. */
  run(id: Id, ctx: ActionContext): boolean {
    if (!this.isEnabled(id, ctx)) return false;
    this.get(id).perform(ctx);
    return true;
  }

  /** "Undo (Ctrl+Z)": the tooltip text of an action. */
  tooltip(id: Id, isMac = isMacPlatform()): string {
    const a = this.get(id);
    const keys = (a.shortcuts ?? []).map((s) => formatShortcut(s, isMac));
    return keys.length ? `${a.label} (${keys.join(', ')})` : a.label;
  }
}
