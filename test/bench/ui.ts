/**
 * UI benchmark (`npm run bench:ui`): drives the editor in Chromium through the web host and measures
 * - time to first frame: opening a 1080p clip (5 minutes at 25 fps) until its first frame is on screen;
 * - scrubbing: distinct frames drawn per second while the playhead moves one frame per display refresh,
 *   over frames seen before (cached) and over frames the host has not decoded yet;
 * - brush strokes: animation-frame intervals while a long stroke is painted over the 1080p frame.
 * Writes test-results/bench-ui.json and prints a table. Needs a build (`npm run build`).
 *
 *   CLEANPLATE_BENCH_MINUTES=1 npm run bench:ui     # a shorter clip
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import type { Page } from '@playwright/test';
import { makeClip, repoRoot } from '../helpers/media';

const PORT = Number(process.env.CLEANPLATE_BENCH_PORT ?? 5211);
const TOKEN = randomBytes(18).toString('base64url');
const MINUTES = Number(process.env.CLEANPLATE_BENCH_MINUTES ?? 5);

/** Playwright's own Chromium when installed, else Debian's (as in playwright.config.ts). */
function chromiumPath(): string | undefined {
  if (process.env.CLEANPLATE_CHROMIUM) return process.env.CLEANPLATE_CHROMIUM;
  try {
    if (existsSync(chromium.executablePath())) return undefined;
  } catch {
    /* no bundled browser registered */
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

async function startHost(userData: string): Promise<() => void> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/host/server.cjs')], {
    env: { ...process.env, CLEANPLATE_PORT: String(PORT), CLEANPLATE_USER_DATA: userData, CLEANPLATE_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(`http://127.0.0.1:${PORT}`)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`web host exited (${code}) before it was ready`)));
  });
  child.stdout!.resume();
  return () => child.kill();
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function viewerBox(page: Page) {
  const box = (await page.getByTestId('viewer').boundingBox())!;
  const view = await page.evaluate(() => (window as unknown as { __cleanplate: { session(): { view: { x: number; y: number; zoom: number } } } }).__cleanplate.session().view);
  return { toScreen: (x: number, y: number) => ({ x: box.x + view.x + x * view.zoom, y: box.y + view.y + y * view.zoom }), zoom: view.zoom };
}

/**
 * Scrubbing at display rate: the playhead advances one frame per animation frame (as a fast drag or a
 * held arrow key does) from `from` for `count` frames; returns distinct frames actually drawn per
 * second and how many of them were shown. A frame counts when the viewer reports it on screen.
 */
async function scrub(page: Page, from: number, count: number): Promise<{ fps: number; shown: number; requested: number }> {
  // Page scripts are strings: tsx's name-keeping helpers do not exist inside the page.
  const r = (await page.evaluate(`(async () => {
    const viewer = document.querySelector('[data-testid="viewer"]');
    const key = (k) => window.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
    key('Home');
    for (let i = 0; i < ${from}; i++) key('ArrowRight');
    await new Promise((r) => setTimeout(r, 500));
    const shown = new Set();
    const start = performance.now();
    for (let i = 0; i < ${count}; i++) {
      key('ArrowRight');
      await new Promise((r) => requestAnimationFrame(r));
      shown.add(viewer.getAttribute('data-displayed-frame'));
    }
    // Let the last requested frames land.
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => requestAnimationFrame(r));
      shown.add(viewer.getAttribute('data-displayed-frame'));
    }
    return { shown: shown.size, seconds: (performance.now() - start) / 1000 };
  })()`)) as { shown: number; seconds: number };
  return { fps: r.shown / r.seconds, shown: r.shown, requested: count };
}

async function main(): Promise<void> {
  const frames = Math.round(MINUTES * 60 * 25);
  console.log(`bench:ui: generating a 1920x1080 clip of ${frames} frames (cached after the first run)…`);
  const clip = makeClip(`ui-bench-1080p-${frames}`, { width: 1920, height: 1080, frames, background: 'testsrc', codec: 'h264' });
  const userData = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-bench-ui-'));
  const stopHost = await startHost(userData);
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu'] });
  const results: Record<string, number | string> = { clip: `1920x1080, ${frames} frames` };
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`http://127.0.0.1:${PORT}/?token=${TOKEN}`);
    await page.getByTestId('viewer').waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="viewer"]')?.getAttribute('data-displayed-frame')) >= 0);

    // Time to first frame: from confirming the path until frame 0 of the new clip is drawn.
    await page.getByTestId('open-video').click();
    await page.getByTestId('path-dialog-input').fill(clip);
    const t0 = Date.now();
    await page.getByTestId('path-dialog-ok').click();
    await page.waitForFunction(
      (n) =>
        (window as unknown as { __cleanplate: { doc(): { source: { frameCount: number } } | null } }).__cleanplate.doc()?.source.frameCount === n &&
        document.querySelector('[data-testid="viewer"]')?.getAttribute('data-displayed-frame') === '0',
      frames,
      { timeout: 60_000, polling: 'raf' },
    );
    results.firstFrameMs = Date.now() - t0;

    // Stepping with → through frames the host has not decoded, waiting for each (what a user sees).
    const from = Math.floor(frames * 0.3);
    const stepped = (await page.evaluate(`(async () => {
      const viewer = document.querySelector('[data-testid="viewer"]');
      const key = (k) => window.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
      key('Home');
      for (let i = 0; i < ${from}; i++) key('ArrowRight');
      while (viewer.getAttribute('data-displayed-frame') !== String(${from})) await new Promise((r) => requestAnimationFrame(r));
      const start = performance.now();
      for (let i = 1; i <= 24; i++) {
        key('ArrowRight');
        while (viewer.getAttribute('data-displayed-frame') !== String(${from} + i)) await new Promise((r) => requestAnimationFrame(r));
      }
      return (performance.now() - start) / 1000;
    })()`)) as number;
    results.stepUncachedFps = +(24 / stepped).toFixed(1);

    // Scrubbing: fresh frames first, then the same range again (now in the renderer's and host's caches).
    // Frames the host has not decoded yet (each needs its own ffmpeg seek)…
    const fresh = await scrub(page, Math.floor(frames * 0.6), 120);
    // …and frames in the host's proxy cache (filled in the background from the start) that the viewer
    // has shown once: step through them waiting for each, then scrub over them at display rate.
    const t1 = Date.now();
    await page.waitForFunction(
      () => ((window as unknown as { __cleanplate: { frameCache(): { cached: number } | null } }).__cleanplate.frameCache()?.cached ?? 0) >= 130,
      null,
      { timeout: 600_000, polling: 500 },
    );
    results.hostCache130FramesMs = Date.now() - t1;
    await page.evaluate(`(async () => {
      const viewer = document.querySelector('[data-testid="viewer"]');
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Home', bubbles: true }));
      for (let i = 1; i <= 121; i++) {
        window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
        while (viewer.getAttribute('data-displayed-frame') !== String(i)) await new Promise((r) => requestAnimationFrame(r));
      }
    })()`);
    const cached = await scrub(page, 0, 120);
    results.scrubUncachedFps = +fresh.fps.toFixed(1);
    results.scrubCachedFps = +cached.fps.toFixed(1);
    results.scrubCachedFramesShown = `${cached.shown}/${cached.requested}`;

    // Brush stroke over the 1080p frame: animation-frame intervals while painting.
    await page.getByTestId('tool-brush').click();
    await page.getByTestId('brush-size').fill('40');
    await page.getByTestId('brush-size').press('Enter');
    const v = await viewerBox(page);
    await page.evaluate(`(() => {
      window.__frames = [];
      window.__stop = false;
      const tick = (t) => {
        window.__frames.push(t);
        if (!window.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    const start = v.toScreen(100, 540);
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    const moves = 240;
    for (let i = 1; i <= moves; i++) {
      const p = v.toScreen(100 + (1720 * i) / moves, 540 + 300 * Math.sin(i / 15));
      await page.mouse.move(p.x, p.y);
      await new Promise((r) => setTimeout(r, 8));
    }
    await page.mouse.up();
    const stamps = (await page.evaluate('window.__stop = true, window.__frames')) as number[];
    const intervals = stamps.slice(1).map((t, i) => t - stamps[i]!);
    results.strokeFrameP50Ms = +percentile(intervals, 50).toFixed(1);
    results.strokeFrameP95Ms = +percentile(intervals, 95).toFixed(1);
    results.strokeFrameMaxMs = +Math.max(...intervals).toFixed(1);
    results.strokeFramesOver20Ms = intervals.filter((d) => d > 20).length;
    results.strokeFrames = intervals.length;
  } finally {
    await browser.close();
    stopHost();
  }
  mkdirSync(path.join(repoRoot, 'test-results'), { recursive: true });
  writeFileSync(path.join(repoRoot, 'test-results/bench-ui.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.table(results);
}

main().catch((err) => {
  console.error(`bench:ui failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
