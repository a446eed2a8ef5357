// The host going away (issue 11 items 3 and 4), with a web host of this test's own that it kills,
// pauses and starts again: the page says so within 2 s, pauses what needs the host, reconnects by
// itself and says whether a save made meanwhile went through; edits survive a reload, and after a
// crash the recovery offer says how the autosave relates to the saved project.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { hooks, pathDialog, press } from './editor-helpers';
import { startHost } from './host-process';
import type { HostProcess } from './host-process';

const shots = path.resolve('test-results/newcomer');
mkdirSync(shots, { recursive: true });
const PORT = Number(process.env.CLEANPLATE_E2E_PORT ?? 5199) + 31;

let userData: string;
let host: HostProcess | null = null;

test.beforeEach(() => {
  userData = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-e2e-host-'));
});

test.afterEach(async () => {
  if (host) {
    host.process.kill('SIGCONT');
    await host.signal('SIGKILL');
  }
  host = null;
  rmSync(userData, { recursive: true, force: true });
});

async function open(page: Page) {
  page.on('console', (m) => process.env.E2E_DEBUG && console.log('console:', m.text()));
  page.on('requestfailed', (r) => process.env.E2E_DEBUG && console.log('failed:', r.url(), r.failure()?.errorText));
  host = await startHost(PORT, userData);
  await page.goto(host.url);
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-displayed-frame', '0');
}

/** An edit, and the autosave that holds it. */
async function editAndAutosave(page: Page) {
  await page.getByTestId('add-brush-layer').click();
  await expect.poll(() => hooks(page).saveState(), { timeout: 15_000 }).toEqual({ saved: false, autosaved: true });
}

test('a dead or hung host shows within 2 s, pauses what needs it, reconnects, and a save made meanwhile goes through', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page);
  await page.getByTestId('add-brush-layer').click();
  const banner = page.getByTestId('connection-banner');
  await expect(banner).toBeHidden();

  await host!.signal('SIGKILL');
  let t0 = Date.now();
  await expect(banner).toBeVisible({ timeout: 2000 });
  expect(Date.now() - t0).toBeLessThan(2000);
  await expect(page.getByTestId('run-inpaint')).toBeDisabled();
  await expect(page.getByTestId('open-video')).toBeDisabled();
  await expect(page.getByTestId('save')).toBeEnabled(); // a save waits instead
  await page.screenshot({ path: path.join(shots, 'host-lost.png') });

  const file = path.join(userData, 'while-offline.cleanplate');
  await press(page, 'Control+s');
  await pathDialog(page, file);
  await expect(page.getByTestId('info-message').filter({ hasText: 'waits and goes through when it is back' })).toBeVisible();
  await expect(banner).toContainText('a save is waiting');
  expect(existsSync(file)).toBe(false);

  host = await startHost(PORT, userData);
  await expect(banner).toBeHidden({ timeout: 10_000 });
  await expect(page.getByTestId('info-message').filter({ hasText: 'Saved while-offline.cleanplate (it waited for the host to come back)' })).toBeVisible();
  expect(existsSync(file)).toBe(true);
  await expect(page.getByTestId('run-inpaint')).toBeEnabled();
  // The new host process serves the video's frames again.
  await press(page, 'End');
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-displayed-frame', '99');

  // A host that hangs (stopped, not dead) is noticed by its silence.
  host!.process.kill('SIGSTOP');
  t0 = Date.now();
  await expect(banner).toBeVisible({ timeout: 2000 });
  expect(Date.now() - t0).toBeLessThan(2000);
  host!.process.kill('SIGCONT');
  await expect(banner).toBeHidden({ timeout: 10_000 });
});

test('unsaved edits are offered for recovery after an ordinary reload', async ({ page }) => {
  test.setTimeout(90_000);
  await open(page);
  await editAndAutosave(page);
  await page.reload();
  const dialog = page.getByTestId('recovery-dialog');
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('recovery-message')).toContainText('This page was reloaded before these edits were saved.');
  await page.screenshot({ path: path.join(shots, 'recovery-reload.png') });
  await page.getByTestId('recovery-recover').click();
  await expect(dialog).toBeHidden();
  await expect.poll(async () => (await hooks(page).doc())?.layers.map((l) => l.kind)).toEqual(['shape', 'brush']);
  // Another tab has its own page: it is not offered this one's work.
  const other = await page.context().newPage();
  await other.goto(host!.url);
  await expect(other.getByTestId('app-root')).toHaveAttribute('data-ready', 'true');
  await other.waitForTimeout(500);
  await expect(other.getByTestId('recovery-dialog')).toBeHidden();
});

test('after a host crash the offer says the edits came after the last save; undone edits are not offered', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page);
  const file = path.join(userData, 'saved.cleanplate');
  await press(page, 'Control+s');
  await pathDialog(page, file);
  await expect(page.getByTestId('status-bar')).toContainText('saved.cleanplate');
  await editAndAutosave(page);

  await host!.signal('SIGKILL');
  host = await startHost(PORT, userData);
  await page.reload();
  await expect(page.getByTestId('recovery-dialog')).toBeVisible();
  const message = page.getByTestId('recovery-message');
  await expect(message).toContainText('Cleanplate did not close normally.');
  await expect(message).toContainText(`holds edits made after ${file} was last saved`);
  await expect(message).not.toContainText('never saved');
  await page.screenshot({ path: path.join(shots, 'recovery-crash.png') });
  await page.getByTestId('recovery-discard').click();

  // Edited, autosaved, then undone back to the saved state: nothing to recover after a crash.
  await expect(page.getByTestId('status-bar')).toContainText('saved.cleanplate');
  await editAndAutosave(page);
  await press(page, 'Control+z');
  await expect.poll(() => hooks(page).saveState(), { timeout: 15_000 }).toEqual({ saved: true, autosaved: true });
  await host!.signal('SIGKILL');
  host = await startHost(PORT, userData);
  await page.reload();
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-ready', 'true');
  await page.waitForTimeout(500);
  await expect(page.getByTestId('recovery-dialog')).toBeHidden();
});
