/**
 * Session state: everything about how the user is looking at and working on the document that is
 * not the document itself. It is never undone and never saved into the project; the table at the
 * bottom says, per field, whether it survives a restart as a preference or is dropped.
 */
import type { Hold, Vertex } from '../../common/project/schema';

export type ToolId = 'select' | 'brush' | 'eraser' | 'polygon' | 'bezier' | 'hand';

/** Brush hold as the toolbar offers it: this frame only, N frames, or to the out point. */
export type BrushHold = { kind: 'frame' } | { kind: 'frames'; count: number } | { kind: 'out' };

export function holdOf(h: BrushHold): Hold {
  return h.kind === 'frame' ? 1 : h.kind === 'out' ? 'out' : Math.max(1, Math.round(h.count));
}

export interface ViewTransform {
  /** Screen pixels per source pixel. */
  zoom: number;
  /** Screen position of the source's top-left corner, relative to the viewer's top-left. */
  x: number;
  y: number;
  /** True while the view follows the viewer's size (fit); any manual zoom or pan clears it. */
  fit: boolean;
}

export interface Selection {
  shapeId: string | null;
  /** Selected vertex of the selected shape. */
  vertex: number | null;
}

export interface SessionState {
  tool: ToolId;
  activeLayerId: string | null;
  selection: Selection;
  frame: number;
  /** Playback rate in frames per frame-duration: 0 = stopped, 1 = play, -2 = shuttle back twice as fast. */
  rate: number;
  view: ViewTransform;
  overlayVisible: boolean;
  overlayOpacity: number;
  showResult: boolean;
  split: boolean;
  /** Before/after divider position as a fraction of the frame width. */
  splitPosition: number;
  /** Brush radius in source pixels. */
  brushRadius: number;
  brushHardness: number;
  brushHold: BrushHold;
  /** Timeline zoom: screen pixels per frame (0 = fit the whole clip). */
  timelinePxPerFrame: number;
  propagateKeyEvery: number;
  helpOpen: boolean;
  /** A shape as copied at one frame (Ctrl+C), for pasting as a key elsewhere (Ctrl+V). */
  keyClipboard: Vertex[] | null;
}

export const defaultSession: SessionState = {
  tool: 'select',
  activeLayerId: null,
  selection: { shapeId: null, vertex: null },
  frame: 0,
  rate: 0,
  view: { zoom: 1, x: 0, y: 0, fit: true },
  overlayVisible: true,
  overlayOpacity: 0.5,
  showResult: false,
  split: false,
  splitPosition: 0.5,
  brushRadius: 12,
  brushHardness: 1,
  brushHold: { kind: 'frame' },
  timelinePxPerFrame: 0,
  propagateKeyEvery: 5,
  helpOpen: false,
  keyClipboard: null,
};

/** Whether a session field is remembered across restarts (as a preference) or dropped with the window. */
export const sessionPersistence: Record<keyof SessionState, 'preference' | 'dropped'> = {
  tool: 'preference',
  activeLayerId: 'dropped',
  selection: 'dropped',
  frame: 'dropped',
  rate: 'dropped',
  view: 'dropped',
  overlayVisible: 'preference',
  overlayOpacity: 'preference',
  showResult: 'dropped',
  split: 'dropped',
  splitPosition: 'preference',
  brushRadius: 'preference',
  brushHardness: 'preference',
  brushHold: 'preference',
  timelinePxPerFrame: 'dropped',
  propagateKeyEvery: 'preference',
  helpOpen: 'dropped',
  keyClipboard: 'dropped',
};

export function preferencesOf(s: SessionState): Partial<SessionState> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(sessionPersistence)) if (p === 'preference') out[k] = s[k as keyof SessionState];
  return out as Partial<SessionState>;
}

/** Keeps only known preference fields of the right type from stored JSON (it may come from an older version). */
export function restorePreferences(stored: unknown): Partial<SessionState> {
  if (!stored || typeof stored !== 'object') return {};
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(sessionPersistence)) {
    const v = (stored as Record<string, unknown>)[k];
    const def = defaultSession[k as keyof SessionState];
    if (p === 'preference' && v !== undefined && typeof v === typeof def) out[k] = v;
  }
  return out as Partial<SessionState>;
}
