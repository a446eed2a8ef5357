/**
 * Undo history of the project document as immer patches. Every edit is a recipe on a draft of the
 * document; one recorded entry per user action (a whole stroke or drag is one entry). Pure functions
 * over an immutable `DocHistory` value so the store and the tests share exactly this logic.
 */
import { applyPatches, enablePatches, produce, produceWithPatches } from 'immer';
import type { Draft, Patch } from 'immer';
import type { ProjectDoc } from '../../common/project/schema';

enablePatches();

export type DocRecipe = (draft: Draft<ProjectDoc>) => void;

export interface HistoryEntry {
  /** Unique per recorded edit; the top entry's id identifies the document's state for dirty tracking. */
  id: number;
  label: string;
  patches: Patch[];
  inverse: Patch[];
  /** Edits recorded with the same merge key back to back form one entry (e.g. all keys of one propagation). */
  mergeKey?: string;
}

/** A gesture in progress: the document it started from and the latest recipe applied to it. */
export interface Gesture {
  base: ProjectDoc;
  label: string;
  recipe: DocRecipe | null;
}

export interface DocHistory {
  doc: ProjectDoc;
  past: HistoryEntry[];
  future: HistoryEntry[];
  gesture: Gesture | null;
}

/** Far beyond the 200 steps users are promised; patches are small, so memory stays modest. */
export const HISTORY_LIMIT = 500;

let nextEntryId = 1;

export function emptyHistory(doc: ProjectDoc): DocHistory {
  return { doc, past: [], future: [], gesture: null };
}

/** Identifies the document's position in its history (0 = as loaded). */
export function historyToken(h: Pick<DocHistory, 'past'>): number {
  return h.past.length ? h.past[h.past.length - 1]!.id : 0;
}

/**
 * Applies and records one edit. An edit that changes nothing records nothing. With `mergeKey`, an edit
 * that follows one with the same key joins its entry, so one undo removes them all.
 */
export function record(h: DocHistory, label: string, recipe: DocRecipe, mergeKey?: string): DocHistory {
  if (h.gesture) throw new Error(`cannot record "${label}" while "${h.gesture.label}" is in progress`);
  const [doc, patches, inverse] = produceWithPatches(h.doc, recipe);
  if (patches.length === 0) return h;
  const top = h.past[h.past.length - 1];
  if (mergeKey && top?.mergeKey === mergeKey && h.future.length === 0) {
    const merged = { ...top, patches: [...top.patches, ...patches], inverse: [...inverse, ...top.inverse] };
    return { doc, past: [...h.past.slice(0, -1), merged], future: [], gesture: null };
  }
  const past = [...h.past, { id: nextEntryId++, label, patches, inverse, mergeKey }];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return { doc, past, future: [], gesture: null };
}

export function beginGesture(h: DocHistory, label: string): DocHistory {
  if (h.gesture) return h;
  return { ...h, gesture: { base: h.doc, label, recipe: null } };
}

/** Shows the gesture's current state: the recipe is applied to the document as it was at the start. */
export function updateGesture(h: DocHistory, recipe: DocRecipe): DocHistory {
  if (!h.gesture) return h;
  return { ...h, doc: produce(h.gesture.base, recipe), gesture: { ...h.gesture, recipe } };
}

/** Records the whole gesture as one entry (or nothing, when it changed nothing). */
export function commitGesture(h: DocHistory, recipe?: DocRecipe): DocHistory {
  if (!h.gesture) return h;
  const final = recipe ?? h.gesture.recipe;
  const restored: DocHistory = { ...h, doc: h.gesture.base, gesture: null };
  return final ? record(restored, h.gesture.label, final) : restored;
}

export function cancelGesture(h: DocHistory): DocHistory {
  if (!h.gesture) return h;
  return { ...h, doc: h.gesture.base, gesture: null };
}

/** Undo is refused mid-gesture (the gesture owns the document until it ends). */
export function undo(h: DocHistory): DocHistory {
  const entry = h.past[h.past.length - 1];
  if (!entry || h.gesture) return h;
  return { doc: applyPatches(h.doc, entry.inverse), past: h.past.slice(0, -1), future: [...h.future, entry], gesture: null };
}

export function redo(h: DocHistory): DocHistory {
  const entry = h.future[h.future.length - 1];
  if (!entry || h.gesture) return h;
  return { doc: applyPatches(h.doc, entry.patches), past: [...h.past, entry], future: h.future.slice(0, -1), gesture: null };
}
