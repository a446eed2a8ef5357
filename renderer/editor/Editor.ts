/**
 * The editor: one object holding everything the UI works with (tldraw's Editor habit) — the store and
 * its operations, the commands that reach the host, the tools, the media session, playback, the view
 * and the action registry. The app creates one (main.tsx) and hands it to React through
 * EditorProvider; components reach it with `useEditor()`. Nothing here is a module-level singleton,
 * so tests can make as many editors as they like, each with its own host.
 */
import type { ActionId, KeyLike } from '../../common/actions';
import { actions } from '../actions';
import type { ActionContext } from '../actions';
import type { HostConnection } from '../bridge';
import { copyKey, deleteSelection, pasteKey } from '../edits';
import { MediaSession } from '../media/session';
import { newId } from '../state/ids';
import type { ToolId } from '../state/session';
import { createEditorStore, editorOps } from '../state/store';
import type { EditorOps, EditorStore } from '../state/store';
import { createBezierTool } from '../tools/bezier';
import { createBrushTool } from '../tools/brush';
import { createEraserTool } from '../tools/eraser';
import { createHandTool } from '../tools/hand';
import { createPolygonTool } from '../tools/polygon';
import { createSelectTool } from '../tools/select';
import type { SelectTool } from '../tools/select';
import { createOverlayStore } from '../tools/types';
import type { OverlayStore, Tool, ToolEnv, ToolKey } from '../tools/types';
import { boot, pageClientId, startBackground } from './background';
import { EditorCommands } from './commands';
import { DialogController } from './dialogs';
import { subscribeHostEvents } from './hostEvents';
import { installKeyboard } from './keyboard';
import type { SpaceKey } from './keyboard';
import { Playback } from './playback';
import { createInspection, createTestHooks } from './testHooks';
import type { Inspection } from './testHooks';
import { fitView, panBy, zoomAt } from './viewport';
import type { Size } from './viewport';

export interface EditorOptions {
  /** Runs `cb` once before the next paint (requestAnimationFrame); tests pass their own. */
  schedule?: (cb: () => void) => void;
  /** This page's id across reloads (background.ts pageClientId); tests pass their own. */
  clientId?: string | null;
}

/** The viewer's size and the zoom actions that need it. */
export class ViewController {
  /** The viewer's size in screen pixels; the Viewer keeps it up to date. */
  readonly size: Size = { width: 800, height: 450 };

  constructor(private readonly ops: EditorOps) {}

  setSize(size: Size): void {
    this.size.width = size.width;
    this.size.height = size.height;
  }

  fit(): void {
    const doc = this.ops.doc();
    if (doc) this.ops.setSession({ view: fitView(this.size, { width: doc.source.width, height: doc.source.height }) });
  }

  zoomTo(zoom: number): void {
    this.ops.setSession((s) => void (s.view = zoomAt(s.view, zoom, this.size.width / 2, this.size.height / 2)));
  }

  zoomBy(factor: number): void {
    this.ops.setSession((s) => void (s.view = zoomAt(s.view, s.view.zoom * factor, this.size.width / 2, this.size.height / 2)));
  }
}

/** The tools, sharing one environment, and the tool actions. */
export class ToolController {
  readonly overlay: OverlayStore = createOverlayStore();
  readonly select: SelectTool;
  private readonly byId: Record<ToolId, Tool>;

  constructor(
    private readonly ops: EditorOps,
    schedule: (cb: () => void) => void,
  ) {
    const env: ToolEnv = {
      ops,
      overlay: this.overlay,
      zoom: () => ops.session().view.zoom,
      newId,
      schedule,
      notify: (text) => void ops.message('info', text),
      pan: (dx, dy) => ops.setSession((s) => void (s.view = panBy(s.view, dx, dy))),
    };
    this.select = createSelectTool(env);
    this.byId = {
      select: this.select,
      brush: createBrushTool(env),
      eraser: createEraserTool(env),
      polygon: createPolygonTool(env),
      bezier: createBezierTool(env),
      hand: createHandTool(env),
    };
  }

  active(): Tool {
    return this.byId[this.ops.session().tool];
  }

  setTool(id: ToolId): void {
    if (this.ops.session().tool === id) return;
    this.active().deactivate();
    this.ops.setSession({ tool: id });
  }

  toolKey(key: ToolKey): boolean {
    return this.active().key(key);
  }

  deleteSelection(): void {
    deleteSelection(this.ops);
  }

  copyKey(): void {
    copyKey(this.ops);
  }

  pasteKey(): void {
    pasteKey(this.ops);
  }
}

export class Editor implements ActionContext {
  readonly store: EditorStore = createEditorStore();
  readonly ops: EditorOps = editorOps(this.store);
  readonly dialogs = new DialogController();
  readonly media: MediaSession;
  readonly tools: ToolController;
  readonly view: ViewController;
  readonly playback: Playback;
  readonly commands: EditorCommands;
  readonly actions = actions;
  /** Space held for panning (the keyboard sets it, the viewer reads it). */
  readonly space: SpaceKey = { held: false, used: false };
  /** What the canvas drew last, for tests (window.__cleanplate). */
  readonly inspect: Inspection = createInspection();
  private stop: (() => void) | null = null;
  private readonly schedule: (cb: () => void) => void;
  private readonly clientId: string | null;

  constructor(
    readonly host: HostConnection,
    options: EditorOptions = {},
  ) {
    this.schedule = options.schedule ?? ((cb) => void requestAnimationFrame(() => cb()));
    this.clientId = options.clientId === undefined ? pageClientId() : options.clientId;
    this.media = new MediaSession({ frameRef: async (mediaId, index) => (await host.api.media.frame({ mediaId, index })).ref, mediaUrl: (ref) => host.mediaUrl(ref) });
    this.tools = new ToolController(this.ops, this.schedule);
    this.view = new ViewController(this.ops);
    this.playback = new Playback(this.ops);
    this.commands = new EditorCommands({
      host,
      store: this.store,
      ops: this.ops,
      media: this.media,
      dialogs: this.dialogs,
      clientId: this.clientId,
      onProjectShown: () => void this.inspect.projectLoads++,
    });
  }

  /** Mirrors the host connection into the store; coming back after being offline re-opens the video there. */
  private watchConnection(): () => void {
    this.ops.setHost({ connection: this.host.connection.state() });
    return this.host.connection.subscribe((state) => {
      const was = this.store.getState().connection;
      this.ops.setHost({ connection: state });
      if (was === 'offline' && state === 'online') void this.commands.reconnected();
    });
  }

  /** Performs an action (when it is enabled); returns whether it ran. */
  run(id: ActionId): boolean {
    return this.actions.run(id, this);
  }

  isEnabled(id: ActionId): boolean {
    return this.actions.isEnabled(id, this);
  }

  /** "Undo (Ctrl+Z)". */
  tooltip(id: ActionId): string {
    return this.actions.tooltip(id);
  }

  /** True while a modal owns the keyboard (a dialog or the shortcut overlay). */
  modalOpen(): boolean {
    return this.ops.session().helpOpen || this.dialogs.current() !== null || this.store.getState().recovery.length > 0;
  }

  /**
   * Connects the editor to its page and host: host events, the keyboard, background duties, the
   * first project and the test hooks. Once per editor (StrictMode runs effects twice); the returned
   * function undoes it.
   */
  start(): () => void {
    if (this.stop) return this.stop;
    const stops = [
      subscribeHostEvents({
        host: this.host,
        store: this.store,
        ops: this.ops,
        media: this.media,
        schedule: this.schedule,
        openPath: (path) => void this.commands.openPath(path),
        refreshModels: () => void this.commands.refreshModels(),
        run: (id) => void this.run(id),
      }),
      installKeyboard({ space: this.space, forKey: (e: KeyLike) => this.actions.forKey(e), run: (id) => void this.run(id), blocked: () => this.modalOpen() }),
      startBackground({ host: this.host, clientId: this.clientId, store: this.store, ops: this.ops, commands: this.commands }),
      this.watchConnection(),
    ];
    (window as unknown as { __cleanplate: unknown }).__cleanplate = createTestHooks({ store: this.store, ops: this.ops, media: this.media, inspect: this.inspect });
    void boot({ host: this.host, clientId: this.clientId, store: this.store, ops: this.ops, commands: this.commands });
    this.stop = () => {
      stops.forEach((s) => s());
      this.dialogs.close();
      this.stop = null;
    };
    return this.stop;
  }
}
