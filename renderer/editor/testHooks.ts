/**
 * A read-only window into the editor for end-to-end tests and benchmarks (`window.__cleanplate`):
 * the document, the session, and mask pixel counts from the one rasterizer, so a test can check
 * what would be removed at any frame without reading canvas pixels.
 */
import { rasterizeMask } from '../../common/mask/rasterize';
import type { MediaSession } from '../media/session';
import type { EditorOps, EditorStore } from '../state/store';

/** What the canvas last drew, written by the viewer's layers (for tests and the status bar). */
export interface Inspection {
  /** How many projects have been shown since the page loaded. */
  projectLoads: number;
  /** The overlay's last drawing: its frame, raster size and masked pixel count. */
  overlay: { frame: number; width: number; height: number; maskedPixels: number };
  /** The overlay layer's canvas as drawn on screen, or null while there is none. */
  overlayCanvas: (() => HTMLCanvasElement | null) | null;
  /** The interactive layer's canvas (outlines, handles, what a tool is drawing). */
  interactiveCanvas: (() => HTMLCanvasElement | null) | null;
}

export function createInspection(): Inspection {
  return { projectLoads: 0, overlay: { frame: -1, width: 0, height: 0, maskedPixels: 0 }, overlayCanvas: null, interactiveCanvas: null };
}

export interface TestHooks {
  /** How many projects have been shown since the page loaded. */
  loads(): number;
  doc(): unknown;
  session(): unknown;
  history(): { undo: number; redo: number; labels: string[] };
  /** Whether the document as it stands is saved, and whether the autosave holds it. */
  saveState(): { saved: boolean; autosaved: boolean };
  /** Pixels > 0 of rasterizeMask at `frame` (default: the current one), at `width` x `height` (default: the proxy size). */
  maskPixels(frame?: number, width?: number, height?: number): number;
  /** The combined mask's value (0..255) at source pixel (x, y) of `frame`, rasterized at the source size. */
  maskValueAt(frame: number, x: number, y: number): number;
  /** What the overlay drew last: its frame and masked pixel count. */
  overlay(): Inspection['overlay'];
  /** Non-transparent pixels of the overlay layer's canvas as drawn on screen (scaled by the zoom²). */
  drawnOverlayPixels(): number;
  /** Non-transparent pixels of the interactive layer: outlines, handles, the transformer. */
  drawnOutlinePixels(): number;
  /** How much of the clip the host's proxy frame cache holds (media.frameCache events). */
  frameCache(): { cached: number; total: number } | null;
  /** Frames of the current job with a result. */
  resultFrames(): number;
  /** Whether the source frame is decoded and ready to draw. */
  frameReady(index: number): boolean;
}

function opaquePixels(canvas: HTMLCanvasElement | null): number {
  if (!canvas) return 0;
  const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
  return n;
}

export function createTestHooks(d: { store: EditorStore; ops: EditorOps; media: MediaSession; inspect: Inspection }): TestHooks {
  const { store, ops, media, inspect } = d;
  return {
    loads: () => inspect.projectLoads,
    doc: () => ops.doc(),
    session: () => ops.session(),
    history: () => {
      const h = store.getState().history;
      return { undo: h?.past.length ?? 0, redo: h?.future.length ?? 0, labels: h?.past.map((e) => e.label) ?? [] };
    },
    saveState() {
      const s = store.getState();
      const token = ops.token();
      return { saved: token === s.savedToken, autosaved: token === s.autosavedToken };
    },
    maskPixels(frame, width, height) {
      const doc = ops.doc();
      const info = store.getState().media;
      if (!doc) return 0;
      const w = width ?? info?.proxy.width ?? doc.source.width;
      const h = height ?? info?.proxy.height ?? doc.source.height;
      const mask = rasterizeMask(doc, frame ?? ops.session().frame, { width: w, height: h, bitmaps: (l, f) => media.bitmaps.frame(l, f) });
      let n = 0;
      for (let i = 0; i < mask.length; i++) if (mask[i]! > 0) n++;
      return n;
    },
    maskValueAt(frame, x, y) {
      const doc = ops.doc();
      if (!doc) return 0;
      const { width, height } = doc.source;
      const mask = rasterizeMask(doc, frame, { width, height, bitmaps: (l, f) => media.bitmaps.frame(l, f) });
      return mask[Math.floor(y) * width + Math.floor(x)] ?? 0;
    },
    overlay: () => ({ ...inspect.overlay }),
    drawnOverlayPixels: () => opaquePixels(inspect.overlayCanvas?.() ?? null),
    drawnOutlinePixels: () => opaquePixels(inspect.interactiveCanvas?.() ?? null),
    frameCache: () => store.getState().frameCache,
    resultFrames: () => media.results.count,
    frameReady: (index) => !!media.frames?.image(index),
  };
}
