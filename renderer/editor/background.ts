/**
 * Start-up and the app's background duties: the first project (shown before any thumbnail exists),
 * recovery offers, models status, preferences, autosave every few seconds while there are unsaved
 * edits, and a warning before closing the page with unsaved work.
 */
import type { HostConnection } from '../bridge';
import { preferencesOf, restorePreferences } from '../state/session';
import type { EditorOps, EditorStore } from '../state/store';
import type { EditorCommands } from './commands';

const PREFERENCES_KEY = 'cleanplate.preferences.v1';
const CLIENT_KEY = 'cleanplate.client';

/**
 * This page's id: kept in sessionStorage, so a reload keeps it and another tab or window has its
 * own. The host offers a page what it autosaved before it was reloaded, and not another page's work.
 */
export function pageClientId(): string | null {
  try {
    let id = sessionStorage.getItem(CLIENT_KEY);
    if (!id || !/^[a-zA-Z0-9_-]{1,40}$/.test(id)) {
      id = `p${Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
      sessionStorage.setItem(CLIENT_KEY, id);
    }
    return id;
  } catch {
    return null; // storage disabled: reload recovery is simply not offered
  }
}
export const AUTOSAVE_INTERVAL_MS = 4000;

export interface BackgroundDeps {
  host: HostConnection;
  clientId: string | null;
  store: EditorStore;
  ops: EditorOps;
  commands: EditorCommands;
}

function loadPreferences(ops: EditorOps): void {
  try {
    ops.setSession(restorePreferences(JSON.parse(localStorage.getItem(PREFERENCES_KEY) ?? 'null')));
  } catch {
    /* unreadable preferences are simply not applied */
  }
}

function keepPreferences(store: EditorStore): () => void {
  let timer = 0;
  let last = '';
  const stop = store.subscribe((s) => {
    clearTimeout(timer);
    timer = window.setTimeout(() => {
      const text = JSON.stringify(preferencesOf(s.session));
      if (text === last) return;
      last = text;
      try {
        localStorage.setItem(PREFERENCES_KEY, text);
      } catch {
        /* storage full or disabled: preferences are a convenience */
      }
    }, 500);
  });
  return () => {
    clearTimeout(timer);
    stop();
  };
}

/** Asks the host what to show first; the user may have opened something meanwhile (theirs wins). */
export async function boot(d: BackgroundDeps): Promise<void> {
  loadPreferences(d.ops);
  try {
    const [info, initial] = await Promise.all([d.host.info(), d.host.api.app.initialState(d.clientId ? { clientId: d.clientId } : {})]);
    d.ops.setHost({ appInfo: info, recovery: initial.recovery });
    if (!d.store.getState().history) d.commands.showProject(initial.project);
  } catch (err) {
    d.commands.showError(err);
  }
  d.ops.setHost({ booting: false });
  void d.commands.refreshModels();
}

/** Background duties; returns the function that stops them. */
export function startBackground(d: BackgroundDeps): () => void {
  const stopPrefs = keepPreferences(d.store);
  const timer = window.setInterval(() => void d.commands.autosaveNow(), AUTOSAVE_INTERVAL_MS);
  const beforeUnload = (e: BeforeUnloadEvent) => {
    if (!d.ops.isDirty()) return;
    void d.commands.autosaveNow();
    e.preventDefault();
  };
  window.addEventListener('beforeunload', beforeUnload);
  return () => {
    stopPrefs();
    clearInterval(timer);
    window.removeEventListener('beforeunload', beforeUnload);
  };
}
