// What a newcomer hit (issue 11), each fixed and checked in Chromium through the web host.
// Screenshots go to test-results/newcomer/.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { makeClip } from '../../helpers/media';
import { clickAt, drag, hooks, openSample, openVideo, pathDialog, press } from './editor-helpers';

const shots = path.resolve('test-results/newcomer');
mkdirSync(shots, { recursive: true });

async function goToFrame(page: Page, frame: number) {
  const field = page.getByTestId('frame-number');
  await field.click();
  await page.keyboard.type(String(frame));
  await page.keyboard.press('Enter');
  await expect(field).toHaveValue(String(frame));
}

async function pxPerFrame(page: Page): Promise<number> {
  return Number(await page.getByTestId('timeline').getAttribute('data-px-per-frame'));
}

test('a roto shape masks only the frames it was keyed on, shown and dragged as a bar on its timeline row', async ({ page }) => {
  await openSample(page);
  const h = hooks(page);
  await page.getByTestId('layer-visible').first().click(); // the sample's ball is not part of this
  await page.getByTestId('add-shape-layer').click();
  await page.getByTestId('tool-polygon').click();
  await goToFrame(page, 36);
  for (const [x, y] of [
    [100, 100],
    [180, 100],
    [180, 180],
    [100, 180],
  ] as const)
    await clickAt(page, x, y);
  await clickAt(page, 101, 101);
  // Keyed again at frame 68 by moving it there (it is still selected, so it shows as a ghost).
  await goToFrame(page, 68);
  await page.getByTestId('tool-select').click();
  await drag(page, [
    [140, 140],
    [200, 140],
  ]);
  const layerId = (await h.doc())!.layers.at(-1)!.id;
  expect((await h.doc())!.layers.at(-1)!.shapes![0]!.keys.map((k) => k.frame)).toEqual([36, 68]);

  // Frames 36..68 are masked; before and after them nothing is (the whole clip was, before).
  const masked = async (frames: number[]) => Promise.all(frames.map((f) => h.maskPixels(f, 640, 360)));
  expect(await masked([0, 35, 36, 50, 68, 69, 99])).toEqual([0, 0, 6400, 6400, 6400, 0, 0]);
  const bar = page.locator(`[data-testid="layer-range"][data-layer-id="${layerId}"]`);
  await expect(bar).toHaveAttribute('data-in', '36');
  await expect(bar).toHaveAttribute('data-out', '68');
  await expect(page.getByTestId('layer-frames')).toHaveText('36–68');

  // At frame 80 nothing is drawn over the picture: no mask, no outline of an unselected shape.
  await page.mouse.click(5, 300); // empty viewer area: deselects
  await goToFrame(page, 80);
  await expect.poll(() => h.drawnOverlayPixels()).toBe(0);
  await page.screenshot({ path: path.join(shots, 'range-frame80-before.png') });

  // Drag the bar's out end from 68 to 80: one undo step, and frame 75 is masked now.
  const ppf = await pxPerFrame(page);
  const end = (await bar.getByTestId('layer-range-out').boundingBox())!;
  await page.mouse.move(end.x + end.width / 2, end.y + end.height / 2);
  await page.mouse.down();
  await page.mouse.move(end.x + end.width / 2 + 12 * ppf, end.y + end.height / 2, { steps: 6 });
  await page.mouse.up();
  await expect(bar).toHaveAttribute('data-out', '80');
  expect((await h.history()).labels.at(-1)).toBe('Layer frames');
  expect(await masked([75, 80, 81])).toEqual([6400, 6400, 0]);
  await expect.poll(() => h.drawnOverlayPixels()).toBeGreaterThan(1000);
  await page.screenshot({ path: path.join(shots, 'range-frame80-after.png') });

  // "Follow keys" returns to the keys' frames.
  await page.getByRole('button', { name: 'Follow keys' }).click();
  await expect(bar).toHaveAttribute('data-out', '68');
  expect(await h.maskPixels(75, 640, 360)).toBe(0);
});

test('a click on the ruler near frame 0 moves the playhead; the in point still drags', async ({ page }) => {
  await openSample(page);
  const h = hooks(page);
  await goToFrame(page, 50);
  const ruler = (await page.locator('.tl-ruler').boundingBox())!;
  const ppf = await pxPerFrame(page);
  const inBox = (await page.getByTestId('in-point').boundingBox())!;
  // Where the in point's handle is (frame 0..1 at this zoom), on its handle and on the numbers above it.
  await page.mouse.click(ruler.x + 1.5 * ppf, inBox.y + inBox.height / 2);
  await expect(page.getByTestId('frame-number')).toHaveValue('1');
  await goToFrame(page, 50);
  await page.mouse.click(ruler.x + 0.5 * ppf, ruler.y + 4);
  await expect(page.getByTestId('frame-number')).toHaveValue('0');
  expect((await h.doc())!.range.in).toBe(0);
  expect((await h.history()).undo).toBe(0);
  // Pressed on the ruler near 0 and dragged: a scrub, not an in point move.
  await page.mouse.move(ruler.x + 0.5 * ppf, ruler.y + 4);
  await page.mouse.down();
  await page.mouse.move(ruler.x + 20.5 * ppf, ruler.y + 4, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId('frame-number')).toHaveValue('20');
  expect((await h.doc())!.range.in).toBe(0);
  // The handle itself still drags.
  await page.mouse.move(inBox.x + 2, inBox.y + inBox.height / 2);
  await page.mouse.down();
  await page.mouse.move(inBox.x + 2 + 10 * ppf, inBox.y + inBox.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId('in-point')).toHaveAttribute('data-frame-index', '10');
  await page.screenshot({ path: path.join(shots, 'ruler-in-point.png'), clip: { x: 0, y: ruler.y - 40, width: 500, height: 120 } });
});

test('the frame number takes typing after one click; Escape keeps the frame', async ({ page }) => {
  await openSample(page);
  const field = page.getByTestId('frame-number');
  await field.click();
  await page.keyboard.type('57');
  await page.keyboard.press('Enter');
  await expect(field).toHaveValue('57');
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-displayed-frame', '57');
  await expect(field).not.toBeFocused();
  // The keys belong to the editor again: → steps a frame.
  await press(page, 'ArrowRight');
  await expect(field).toHaveValue('58');
  await field.click();
  await page.keyboard.type('12');
  await page.keyboard.press('Escape');
  await expect(field).toHaveValue('58');
  await field.click();
  await page.keyboard.type('9999');
  await page.keyboard.press('Enter');
  await expect(field).toHaveValue('99'); // clamped to the last frame
});

for (const [width, height] of [
  [1280, 720],
  [1440, 900],
  [1920, 1080],
] as const) {
  test(`the right panel at ${width}x${height}: Run, Cancel and Export always in view, every control reachable`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    await openSample(page);
    for (const id of ['run-inpaint', 'cancel-job', 'export-video']) await expect(page.getByTestId(id)).toBeInViewport({ ratio: 1 });
    const scroll = page.getByTestId('side-scroll');
    // Nothing is wider than the panel (a cut-off "Download models…" was).
    expect(await scroll.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    const controls = scroll.locator('button:visible, select:visible, input:visible');
    const n = await controls.count();
    expect(n).toBeGreaterThan(10);
    for (let i = 0; i < n; i++) {
      const c = controls.nth(i);
      await c.scrollIntoViewIfNeeded();
      await expect(c).toBeInViewport({ ratio: 0.98 }); // sub-pixel layout; a control cut off loses far more
    }
    // "Download models…" (cut off at every size before): reachable, with its whole label shown.
    const download = page.getByTestId('download-models');
    await download.scrollIntoViewIfNeeded();
    await expect(download).toBeInViewport({ ratio: 1 });
    await expect(download).toBeEnabled();
    expect(await download.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    expect(await download.getAttribute('title')).toMatch(/Download Models…/);
    await page.screenshot({ path: path.join(shots, `panel-${width}x${height}-models.png`) });
    // The longest Run label ("Run outpaint (100 frames)") leaves Cancel and Export whole too.
    await page.getByTestId('outpaint-toggle').check();
    await expect(page.getByTestId('run-inpaint')).toContainText('Run outpaint');
    for (const id of ['run-inpaint', 'cancel-job', 'export-video']) await expect(page.getByTestId(id)).toBeInViewport({ ratio: 1 });
    await page.screenshot({ path: path.join(shots, `run-bar-outpaint-${width}x${height}.png`), clip: { x: width - 320, y: 0, width: 320, height } });
    await page.getByTestId('outpaint-toggle').uncheck();
    await scroll.evaluate((el) => el.scrollTo(0, 0));
    if (width >= 1920) expect(await scroll.evaluate((el) => el.scrollHeight - el.clientHeight)).toBeLessThanOrEqual(0); // nothing to scroll
    await page.screenshot({ path: path.join(shots, `panel-${width}x${height}.png`) });
    // With the brush's options the toolbar is longest: it still fits on one row.
    await page.getByTestId('tool-brush').click();
    expect((await page.locator('.toolbar').boundingBox())!.height).toBeLessThan(42);
    await expect(page.getByTestId('help')).toBeInViewport({ ratio: 1 });
    await page.screenshot({ path: path.join(shots, `toolbar-brush-${width}x${height}.png`), clip: { x: 0, y: 0, width, height: 80 } });
  });
}

test('the shortcut overlay: one line per mouse gesture, key boxes one line high, arrows legible', async ({ page }) => {
  await openSample(page);
  await press(page, '?');
  const overlay = page.getByTestId('help-overlay');
  await expect(overlay).toBeVisible();
  const mouse = page.getByTestId('help-mouse').locator('.entry');
  expect(await mouse.count()).toBeGreaterThanOrEqual(6);
  for (const box of await Promise.all((await mouse.all()).map((e) => e.boundingBox()))) expect(box!.height).toBeLessThan(24);
  for (const box of await Promise.all((await overlay.locator('kbd').all()).map((k) => k.boundingBox()))) expect(box!.height).toBeLessThan(22);
  const glyphs = overlay.locator('kbd .glyph');
  expect(await glyphs.count()).toBeGreaterThanOrEqual(6);
  for (const box of await Promise.all((await glyphs.all()).map((g) => g.boundingBox()))) expect(box!.width).toBeGreaterThanOrEqual(9);
  await page.screenshot({ path: path.join(shots, 'help.png') });
});

test('M hides the outlines and handles with the mask fill', async ({ page }) => {
  await openSample(page);
  const h = hooks(page);
  await page.getByTestId('tool-select').click();
  await clickAt(page, 90, 262); // the ball's shape at frame 0: selected, with its handles
  await expect.poll(() => h.drawnOutlinePixels()).toBeGreaterThan(200);
  await expect.poll(() => h.drawnOverlayPixels()).toBeGreaterThan(200);
  await press(page, 'm');
  await expect.poll(() => h.drawnOutlinePixels()).toBe(0);
  await expect.poll(() => h.drawnOverlayPixels()).toBe(0);
  await press(page, 'm');
  await expect.poll(() => h.drawnOutlinePixels()).toBeGreaterThan(200);
});

test('thumbnails fill in without repeating the first ones along the strip', async ({ page }) => {
  test.setTimeout(150_000);
  const clip = makeClip('e2e-thumbs', { width: 640, height: 360, frames: 300, background: 'testsrc' });
  await openVideo(page, clip);
  let worst = 0;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const srcs = await page.locator('.tl-thumbs img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).src));
    const pending = await page.locator('.tl-thumbs .thumb-pending').count();
    const copies = new Map<string, number>();
    for (const s of srcs) copies.set(s, (copies.get(s) ?? 0) + 1);
    worst = Math.max(worst, ...copies.values(), 0);
    if ((srcs.length > 0 && pending === 0) || Date.now() > deadline) break;
    await page.waitForTimeout(100);
  }
  // The slot rule itself is unit-tested (renderer-view.test.ts); here, on the real strip: whenever it
  // was looked at, no thumbnail stood in for distant parts of the clip.
  expect(worst).toBeLessThanOrEqual(2);
  await expect(page.locator('.tl-thumbs .thumb-pending')).toHaveCount(0);
});

test('while a job runs: the viewer says which frames are unfinished, stages have names, the export counts the whole clip with a time left', async ({ page }) => {
  test.setTimeout(180_000);
  // A clip of its own, so no result kept from another test stands in for this run's frames.
  const clip = makeClip('e2e-stages', { width: 320, height: 180, frames: 100, background: 'testsrc' });
  await openVideo(page, clip);
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-displayed-frame', '0');
  await goToFrame(page, 49);
  await press(page, 'o'); // the range is 0..49: frames 50..99 are copied after the engine
  await goToFrame(page, 49);
  await page.getByTestId('run-inpaint').click();
  await expect(page.getByTestId('result-hud')).toContainText('Frame 49 is not finished yet');
  const statuses = new Set<string>();
  await expect
    .poll(
      async () => {
        statuses.add((await page.getByTestId('status-bar').getByTestId('status-job').textContent()) ?? '');
        return page.getByTestId('job-progress').getAttribute('data-state');
      },
      { timeout: 150_000, intervals: [100] },
    )
    .toBe('done');
  // Once every frame of the range was done the bar named what followed, instead of "Removing… 50/50".
  expect([...statuses].filter((s) => /Removing… 50\/50/.test(s))).toEqual([]);
  expect([...statuses].some((s) => /Copying the frames outside the in\/out range|Finishing the file/.test(s))).toBe(true);

  const out = path.resolve('test-results/newcomer/range-clean.mp4');
  rmSync(out, { force: true });
  await page.getByTestId('export-video').click();
  await pathDialog(page, out);
  const counts = new Set<string>();
  await expect
    .poll(
      async () => {
        counts.add((await page.getByTestId('export-count').textContent()) ?? '');
        return page.getByTestId('export-progress').getAttribute('data-state');
      },
      { timeout: 60_000, intervals: [50] },
    )
    .toBe('done');
  // The export writes all 100 frames of the clip: its counter says so from the start.
  expect([...counts].filter((c) => /\/\d+$/.test(c) && !c.endsWith('/100'))).toEqual([]);
});

test('results survive a reload and export; an edit makes only its frames stale and a run redoes only those', async ({ page }) => {
  test.setTimeout(300_000);
  await openSample(page);
  const h = hooks(page);
  await page.getByTestId('run-inpaint').click();
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'done', { timeout: 200_000 });
  const file = path.resolve('test-results/newcomer/kept.cleanplate');
  rmSync(file, { force: true });
  await press(page, 'Control+s');
  await pathDialog(page, file);
  await expect(page.getByTestId('status-bar')).toContainText('kept.cleanplate');

  // Reopened (the page reloads and opens the last project): the results are there, current, and export.
  await page.reload();
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByTestId('status-bar')).toContainText('kept.cleanplate');
  const overlay = page.getByTestId('job-overlay');
  await expect(overlay).toHaveAttribute('data-finished', '100');
  await expect(overlay).toHaveAttribute('data-stale', '0');
  await expect(page.getByTestId('run-inpaint')).toContainText('up to date');
  await expect(page.getByTestId('export-video')).toBeEnabled();
  await press(page, 'r');
  await goToFrame(page, 50);
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-result-frame', '50');
  const out = path.resolve('test-results/newcomer/kept-export.mp4');
  rmSync(out, { force: true });
  await page.getByTestId('export-video').click();
  await pathDialog(page, out);
  await expect(page.getByTestId('export-progress')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });

  // A stroke held for 10 frames from frame 50: those 10 frames are stale, the timeline shows them.
  await page.getByTestId('add-brush-layer').click();
  await page.getByTestId('brush-hold').selectOption('frames');
  await drag(page, [
    [400, 60],
    [460, 70],
  ]);
  await expect(overlay).toHaveAttribute('data-stale', '10');
  await expect(page.getByTestId('run-inpaint')).toContainText('10 of 100 frames');
  await expect(page.getByTestId('result-hud')).toContainText('older masks');
  await page.screenshot({ path: path.join(shots, 'stale-frames.png') });
  // The longer Run label ("Run (10 of 100 frames)") still leaves Cancel and Export whole, at every size.
  for (const [width, height] of [
    [1280, 720],
    [1440, 900],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width, height });
    for (const id of ['run-inpaint', 'cancel-job', 'export-video']) await expect(page.getByTestId(id)).toBeInViewport({ ratio: 1 });
    const bar = (await page.getByTestId('run-bar').boundingBox())!;
    for (const id of ['run-inpaint', 'cancel-job', 'export-video']) {
      const box = (await page.getByTestId(id).boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(bar.x + bar.width);
    }
    await page.screenshot({ path: path.join(shots, `stale-run-bar-${width}x${height}.png`), clip: { x: width - 320, y: height - 320, width: 320, height: 160 } });
  }
  await page.setViewportSize({ width: 1440, height: 900 });

  // The run makes those 10 and keeps the other 90.
  await page.getByTestId('run-inpaint').click();
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'done', { timeout: 200_000 });
  await expect(page.getByTestId('job-stage')).toContainText('90 unchanged frames kept from the last run');
  await expect(overlay).toHaveAttribute('data-stale', '0');
  expect(await h.maskPixels(55, 640, 360)).toBeGreaterThan(0);
});
