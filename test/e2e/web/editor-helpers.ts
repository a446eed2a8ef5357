// Helpers shared by the editor's end-to-end tests: the test hooks (window.__cleanplate), opening the
// sample, and pointer and key input in source-pixel coordinates.
import { expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { appUrl } from './app-url';

export interface Hooks {
  loads(): number;
  doc(): { layers: { id: string; kind: string; name: string; visible: boolean; shapes?: { keys: { frame: number }[] }[]; strokes?: unknown[] }[]; source: { width: number; height: number; frameCount: number }; range: { in: number; out: number } } | null;
  session(): { frame: number; view: { x: number; y: number; zoom: number }; tool: string };
  history(): { undo: number; redo: number; labels: string[] };
  saveState(): { saved: boolean; autosaved: boolean };
  maskPixels(frame?: number, width?: number, height?: number): number;
  maskValueAt(frame: number, x: number, y: number): number;
  overlay(): { frame: number; width: number; height: number; maskedPixels: number };
  drawnOverlayPixels(): number;
  drawnOutlinePixels(): number;
  resultFrames(): number;
}

export type W = { __cleanplate: Hooks };

export async function pathDialog(page: Page, value: string) {
  await page.getByTestId('path-dialog-input').fill(value);
  await page.getByTestId('path-dialog-ok').click();
}

/** The editor's test hooks (window.__cleanplate), one page.evaluate each (the page's CSP forbids eval). */
export function hooks(page: Page) {
  return {
    doc: () => page.evaluate(() => (window as unknown as W).__cleanplate.doc()),
    frame: () => page.evaluate(() => (window as unknown as W).__cleanplate.session().frame),
    history: () => page.evaluate(() => (window as unknown as W).__cleanplate.history()),
    saveState: () => page.evaluate(() => (window as unknown as W).__cleanplate.saveState()),
    maskPixels: (frame: number, width?: number, height?: number) => page.evaluate(([f, w, hh]) => (window as unknown as W).__cleanplate.maskPixels(f, w, hh), [frame, width, height] as const),
    maskValueAt: (frame: number, x: number, y: number) => page.evaluate(([f, xx, yy]) => (window as unknown as W).__cleanplate.maskValueAt(f, xx, yy), [frame, x, y] as const),
    overlay: () => page.evaluate(() => (window as unknown as W).__cleanplate.overlay()),
    drawnOverlayPixels: () => page.evaluate(() => (window as unknown as W).__cleanplate.drawnOverlayPixels()),
    drawnOutlinePixels: () => page.evaluate(() => (window as unknown as W).__cleanplate.drawnOutlinePixels()),
    zoom: () => page.evaluate(() => (window as unknown as W).__cleanplate.session().view.zoom * window.devicePixelRatio),
    resultFrames: () => page.evaluate(() => (window as unknown as W).__cleanplate.resultFrames()),
  };
}

export async function openSample(page: Page) {
  await page.goto(appUrl);
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-ready', 'true');
  // Wait for the sample this test opens, not the project the page started with.
  const loads = await page.evaluate(() => (window as unknown as W).__cleanplate.loads());
  await page.getByTestId('open-sample').click();
  const confirm = page.getByTestId('confirm-ok');
  if (await confirm.isVisible().catch(() => false)) await confirm.click();
  await expect.poll(() => page.evaluate(() => (window as unknown as W).__cleanplate.loads())).toBeGreaterThan(loads);
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-displayed-frame', '0');
  await expect(page.getByTestId('frame-number')).toHaveValue('0');
}

/** Opens a video file through the Open Video dialog, on a fresh page, and waits until it is the project. */
export async function openVideo(page: Page, file: string) {
  await page.goto(appUrl);
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-ready', 'true');
  await page.getByTestId('open-video').click();
  await pathDialog(page, file);
  await expect.poll(async () => ((await hooks(page).doc()) as { source: { path: string } } | null)?.source.path).toBe(file);
}

/** Source pixel -> page position, from the viewer's box and the current view transform. */
export async function toPage(page: Page, x: number, y: number) {
  const box = (await page.getByTestId('viewer').boundingBox())!;
  const view = await page.evaluate(() => (window as unknown as W).__cleanplate.session().view);
  return { x: box.x + view.x + x * view.zoom, y: box.y + view.y + y * view.zoom };
}

export async function clickAt(page: Page, x: number, y: number) {
  const p = await toPage(page, x, y);
  await page.mouse.click(p.x, p.y);
}

export async function drag(page: Page, points: [number, number][], steps = 8) {
  const first = await toPage(page, ...points[0]!);
  await page.mouse.move(first.x, first.y);
  await page.mouse.down();
  for (const pt of points.slice(1)) {
    const p = await toPage(page, ...pt);
    await page.mouse.move(p.x, p.y, { steps });
  }
  await page.mouse.up();
}

/** Keys go to the app, not to a focused field. */
export async function press(page: Page, key: string, times = 1) {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let i = 0; i < times; i++) await page.keyboard.press(key);
}

