/**
 * The editor's one store (zustand + immer). Three parts with different rules:
 * - the document (`history.doc`): changed only through recorded edits (history.ts), undone, saved;
 * - the session (`session`): view, tool, selection, playhead; never undone, never saved (session.ts);
 * - host state (media, tasks, models, messages): mirrors what the host reports.
 * This module has no side effects on the host; the editor's commands (editor/commands.ts) talk to it.
 */
import { createStore } from 'zustand/vanilla';
import { immer } from 'zustand/middleware/immer';
import type { AppInfo, MediaInfo, ModelsStatus, RecentProject, RecoveryOffer, Task, TaskKind } from '../../common/contract/types';
import { isUserError } from '../../common/errors';
import type { ProjectDoc } from '../../common/project/schema';
import * as history from './history';
import type { DocHistory, DocRecipe } from './history';
import { defaultSession } from './session';
import type { SessionState } from './session';

/** A task as the host last reported it, plus what the renderer derives while it runs. */
export interface TaskEntry<K extends TaskKind = TaskKind> {
  task: Task<K>;
  /** One-line notices the host sent while it ran (provider fallback, out-of-memory retry, ...). */
  notices: string[];
  /** Renders: final frames per second since the first one arrived, and the time left. */
  fps: number | null;
  etaSec: number | null;
}

export interface Message {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export interface EditorState {
  history: DocHistory | null;
  /** True until the first project has been asked for (the viewer says "Loading…" meanwhile). */
  booting: boolean;
  media: MediaInfo | null;
  projectPath: string | null;
  /** History token of the last save and autosave (see historyToken). */
  savedToken: number;
  autosavedToken: number;
  session: SessionState;
  /** Every task the host reported (renders, propagations, exports, downloads), oldest first. */
  tasks: Record<string, TaskEntry>;
  /** Bumped whenever result frames of the current render arrive; their index lives in `media.results`. */
  resultsVersion: number;
  models: ModelsStatus | null;
  appInfo: AppInfo | null;
  recent: RecentProject[];
  recovery: RecoveryOffer[];
  thumbnailsVersion: number;
  /** How much of the clip the host's proxy frame cache holds. */
  frameCache: { cached: number; total: number } | null;
  messages: Message[];
  /** Whether the host answers ('connecting' until the first answer; the web host can die or hang). */
  connection: 'connecting' | 'online' | 'offline';
  /** Saves asked for while the host was unreachable, waiting to go through. */
  pendingSaves: number;
  /** The result the host kept for this clip from an earlier session (results.get), exportable. */
  keptResultId: string | null;
}

/** The most recent task of a kind (renders: the one whose results the viewer shows). */
export function latestTask<K extends TaskKind>(s: Pick<EditorState, 'tasks'>, kind: K): TaskEntry<K> | null {
  let found: TaskEntry<K> | null = null;
  for (const entry of Object.values(s.tasks)) if (entry.task.kind === kind) found = entry as TaskEntry<K>;
  return found;
}

export function isActive(task: Task | null | undefined): boolean {
  return task?.state === 'queued' || task?.state === 'running';
}

/** Id of the stand-in render shown between pressing Run and the host's answer. */
export const PENDING_RENDER = 'pending-render';

export function initialEditorState(): EditorState {
  return {
    history: null,
    booting: true,
    media: null,
    projectPath: null,
    savedToken: 0,
    autosavedToken: 0,
    session: defaultSession,
    tasks: {},
    resultsVersion: 0,
    models: null,
    appInfo: null,
    recent: [],
    recovery: [],
    thumbnailsVersion: 0,
    frameCache: null,
    messages: [],
    connection: 'connecting',
    pendingSaves: 0,
    keptResultId: null,
  };
}

export function createEditorStore(init: Partial<EditorState> = {}) {
  return createStore<EditorState>()(immer(() => ({ ...initialEditorState(), ...init })));
}

export type EditorStore = ReturnType<typeof createEditorStore>;

let nextMessageId = 1;

/**
 * Operations on a store (the editor binds them to its own; tests to theirs).
 * Document edits go through `edit`/gesture functions only, so every change is undoable.
 */
export function editorOps(store: EditorStore) {
  const get = store.getState;
  const setHistory = (h: DocHistory) => store.setState((s) => void (s.history = h as never));
  const withHistory = (f: (h: DocHistory) => DocHistory) => {
    const h = get().history;
    if (h) setHistory(f(h));
  };
  const deferred: (() => void)[] = [];
  const runDeferred = () => {
    for (const f of deferred.splice(0)) f();
  };
  const clampFrame = (frame: number) => {
    const n = get().history?.doc.source.frameCount ?? 1;
    return Math.min(Math.max(0, Math.round(frame)), n - 1);
  };

  return {
    doc(): ProjectDoc | null {
      return get().history?.doc ?? null;
    },

    loadProject(doc: ProjectDoc, media: MediaInfo, path: string | null) {
      store.setState((s) => {
        s.history = history.emptyHistory(doc) as never;
        s.media = media;
        s.projectPath = path;
        s.savedToken = 0;
        s.autosavedToken = 0;
        // What ran for the previous project does not belong to this one; downloads do.
        for (const [id, entry] of Object.entries(s.tasks)) if (entry.task.kind !== 'download') delete s.tasks[id];
        s.resultsVersion = 0;
        s.keptResultId = null;
        s.thumbnailsVersion = 0;
        s.frameCache = null;
        const firstLayer = doc.layers.find((l) => l.kind !== 'bitmap') ?? doc.layers[0];
        s.session.activeLayerId = firstLayer?.id ?? null;
        s.session.selection = { shapeId: null, vertex: null };
        s.session.frame = 0;
        s.session.rate = 0;
        s.session.view.fit = true;
        s.session.showResult = false;
        s.session.split = false;
      });
    },

    /** Applies and records one undoable edit. */
    edit(label: string, recipe: DocRecipe, mergeKey?: string) {
      const h = get().history;
      // A host event (a propagated key) may arrive mid-gesture: it waits for the gesture to end.
      if (h?.gesture) {
        deferred.push(() => this.edit(label, recipe, mergeKey));
        return;
      }
      withHistory((x) => history.record(x, label, recipe, mergeKey));
    },
    beginGesture(label: string) {
      withHistory((h) => history.beginGesture(h, label));
    },
    /** A refused intermediate state (a command's UserError) keeps the last good one on screen. */
    updateGesture(recipe: DocRecipe) {
      try {
        withHistory((h) => history.updateGesture(h, recipe));
      } catch (err) {
        if (!isUserError(err)) throw err;
      }
    },
    commitGesture(recipe?: DocRecipe) {
      withHistory((h) => history.commitGesture(h, recipe));
      runDeferred();
    },
    cancelGesture() {
      withHistory((h) => history.cancelGesture(h));
      runDeferred();
    },
    inGesture(): boolean {
      return !!get().history?.gesture;
    },
    undo() {
      withHistory(history.undo);
    },
    redo() {
      withHistory(history.redo);
    },
    canUndo(): boolean {
      const h = get().history;
      return !!h && !h.gesture && h.past.length > 0;
    },
    canRedo(): boolean {
      const h = get().history;
      return !!h && !h.gesture && h.future.length > 0;
    },
    token(): number {
      const h = get().history;
      return h ? history.historyToken(h) : 0;
    },
    isDirty(): boolean {
      return !!get().history && this.token() !== get().savedToken;
    },
    markSaved(path: string, token: number) {
      store.setState((s) => {
        s.projectPath = path;
        s.savedToken = token;
      });
    },
    markAutosaved(token: number) {
      store.setState((s) => void (s.autosavedToken = token));
    },

    session(): SessionState {
      return get().session;
    },
    /** Changes session fields. Never touches the document or its history. */
    setSession(patch: Partial<SessionState> | ((s: SessionState) => void)) {
      store.setState((s) => {
        if (typeof patch === 'function') patch(s.session);
        else Object.assign(s.session, patch);
      });
    },
    setFrame(frame: number) {
      const f = clampFrame(frame);
      if (f !== get().session.frame) store.setState((s) => void (s.session.frame = f));
    },
    clampFrame,

    /** Adds a task or replaces what the host said about it (keeping what the renderer derived). */
    setTask(task: Task) {
      store.setState((s) => {
        const entry = s.tasks[task.taskId];
        if (entry) entry.task = task as never;
        else s.tasks[task.taskId] = { task: task as never, notices: [], fps: null, etaSec: null };
      });
    },
    updateTask(taskId: string, recipe: (entry: TaskEntry) => void) {
      store.setState((s) => {
        const entry = s.tasks[taskId];
        if (entry) recipe(entry as TaskEntry);
      });
    },
    removeTask(taskId: string) {
      store.setState((s) => void delete s.tasks[taskId]);
    },
    bumpResults() {
      store.setState((s) => void (s.resultsVersion += 1));
    },
    /** False while the host does not answer: what needs it is disabled (saves wait instead). */
    online(): boolean {
      return get().connection !== 'offline';
    },
    setHost(patch: Partial<Pick<EditorState, 'models' | 'appInfo' | 'recent' | 'recovery' | 'thumbnailsVersion' | 'frameCache' | 'booting' | 'connection' | 'pendingSaves' | 'keptResultId'>>) {
      store.setState((s) => void Object.assign(s, patch));
    },

    message(kind: Message['kind'], text: string) {
      const id = nextMessageId++;
      store.setState((s) => {
        s.messages.push({ id, kind, text });
        if (s.messages.length > 4) s.messages.splice(0, s.messages.length - 4);
      });
      return id;
    },
    dismissMessage(id: number) {
      store.setState((s) => void (s.messages = s.messages.filter((m) => m.id !== id)));
    },
  };
}

export type EditorOps = ReturnType<typeof editorOps>;
