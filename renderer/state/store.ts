/**
 * The editor's one store (zustand + immer). Three parts with different rules:
 * - the document (`history.doc`): changed only through recorded edits (history.ts), undone, saved;
 * - the session (`session`): view, tool, selection, playhead; never undone, never saved (session.ts);
 * - host state (media, job, models, exports, messages): mirrors what the host reports.
 * This module has no side effects on the host; `renderer/app/` talks to the bridge.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { immer } from 'zustand/middleware/immer';
import type { AppInfo, JobSummary, MediaInfo, ModelsStatus, RecentProject, RecoveryOffer } from '../../common/contract/types';
import { isUserError } from '../../common/errors';
import type { ProjectDoc } from '../../common/project/schema';
import * as history from './history';
import type { DocHistory, DocRecipe } from './history';
import { defaultSession } from './session';
import type { SessionState } from './session';

export interface JobProgress {
  stage: string;
  done: number;
  total: number;
  /** Final frames per second since the first one arrived. */
  fps: number | null;
  etaSec: number | null;
}

export interface JobUiState {
  summary: JobSummary | null;
  progress: JobProgress | null;
  notices: string[];
  error: string | null;
  /** Bumped whenever a result frame arrives; the index of finished frames lives in `jobResults`. */
  resultsVersion: number;
  seconds: number | null;
  /** Canvas scale of an outpainting job (its results are larger than the source), null for removal. */
  outpaint: { scaleH: number; scaleW: number } | null;
}

export interface ExportUiState {
  exportId: string;
  done: number;
  total: number;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  path: string | null;
  message: string | null;
}

export interface PropagationUiState {
  jobId: string;
  layerId: string;
  done: number;
  total: number;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  message: string | null;
}

export interface DownloadUiState {
  downloadId: string;
  file: string;
  receivedBytes: number;
  totalBytes: number;
  state: 'running' | 'done' | 'failed';
  message: string | null;
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
  job: JobUiState;
  exporting: ExportUiState | null;
  propagation: PropagationUiState | null;
  download: DownloadUiState | null;
  models: ModelsStatus | null;
  appInfo: AppInfo | null;
  recent: RecentProject[];
  recovery: RecoveryOffer[];
  thumbnailsVersion: number;
  /** How much of the clip the host's proxy frame cache holds. */
  frameCache: { cached: number; total: number } | null;
  messages: Message[];
}

const emptyJob: JobUiState = { summary: null, progress: null, notices: [], error: null, resultsVersion: 0, seconds: null, outpaint: null };

export function initialEditorState(): EditorState {
  return {
    history: null,
    booting: true,
    media: null,
    projectPath: null,
    savedToken: 0,
    autosavedToken: 0,
    session: defaultSession,
    job: emptyJob,
    exporting: null,
    propagation: null,
    download: null,
    models: null,
    appInfo: null,
    recent: [],
    recovery: [],
    thumbnailsVersion: 0,
    frameCache: null,
    messages: [],
  };
}

export function createEditorStore(init: Partial<EditorState> = {}) {
  return createStore<EditorState>()(immer(() => ({ ...initialEditorState(), ...init })));
}

export type EditorStore = ReturnType<typeof createEditorStore>;

/** The app's store. Tests create their own with createEditorStore. */
export const editorStore = createEditorStore();

export function useEditor<T>(selector: (s: EditorState) => T): T {
  return useStore(editorStore, selector);
}

let nextMessageId = 1;

/**
 * Operations on a store. Bound to the app's store below; tests bind them to their own.
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
        s.job = emptyJob;
        s.exporting = null;
        s.propagation = null;
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

    setJob(recipe: (j: JobUiState) => void) {
      store.setState((s) => recipe(s.job));
    },
    resetJob() {
      store.setState((s) => void (s.job = emptyJob));
    },
    setHost(patch: Partial<Pick<EditorState, 'exporting' | 'propagation' | 'download' | 'models' | 'appInfo' | 'recent' | 'recovery' | 'thumbnailsVersion' | 'frameCache' | 'booting'>>) {
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

export const ops = editorOps(editorStore);
