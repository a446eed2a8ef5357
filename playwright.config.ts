import { defineConfig } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';

// Playwright's own Chromium cannot be downloaded in every environment (CI here has no internet);
// Debian's chromium is used when the bundled browser is missing.
function chromiumExecutable(): string | undefined {
  if (process.env.CLEANPLATE_CHROMIUM) return process.env.CLEANPLATE_CHROMIUM;
  try {
    if (existsSync(chromium.executablePath())) return undefined;
  } catch {
    /* no bundled browser registered */
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

const port = Number(process.env.CLEANPLATE_E2E_PORT ?? 5199);
// Each run gets a fresh user-data folder so recent projects, autosaves and caches never leak between runs.
const userData = process.env.CLEANPLATE_E2E_USER_DATA ?? mkdtempSync(path.join(os.tmpdir(), 'cleanplate-e2e-'));
process.env.CLEANPLATE_E2E_USER_DATA = userData;
// The web host answers only clients that know its per-run secret; the tests open `/?token=…` (appUrl).
const token = process.env.CLEANPLATE_E2E_TOKEN ?? randomBytes(18).toString('base64url');
process.env.CLEANPLATE_E2E_TOKEN = token;

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/playwright',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromiumExecutable(),
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  projects: [
    { name: 'web', testMatch: /web\/.*\.spec\.ts/ },
    { name: 'electron', testMatch: /electron\/.*\.spec\.ts/ },
  ],
  webServer: {
    command: 'node dist/host/server.cjs',
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: { CLEANPLATE_PORT: String(port), CLEANPLATE_USER_DATA: userData, CLEANPLATE_TOKEN: token },
  },
});
