// Electron's two schemes, answered by plain functions (no Electron needed): cleanplate-media://cache/
// serves only cache files, cleanplate-app://app/ only the built renderer, and only the app's own page
// counts as a trusted IPC sender.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { answerAppUrl, answerMediaUrl, isAppPageUrl } from '../../main/app/schemes';
import { externalUrl, secureWebPreferences } from '../../main/app/security';

const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-schemes-'));
const cache = path.join(base, 'cache');
const renderer = path.join(base, 'renderer');
mkdirSync(path.join(cache, 'jobs', 'j1', 'preview'), { recursive: true });
mkdirSync(path.join(renderer, 'assets'), { recursive: true });
writeFileSync(path.join(cache, 'jobs', 'j1', 'preview', '000004.jpg'), Buffer.alloc(64, 1));
writeFileSync(path.join(renderer, 'index.html'), '<!doctype html>');
writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(path.join(base, 'secret.jpg'), 'x');
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('cleanplate-media://', () => {
  it('serves a cache file, with ranges', async () => {
    expect(await answerMediaUrl(cache, 'cleanplate-media://cache/jobs/j1/preview/000004.jpg', 'GET', null)).toMatchObject({ status: 200, headers: { 'Content-Type': 'image/jpeg' } });
    expect(await answerMediaUrl(cache, 'cleanplate-media://cache/jobs/j1/preview/000004.jpg', 'GET', 'bytes=60-')).toMatchObject({ status: 206, start: 60, end: 63 });
    expect(await answerMediaUrl(cache, 'cleanplate-media://cache/jobs/j1/preview/000004.jpg', 'GET', 'bytes=64-')).toMatchObject({ status: 416 });
  });

  it('lets the app page, and only it, read the bytes cross-origin (fetch of bitmap layers)', async () => {
    const a = await answerMediaUrl(cache, 'cleanplate-media://cache/jobs/j1/preview/000004.jpg', 'GET', null);
    expect(a.headers['Access-Control-Allow-Origin']).toBe('cleanplate-app://app');
  });

  it.each([
    'cleanplate-media://cache/../secret.jpg',
    'cleanplate-media://cache/%2e%2e/secret.jpg',
    'cleanplate-media://cache/jobs/%2e%2e/%2e%2e/secret.jpg',
    `cleanplate-media://cache/${encodeURIComponent(path.join(base, 'secret.jpg'))}`,
    'cleanplate-media://other/jobs/j1/preview/000004.jpg',
    'cleanplate-media://user:pw@cache/jobs/j1/preview/000004.jpg',
    'cleanplate-app://app/jobs/j1/preview/000004.jpg',
    'file:///etc/passwd',
    'not a url',
  ])('refuses %s', async (url) => {
    expect((await answerMediaUrl(cache, url, 'GET', null)).status).toBe(404);
  });
});

describe('cleanplate-app://', () => {
  it('serves the renderer, index.html for the root', async () => {
    expect(await answerAppUrl(renderer, 'cleanplate-app://app/', 'GET')).toMatchObject({ status: 200, file: path.join(renderer, 'index.html'), type: 'text/html; charset=utf-8' });
    expect(await answerAppUrl(renderer, 'cleanplate-app://app/assets/app.js', 'GET')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
  });

  it.each(['cleanplate-app://app/../secret.jpg', 'cleanplate-app://app/%2e%2e/secret.jpg', 'cleanplate-app://evil/index.html', 'cleanplate-media://app/index.html'])('refuses %s', async (url) => {
    expect((await answerAppUrl(renderer, url, 'GET')).status).toBe(404);
  });

  it('refuses writes', async () => {
    expect((await answerAppUrl(renderer, 'cleanplate-app://app/index.html', 'POST')).status).toBe(405);
  });
});

describe('IPC sender check', () => {
  it('trusts only the app page', () => {
    expect(isAppPageUrl('cleanplate-app://app/index.html')).toBe(true);
    expect(isAppPageUrl('cleanplate-app://app/index.html#/timeline')).toBe(true);
    for (const url of ['https://evil.example/', 'cleanplate-app://evil/index.html', 'cleanplate-media://cache/x.jpg', 'file:///index.html', 'about:blank', '', null, undefined]) {
      expect(isAppPageUrl(url)).toBe(false);
    }
  });
});

describe('window security settings', () => {
  it('sandbox the renderer, isolate the preload and keep Node out of every frame', () => {
    expect(secureWebPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInSubFrames: false, nodeIntegrationInWorker: false, webviewTag: false });
    expect(secureWebPreferences).not.toHaveProperty('webSecurity');
    const window = readFileSync(path.join(__dirname, '../../main/app/window.ts'), 'utf8');
    expect(window).toContain('webPreferences: { ...secureWebPreferences, preload');
    expect(window).not.toMatch(/webSecurity|allowRunningInsecureContent|experimentalFeatures|enableBlinkFeatures/);
  });

  it('let only https links out, to the system browser', () => {
    expect(externalUrl('https://github.com/x')).toBe('https://github.com/x');
    for (const url of ['http://example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'cleanplate-app://app/', 'smb://host/share', 'nonsense']) expect(externalUrl(url)).toBeNull();
  });
});
