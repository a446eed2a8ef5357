/**
 * The viewer's transform between screen pixels (relative to the viewer element) and source pixels of
 * the displayed frame, which is where all mask geometry lives. Pure functions; the view itself is
 * session state.
 */
import type { ViewTransform } from '../state/session';

export const MIN_ZOOM = 0.05;
export const MAX_ZOOM = 32;
const FIT_MARGIN = 24;

export interface Size {
  width: number;
  height: number;
}

/**
 * Integer zoom levels get integer offsets, so at 100 % every source pixel lands on exactly one screen
 * pixel (no resampling blur) — "pixel-accurate".
 */
function snap(view: ViewTransform): ViewTransform {
  if (Number.isInteger(view.zoom)) return { ...view, x: Math.round(view.x), y: Math.round(view.y) };
  return view;
}

export function fitView(viewer: Size, source: Size): ViewTransform {
  const zoom = Math.max(MIN_ZOOM, Math.min((viewer.width - 2 * FIT_MARGIN) / source.width, (viewer.height - 2 * FIT_MARGIN) / source.height));
  return snap({ zoom, x: (viewer.width - source.width * zoom) / 2, y: (viewer.height - source.height * zoom) / 2, fit: true });
}

/** Zooms so that the source point under (sx, sy) stays under it. */
export function zoomAt(view: ViewTransform, zoom: number, sx: number, sy: number): ViewTransform {
  const z = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
  const wx = (sx - view.x) / view.zoom;
  const wy = (sy - view.y) / view.zoom;
  return snap({ zoom: z, x: sx - wx * z, y: sy - wy * z, fit: false });
}

export function panBy(view: ViewTransform, dx: number, dy: number): ViewTransform {
  return snap({ ...view, x: view.x + dx, y: view.y + dy, fit: false });
}

export function screenToSource(view: ViewTransform, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - view.x) / view.zoom, y: (sy - view.y) / view.zoom };
}

export function sourceToScreen(view: ViewTransform, x: number, y: number): { x: number; y: number } {
  return { x: view.x + x * view.zoom, y: view.y + y * view.zoom };
}

/** Wheel zoom: one notch (deltaY ±100 in Chromium) zooms by about 12 %; trackpads give finer steps. */
export function wheelZoomFactor(deltaY: number, deltaMode: number): number {
  const pixels = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(-pixels * 0.00115);
}
