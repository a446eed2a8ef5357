// The app in Chromium through the web host: the bundled sample opens (shell, viewer with its first
// frame, timeline, the sample's keyed mask), the page talks to the host only over its own origin,
// and a screenshot is kept for a person to look at.
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { appUrl, token } from './app-url';

const root = path.resolve(__dirname, '../../..');

interface Hooks {
  doc(): { source: { frameCount: number }; layers: Array<{ name: string }> } | null;
  frameReady(index: number): boolean;
  maskPixels(frame?: number): number;
}

test('the sample project opens in the web host', async ({ page, baseURL }) => {
  const foreign: string[] = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.origin !== new URL(baseURL!).origin && url.protocol !== 'data:' && url.protocol !== 'blob:') foreign.push(req.url());
  });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));

  await page.goto(appUrl);
  await expect(page.getByTestId('app-root')).toBeVisible();
  // The secret moves from the address bar into the tab's storage (a reload keeps working).
  await expect.poll(() => new URL(page.url()).search).toBe('');
  await expect(page.getByTestId('viewer')).toBeVisible();
  await expect(page.getByTestId('timeline')).toBeVisible();

  // The sample: 100 frames with the keyed roto layer, its first frame decoded and on screen.
  await expect.poll(() => page.evaluate(() => (window as unknown as { __cleanplate: Hooks }).__cleanplate.doc()?.source.frameCount ?? 0)).toBe(100);
  expect(await page.evaluate(() => (window as unknown as { __cleanplate: Hooks }).__cleanplate.doc()!.layers.map((l) => l.name))).toEqual(['Ball']);
  await expect.poll(() => page.evaluate(() => (window as unknown as { __cleanplate: Hooks }).__cleanplate.frameReady(0)), { timeout: 20_000 }).toBe(true);
  expect(await page.evaluate(() => (window as unknown as { __cleanplate: Hooks }).__cleanplate.maskPixels(50))).toBeGreaterThan(1000);
  await expect(page.getByTestId('frame-number')).toHaveValue('0');

  // Let thumbnails fill in, then keep a picture for a person to look at.
  await page.waitForTimeout(2500);
  await page.screenshot({ path: path.join(root, 'test-results/web-app.png') });
  expect(foreign).toEqual([]);
  expect(errors).toEqual([]);
});

test('a frame URL outside the cache is refused by the host', async ({ request }) => {
  for (const p of ['/media/..%2f..%2fetc%2fpasswd', '/media/%2e%2e/recent.json', '/media/frames/../../recent.json']) {
    expect((await request.get(`${p}?token=${token}`)).status()).toBe(404);
  }
  // Without the secret nothing is even looked up.
  expect((await request.get('/media/..%2f..%2fetc%2fpasswd')).status()).toBe(401);
  expect((await request.get('/healthz', { headers: { Origin: 'http://evil.example' } })).status()).toBe(403);
});

test('a page opened without the secret says where to find the right address', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByText('open the address the Cleanplate host printed')).toBeVisible();
});
