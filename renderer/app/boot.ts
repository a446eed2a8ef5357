/**
 * Start-up and the app's background duties: the first project (shown before any thumbnail exists),
 * recovery offers, models status, preferences, autosave every few seconds while there are unsaved
 * edits, and a warning before closing the page with unsaved work.
 */
import { api, hostInfo } from '../bridge';
import { preferencesOf, restorePreferences } from '../state/session';
import { editorStore, ops } from '../state/store';
import { autosaveNow, refreshModels, showError, showProject } from './host';

const PREFERENCES_KEY = 'cleanplate.preferences.v1';
export const AUTOSAVE_INTERVAL_MS = 4000;

function loadPreferences(): void {
  try {
    const stored = JSON.parse(localStorage.getItem(PREFERENCES_KEY) ?? 'null');
    ops.setSession(restorePreferences(stored));
  } catch {
    /* unreadable preferences are simply not applied */
  }
}

function keepPreferences(): () => void {
  let timer = 0;
  let last = '';
  return editorStore.subscribe((s) => {
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
}

export async function boot(): Promise<void> {
  loadPreferences();
  try {
    const [info, initial] = await Promise.all([hostInfo(), api.app.initialState()]);
    ops.setHost({ appInfo: info, recovery: initial.recovery });
    // The user may have opened something while this was loading: theirs wins.
    if (!editorStore.getState().history) showProject(initial.project);
  } catch (err) {
    showError(err);
  }
  ops.setHost({ booting: false });
  void refreshModels();
}

/** Background duties; returns the function that stops them. */
export function startBackground(): () => void {
  const stopPrefs = keepPreferences();
  const timer = window.setInterval(() => void autosaveNow(), AUTOSAVE_INTERVAL_MS);
  const beforeUnload = (e: BeforeUnloadEvent) => {
    if (!ops.isDirty()) return;
    void autosaveNow();
    e.preventDefault();
  };
  window.addEventListener('beforeunload', beforeUnload);
  return () => {
    stopPrefs();
    clearInterval(timer);
    window.removeEventListener('beforeunload', beforeUnload);
  };
}
