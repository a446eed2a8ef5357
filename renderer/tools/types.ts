/**
 * Tools are explicit state machines (tldraw's StateNode habit): each tool file owns its states and
 * transitions; the viewer only forwards pointer and key events in source-pixel coordinates. A gesture
 * is one undo step: tools mark on pointer-down, update from the start state plus the total movement,
 * commit once on release, and Escape always returns to the mark.
 */
import { createStore } from 'zustand/vanilla';
import type { Vertex } from '../../common/project/schema';
import type { EditorOps } from '../state/store';
import type { ToolId } from '../state/session';

export interface ToolPointer {
  /** Source pixels of the displayed frame. */
  x: number;
  y: number;
  /** Viewer pixels (for panning). */
  sx: number;
  sy: number;
  button: number;
  shift: boolean;
  alt: boolean;
  mod: boolean;
}

/** What the interactive layer draws for the tool: transient, never part of the document. */
export interface ToolOverlayState {
  stroke: { points: number[]; radius: number; hardness: number; mode: 'paint' | 'erase' } | null;
  pen: { kind: 'polygon' | 'bezier'; vertices: Vertex[]; cursor: { x: number; y: number } | null; closing: boolean } | null;
  /** Where the brush outline follows the pointer. */
  cursor: { x: number; y: number } | null;
}

export const emptyOverlay: ToolOverlayState = { stroke: null, pen: null, cursor: null };

export function createOverlayStore() {
  return createStore<ToolOverlayState>()(() => emptyOverlay);
}

export type OverlayStore = ReturnType<typeof createOverlayStore>;

export interface ToolEnv {
  ops: EditorOps;
  overlay: OverlayStore;
  /** Screen pixels per source pixel now (picking radii and sample merging are in screen pixels). */
  zoom(): number;
  newId(prefix: string): string;
  /** Runs `cb` once before the next paint (requestAnimationFrame); tests call it by hand. */
  schedule(cb: () => void): void;
  /** One line for the user (e.g. "the layer is locked"). */
  notify(text: string): void;
  /** Pans the view by screen pixels (hand tool). */
  pan(dx: number, dy: number): void;
}

export type ToolKey = 'enter' | 'delete' | 'escape' | 'backspace';

export interface Tool {
  readonly id: ToolId;
  /** Current state name ("idle", "painting", ...), for tests and the cursor. */
  state(): string;
  down(p: ToolPointer): void;
  /** `samples`: coalesced pointer positions since the last event, oldest first (the last is `p`). */
  move(p: ToolPointer, samples?: readonly ToolPointer[]): void;
  up(p: ToolPointer): void;
  /** Pointer left the viewer while idle (hides cursors). */
  leave?(): void;
  /** Returns true when the tool used the key. Escape cancels whatever is in progress. */
  key(key: ToolKey): boolean;
  /** Called when the user switches to another tool: ends the gesture cleanly (cancel). */
  deactivate(): void;
}

/** Screen radius (px) within which a click picks a point or closes a path. */
export const PICK_RADIUS = 7;
