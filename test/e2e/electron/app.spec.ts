// The real Electron app (`electron .` on the built dist/), where an Electron binary exists: the
// window's security settings, the CSP, the preload's exact API, navigation and new windows refused,
// and the sample project opening. Reported as skipped, with the reason, where there is no binary.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import type { ElectronApplication, Page } from '@playwright/test';

const root = path.resolve(__dirname, '../../..');

/** The binary `npm ci` downloads; never `require('electron')`, which tries to download it when missing. */
function electronExecutable(): string | null {
  const pkg = path.join(root, 'node_modules/electron');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = path.join(pkg, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const candidate = override ? path.join(override, relative ?? 'electron') : relative ? path.join(pkg, 'dist', relative) : null;
  return candidate && existsSync(candidate) ? candidate : null;
}

const executable = electronExecutable();
const skipReason = 'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD)';
if (!executable) console.log(`electron tests skipped: ${skipReason}`);
test.skip(!executable, skipReason);

let app: ElectronApplication;
let page: Page;
let userData: string;

test.beforeAll(async () => {
  userData = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-electron-'));
  app = await electron.launch({
    executablePath: executable!,
    // Chromium refuses its sandbox as root (CI containers); the renderer's own sandbox flag is still checked below.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), root],
    env: { ...process.env, CLEANPLATE_USER_DATA: userData },
  });
  page = await app.firstWindow();
});

test.afterAll(async () => {
  await app?.close();
  rmSync(userData, { recursive: true, force: true });
});

test('the page is our own, without Node and with only the bridge exposed', async () => {
  expect(page.url()).toBe('cleanplate-app://app/index.html');
  expect(await page.evaluate(() => [typeof (globalThis as { require?: unknown }).require, typeof (globalThis as { process?: unknown }).process])).toEqual(['undefined', 'undefined']);
});

test('the preload exposes exactly the contract bridge', async () => {
  const shape = await page.evaluate(() => {
    const b = (window as unknown as { cleanplate: Record<string, unknown> }).cleanplate;
    return { keys: Object.keys(b).sort(), groups: Object.keys(b.calls as object).sort(), media: (b.mediaUrl as (r: string) => string)('frames/ab/000001.jpg') };
  });
  expect(shape.keys).toEqual(['calls', 'mediaUrl', 'on', 'pathForFile']);
  expect(shape.groups).toEqual(['app', 'dialog', 'export', 'job', 'mask', 'media', 'models', 'project']);
  expect(shape.media).toBe('cleanplate-media://cache/frames/ab/000001.jpg');
  const info = await page.evaluate(() => (window as unknown as { cleanplate: { calls: { app: { info(a: object): Promise<unknown> } } } }).cleanplate.calls.app.info({}));
  expect(info).toMatchObject({ ok: true, value: { host: 'electron', nativeDialogs: true, fileDrop: 'path' } });
});

test('the CSP forbids eval and inline script', async () => {
  const result = await page.evaluate(() => {
    let evalAllowed = true;
    try {
      // eslint-disable-next-line no-eval
      eval('1');
    } catch {
      evalAllowed = false;
    }
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.head.appendChild(s);
    return { evalAllowed, inlineRan: (window as unknown as { __inlineRan?: boolean }).__inlineRan === true };
  });
  expect(result).toEqual({ evalAllowed: false, inlineRan: false });
});

test('navigation and new windows are refused', async () => {
  await page.evaluate(() => {
    window.location.href = 'https://example.invalid/';
  });
  await page.waitForTimeout(500);
  expect(page.url()).toBe('cleanplate-app://app/index.html');
  expect(await page.evaluate(() => window.open('https://example.invalid/') === null)).toBe(true);
  expect(app.windows()).toHaveLength(1);
});

test('the sample project opens', async () => {
  await expect(page.getByTestId('app-root')).toBeVisible();
  await expect(page.getByTestId('viewer')).toBeVisible();
  await expect(page.getByTestId('timeline')).toBeVisible();
  await page.screenshot({ path: path.join(root, 'test-results/electron-app.png') });
});
