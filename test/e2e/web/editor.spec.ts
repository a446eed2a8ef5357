// The editor end to end, in Chromium through the web host: open the sample, paint, draw a keyed
// polygon and check the in-between frame's mask, undo/redo, save, reload and compare, run the classic
// engine and watch results stream in. Screenshots go to test-results/editor/.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { bmxFrames, bmxMasks, makeClip } from '../../helpers/media';
import { clickAt, drag, hooks, openSample, pathDialog, press, toPage } from './editor-helpers';
import type { W } from './editor-helpers';
import { appUrl } from './app-url';

const shots = path.resolve('test-results/editor');
mkdirSync(shots, { recursive: true });

test('opens the sample with its first frame, keyed roto shape and timeline', async ({ page }) => {
  await openSample(page);
  const h = hooks(page);
  const doc = (await h.doc())!;
  expect(doc.layers).toHaveLength(1);
  await expect(page.getByTestId('layer-list').getByTestId('layer-row')).toHaveCount(1);
  const keys = doc.layers[0]!.shapes![0]!.keys.map((k) => k.frame);
  await expect(page.getByTestId('keyframe-marker')).toHaveCount(keys.length);
  // The overlay is the rasterizer's output at the displayed frame.
  await expect.poll(async () => (await h.overlay()).frame).toBe(0);
  const overlay = await h.overlay();
  expect(overlay.maskedPixels).toBeGreaterThan(1000);
  expect(overlay.maskedPixels).toBe(await h.maskPixels(0, overlay.width, overlay.height));

  // Stepping, shift-stepping, End/Home, I/O.
  await press(page, 'ArrowRight', 3);
  await expect(page.getByTestId('frame-number')).toHaveValue('3');
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-displayed-frame', '3');
  await press(page, 'Shift+ArrowRight');
  await expect(page.getByTestId('frame-number')).toHaveValue('13');
  await press(page, 'i');
  await press(page, 'End');
  await expect(page.getByTestId('frame-number')).toHaveValue(String(doc.source.frameCount - 1));
  await press(page, 'ArrowLeft', 9);
  await press(page, 'o');
  expect((await h.doc())!.range).toEqual({ in: 13, out: doc.source.frameCount - 10 });
  await expect(page.getByTestId('in-point')).toHaveAttribute('data-frame-index', '13');

  // Clicking the ruler jumps to the frame under the pointer; the in point drags.
  const ruler = (await page.locator('.tl-ruler').boundingBox())!;
  const ppf = Number(await page.getByTestId('timeline').getAttribute('data-px-per-frame'));
  await page.mouse.click(ruler.x + 42.5 * ppf, ruler.y + 12);
  await expect(page.getByTestId('frame-number')).toHaveValue('42');
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-displayed-frame', '42');
  const inBox = (await page.getByTestId('in-point').boundingBox())!;
  await page.mouse.move(inBox.x + 3, inBox.y + 10);
  await page.mouse.down();
  await page.mouse.move(inBox.x + 3 + 7 * ppf, inBox.y + 10, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId('in-point')).toHaveAttribute('data-frame-index', '20');
  await press(page, 'Home');
  await expect(page.getByTestId('frame-number')).toHaveValue('0');

  // Space plays and pauses; L shuttles forward.
  await press(page, ' ');
  await expect.poll(() => h.frame()).toBeGreaterThan(5);
  await press(page, ' ');
  const stopped = await h.frame();
  await page.waitForTimeout(300);
  expect(await h.frame()).toBe(stopped);
  await press(page, 'Home');

  // Models: the licence is shown before any download; cancelling downloads nothing.
  await page.getByTestId('download-models').click();
  await expect(page.getByTestId('license-dialog')).toContainText('non-commercial');
  await expect(page.getByTestId('license-files')).toContainText('raft-things.pth, about 20 MB; recurrent_flow_completion.pth, about 19 MB; ProPainter.pth, about 150 MB');
  await page.getByTestId('license-dialog').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('license-dialog')).toBeHidden();
  await page.getByTestId('import-models').click();
  await pathDialog(page, '/nonexistent/models');
  await expect(page.getByTestId('error-message')).toBeVisible();

  await press(page, '?');
  await expect(page.getByTestId('help-overlay')).toBeVisible();
  await page.screenshot({ path: path.join(shots, 'help.png') });
  await press(page, 'Escape');
  await expect(page.getByTestId('help-overlay')).toBeHidden();
  await page.screenshot({ path: path.join(shots, 'sample-opened.png') });
});

test('paints a brush stroke as one undo step; undo and redo by button and keyboard', async ({ page }) => {
  await openSample(page);
  const h = hooks(page);
  await page.getByTestId('add-brush-layer').click();
  await page.getByTestId('tool-brush').click();
  await page.getByTestId('brush-size').fill('30');
  await page.getByTestId('brush-size').press('Enter');
  const before = await h.maskPixels(0, 640, 360);
  const frame1Before = await h.maskPixels(1, 640, 360);
  const undoBefore = (await h.history()).undo;
  await drag(page, [
    [300, 60],
    [420, 80],
    [520, 60],
  ]);
  const after = await h.maskPixels(0, 640, 360);
  expect(after - before).toBeGreaterThan(200 * 30 * 0.8);
  expect((await h.history()).undo).toBe(undoBefore + 1);
  expect((await h.history()).labels.at(-1)).toBe('Paint stroke');
  await expect.poll(async () => (await h.overlay()).maskedPixels).toBe(await h.maskPixels(0, (await h.overlay()).width, (await h.overlay()).height));
  await page.screenshot({ path: path.join(shots, 'brush-stroke.png') });

  await page.getByTestId('undo').click();
  expect(await h.maskPixels(0, 640, 360)).toBe(before);
  await page.getByTestId('redo').click();
  expect(await h.maskPixels(0, 640, 360)).toBe(after);
  await press(page, 'Control+z');
  expect(await h.maskPixels(0, 640, 360)).toBe(before);
  await press(page, 'Control+Shift+Z');
  expect(await h.maskPixels(0, 640, 360)).toBe(after);
  // The stroke belongs to its frame only.
  expect(await h.maskPixels(1, 640, 360)).toBe(frame1Before);
});

test('a polygon keyed on two frames interpolates in between; save, reload and the masks are the same', async ({ page }) => {
  await openSample(page);
  const h = hooks(page);
  // Hide the sample's own shape so the counts below are this test's polygon alone.
  await page.getByTestId('layer-visible').first().click();
  expect(await h.maskPixels(20, 640, 360)).toBe(0);
  await expect.poll(() => h.drawnOverlayPixels()).toBe(0); // what is on screen follows the document

  await page.getByTestId('add-shape-layer').click();
  await page.getByTestId('tool-polygon').click();
  await press(page, 'ArrowRight', 10);
  await expect(page.getByTestId('frame-number')).toHaveValue('10');
  for (const [x, y] of [
    [100, 100],
    [180, 100],
    [180, 180],
    [100, 180],
  ] as const)
    await clickAt(page, x, y);
  await clickAt(page, 101, 101); // the first point: closes the path
  const layerId = (await h.doc())!.layers.at(-1)!.id;
  await expect(page.locator(`[data-testid="keyframe-marker"][data-layer-id="${layerId}"]`)).toHaveCount(1);
  expect(await h.maskPixels(10, 640, 360)).toBe(80 * 80);

  // At frame 30 (no key there) move the whole shape: auto-key.
  await press(page, 'Shift+ArrowRight', 2);
  await expect(page.getByTestId('frame-number')).toHaveValue('30');
  await page.getByTestId('tool-select').click();
  await drag(page, [
    [140, 140],
    [220, 180],
  ]);
  await expect(page.locator(`[data-testid="keyframe-marker"][data-layer-id="${layerId}"]`)).toHaveCount(2);
  expect(await h.maskPixels(30, 640, 360)).toBe(80 * 80);
  expect(await h.maskValueAt(30, 250, 210)).toBe(255);

  // Frame 20, halfway: the square has moved by (40, 20), exactly.
  await press(page, 'Shift+ArrowLeft');
  await expect(page.getByTestId('frame-number')).toHaveValue('20');
  expect(await h.maskPixels(20, 640, 360)).toBe(80 * 80);
  expect(await h.maskValueAt(20, 140, 120)).toBe(255);
  expect(await h.maskValueAt(20, 139.5, 119.5)).toBe(0);
  expect(await h.maskValueAt(20, 219.5, 199.5)).toBe(255);
  expect(await h.maskValueAt(20, 220.5, 200.5)).toBe(0);
  await expect.poll(async () => (await h.overlay()).frame).toBe(20);
  const scale = (await h.zoom()) ** 2;
  await expect.poll(async () => (await h.drawnOverlayPixels()) / (80 * 80 * scale)).toBeGreaterThan(0.9);
  expect((await h.drawnOverlayPixels()) / (80 * 80 * scale)).toBeLessThan(1.1);
  await page.screenshot({ path: path.join(shots, 'keyed-polygon-frame20.png') });

  // Undo the move: the polygon is keyed on frame 10 only again, so it masks frame 10 and nothing else.
  await press(page, 'Control+z');
  expect(await h.maskValueAt(10, 105, 105)).toBe(255);
  expect(await h.maskPixels(20, 640, 360)).toBe(0);
  await press(page, 'Control+Shift+Z');
  expect(await h.maskValueAt(20, 105, 105)).toBe(0);

  // Save through the in-page path dialog (the web host has no native dialogs).
  const file = path.resolve('test-results/editor/keyed.cleanplate');
  rmSync(file, { force: true });
  await press(page, 'Control+s');
  await page.getByTestId('path-dialog-input').fill(file);
  await page.getByTestId('path-dialog-ok').click();
  await expect(page.getByTestId('status-bar')).toContainText('keyed.cleanplate');
  await expect(page.getByTestId('status-bar')).not.toContainText('•');
  const frames = [0, 10, 15, 20, 25, 30, 60];
  const saved = { doc: await h.doc(), masks: await Promise.all(frames.map((f) => h.maskPixels(f, 640, 360))) };

  await page.reload();
  await expect(page.getByTestId('app-root')).toBeVisible();
  await press(page, 'Control+o');
  await page.getByTestId('path-dialog-input').fill(file);
  await page.getByTestId('path-dialog-ok').click();
  await expect(page.getByTestId('status-bar')).toContainText('keyed.cleanplate');
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-displayed-frame', '0');
  const reloaded = { doc: await h.doc(), masks: await Promise.all(frames.map((f) => h.maskPixels(f, 640, 360))) };
  expect(reloaded.doc!.layers).toEqual(saved.doc!.layers);
  expect(reloaded.masks).toEqual(saved.masks);
  expect(reloaded.masks[2]).toBe(80 * 80);
});

test('runs the classic engine and shows results as they stream in', async ({ page }) => {
  test.setTimeout(180_000);
  await openSample(page);
  const h = hooks(page);
  await page.getByTestId('run-inpaint').click();
  await expect(page.getByTestId('job-progress')).toBeVisible();
  await expect(page.getByTestId('cancel-job')).toBeEnabled();
  // Results arrive while the job is still running.
  const seen: number[] = [];
  await expect
    .poll(
      async () => {
        seen.push(await h.resultFrames());
        return (await page.getByTestId('job-progress').getAttribute('data-state')) === 'done';
      },
      { timeout: 150_000, intervals: [250] },
    )
    .toBe(true);
  const distinct = new Set(seen.filter((n) => n > 0 && n < 100));
  expect(distinct.size).toBeGreaterThan(1);
  expect(await h.resultFrames()).toBe(100);
  await expect(page.getByTestId('job-overlay')).toHaveAttribute('data-finished', '100');

  // The viewer shows the result for the current frame; the split shows before | after.
  await page.getByTestId('frame-number').click();
  await page.keyboard.type('50');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-result-frame', '50');
  await page.screenshot({ path: path.join(shots, 'result-frame50.png') });
  await page.getByTestId('split-view').click();
  await page.screenshot({ path: path.join(shots, 'split-frame50.png') });

  // Export the result at the source's quality.
  const out = path.resolve('test-results/editor/sample-clean.mp4');
  rmSync(out, { force: true });
  await page.getByTestId('export-video').click();
  await pathDialog(page, out);
  await expect(page.getByTestId('export-progress')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  expect(readFileSync(out).length).toBeGreaterThan(10_000);
});

test('a video dropped onto the window opens as a new project', async ({ page }) => {
  const clip = makeClip('e2e-drop', { width: 320, height: 180, frames: 30 });
  await openSample(page);
  const bytes = readFileSync(clip).toString('base64');
  await page.evaluate(
    ({ b64, name }) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([data], name, { type: 'video/mp4' }));
      const root = document.querySelector('[data-testid="app-root"]')!;
      root.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      root.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { b64: bytes, name: path.basename(clip) },
  );
  const h = hooks(page);
  await expect.poll(async () => (await h.doc())?.source.frameCount).toBe(30);
  expect((await h.doc())!.source.width).toBe(320);
  expect((await h.doc())!.layers).toEqual([]);
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-displayed-frame', '0');
  await expect(page.locator('.tl-thumbs img').first()).toBeVisible();
  await page.screenshot({ path: path.join(shots, 'dropped-video.png') });
});

test('propagates a shape along the motion with a key every N frames, as one undo step', async ({ page }) => {
  test.setTimeout(120_000);
  await openSample(page);
  const h = hooks(page);
  // A square around the ball on frame 0, followed to frame 20 with a key every 10 frames.
  await page.getByTestId('layer-visible').first().click();
  await page.getByTestId('add-shape-layer').click();
  await page.getByTestId('tool-polygon').click();
  for (const [x, y] of [
    [56, 228],
    [124, 228],
    [124, 296],
    [56, 296],
    [57, 229],
  ] as const)
    await clickAt(page, x, y);
  const layerId = (await h.doc())!.layers.at(-1)!.id;
  await press(page, 'ArrowRight', 20);
  await press(page, 'o');
  await press(page, 'Home');
  const keyEvery = page.locator('[data-testid="layer-properties"] input[type="number"]').last();
  await keyEvery.fill('10');
  await keyEvery.press('Enter');
  const undoBefore = (await h.history()).undo;
  await page.getByRole('button', { name: 'Forward ▶' }).click();
  await expect(page.getByTestId('propagate-progress')).toContainText('done', { timeout: 90_000 });
  const keys = (await h.doc())!.layers.find((l) => l.id === layerId)!.shapes![0]!.keys.map((k) => k.frame);
  expect(keys).toEqual([0, 10, 20]);
  expect((await h.history()).undo).toBe(undoBefore + 1);
  // The keys follow the image motion: the square has moved (the engine's accuracy is tested there).
  const shape = (await h.doc())!.layers.find((l) => l.id === layerId)!.shapes![0]! as unknown as { keys: { vertices: { x: number; y: number }[] }[] };
  const moved = Math.hypot(shape.keys[2]!.vertices[0]!.x - 56, shape.keys[2]!.vertices[0]!.y - 228);
  expect(moved).toBeGreaterThan(5);
  await page.screenshot({ path: path.join(shots, 'propagated.png') });
  await press(page, 'Control+z');
  expect((await h.doc())!.layers.find((l) => l.id === layerId)!.shapes![0]!.keys.map((k) => k.frame)).toEqual([0]);
});

test('imports a PNG mask sequence as a bitmap layer and exports the combined mask sequence', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(appUrl);
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-ready', 'true');
  const h = hooks(page);
  await page.getByTestId('open-video').click();
  await pathDialog(page, bmxFrames);
  await expect.poll(async () => (await h.doc())?.source.frameCount).toBe(80);
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-displayed-frame', '0');
  await press(page, 'Control+Shift+I');
  await pathDialog(page, bmxMasks);
  await expect(page.getByTestId('layer-row')).toHaveCount(1);
  expect((await h.doc())!.layers[0]!.kind).toBe('bitmap');
  // The imported frame reaches the overlay once its PNG is loaded; then overlay and rasterizer agree.
  await expect.poll(() => h.maskPixels(0, 432, 240)).toBeGreaterThan(500);
  await expect.poll(async () => (await h.overlay()).maskedPixels).toBeGreaterThan(500);
  const overlay = await h.overlay();
  expect(overlay.maskedPixels).toBe(await h.maskPixels(0, overlay.width, overlay.height));
  await page.screenshot({ path: path.join(shots, 'imported-masks.png') });

  const out = path.resolve('test-results/editor/exported-masks');
  rmSync(out, { recursive: true, force: true });
  await page.getByRole('button', { name: 'Export masks…' }).click();
  await pathDialog(page, out);
  await expect(page.getByTestId('info-message').filter({ hasText: 'Wrote 80 mask frames' })).toBeVisible({ timeout: 60_000 });
  expect(readdirSync(out).filter((f) => f.endsWith('.png'))).toHaveLength(80);
});

test('edits a roto shape: drag a point (auto-key), scale with the transformer, each one undo step', async ({ page }) => {
  await openSample(page);
  const h = hooks(page);
  const xs = async (frame: number) => {
    const shape = (await h.doc())!.layers[0]!.shapes![0]! as unknown as { keys: { frame: number; vertices: { x: number; y: number }[] }[] };
    return shape.keys.find((k) => k.frame === frame)?.vertices.map((v) => Math.round(v.x)) ?? null;
  };
  await press(page, 'ArrowRight', 5); // between the keys at 0 and 33: editing here adds a key
  await page.getByTestId('tool-select').click();
  const centre = { x: 90 + 4.4 * 5, y: 262 - 0.9 * 5 };
  await clickAt(page, centre.x, centre.y);
  const right = centre.x + 34;
  await drag(page, [
    [right, centre.y],
    [right + 20, centre.y],
  ]);
  expect((await xs(5))![1]).toBe(Math.round(right + 20));
  await expect(page.locator('[data-testid="keyframe-marker"]')).toHaveCount(5);
  const undo = (await h.history()).undo;

  // Select the body, then drag the transformer's right-middle anchor (14 screen px outside the box).
  await clickAt(page, centre.x, centre.y);
  const view = await page.evaluate(() => (window as unknown as W).__cleanplate.session().view);
  const anchor = await toPage(page, right + 20, centre.y);
  await page.mouse.move(anchor.x + 14, anchor.y);
  await page.mouse.down();
  await page.mouse.move(anchor.x + 14 + 30 * view.zoom, anchor.y, { steps: 6 });
  await page.mouse.up();
  const after = (await xs(5))!;
  expect(after[1]).toBeGreaterThan(Math.round(right + 20 + 20));
  expect(after[3]).toBe(Math.round(centre.x - 34)); // the left edge stays where it was
  expect((await h.history()).undo).toBe(undo + 1);
  expect((await h.history()).labels.at(-1)).toBe('Transform shape');
  await page.screenshot({ path: path.join(shots, 'transformed.png') });
  await press(page, 'Control+z');
  expect((await xs(5))![1]).toBe(Math.round(right + 20));

  // Drag the new key's marker from frame 5 to frame 8 on the timeline: one retime step.
  const marker = page.locator('[data-testid="keyframe-marker"][data-frame="5"]');
  const box = (await marker.boundingBox())!;
  const ppf = Number(await page.getByTestId('timeline').getAttribute('data-px-per-frame'));
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 3 * ppf, box.y + box.height / 2, { steps: 6 });
  await page.mouse.up();
  expect(await xs(5)).toBeNull();
  expect((await xs(8))![1]).toBe(Math.round(right + 20));
  await expect(page.getByTestId('frame-number')).toHaveValue('8');
  expect((await h.history()).labels.at(-1)).toBe('Retime key');
});
