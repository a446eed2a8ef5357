// The About box (Help > About Cleanplate) shows what `cleanplate doctor` prints, gathered by the host
// for `app.about`: ffmpeg's version as the binary reports it, among the rest. Its frame cache limit is
// the user's setting, kept in the data folder. A screenshot is kept for a person to look at.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { locateFfmpeg } from '../../../main/media/locate';
import { appUrl } from './app-url';

const root = path.resolve(__dirname, '../../..');

test("Help > About shows the doctor report with ffmpeg's version, and keeps the frame cache limit", async ({ page }) => {
  const ffmpeg = locateFfmpeg();
  const version = /version (\S+)/.exec(execFileSync(ffmpeg.ffmpeg, ['-version'], { encoding: 'utf8' }))![1]!;
  await page.goto(appUrl);
  await expect(page.getByTestId('app-root')).toHaveAttribute('data-ready', 'true');
  // The first frame on screen is in the frame cache, so the About box has a cache to report.
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __cleanplate: { frameReady(i: number): boolean } }).__cleanplate.frameReady(0)), { timeout: 20_000 })
    .toBe(true);

  await page.getByTestId('menubar').getByRole('button', { name: 'Help', exact: true }).click();
  await page.getByRole('button', { name: 'About Cleanplate' }).click();
  const report = page.getByTestId('about-report');
  await expect(report).toContainText(`ffmpeg: ${version} at ${ffmpeg.ffmpeg}`, { timeout: 30_000 });
  await expect(report).toContainText('ffprobe: ');
  await expect(report).toContainText('execution provider cpu: loads');
  await expect(report).toContainText(`data folder: ${process.env.CLEANPLATE_E2E_USER_DATA}`);
  await expect(page.getByTestId('about-cache')).toContainText(/Frame cache: \d+ MB in [1-9]\d* frames; limit/);
  await page.screenshot({ path: path.join(root, 'test-results/web-about.png') });

  // The limit is a setting of this computer: written to settings.json, shown again next time.
  await page.getByTestId('about-cache-limit').fill('512');
  await page.getByTestId('about-cache-apply').click();
  await expect(page.getByTestId('about-dialog')).toContainText('Saved.');
  expect(JSON.parse(readFileSync(path.join(process.env.CLEANPLATE_E2E_USER_DATA!, 'settings.json'), 'utf8'))).toEqual({ frameCacheLimitMB: 512 });
  await page.getByTestId('about-close').click();
  await expect(page.getByTestId('about-dialog')).toHaveCount(0);
  await page.getByTestId('menubar').getByRole('button', { name: 'Help', exact: true }).click();
  await page.getByRole('button', { name: 'About Cleanplate' }).click();
  await expect(page.getByTestId('about-cache-limit')).toHaveValue('512');

  // Out of range: one line from the host, nothing written.
  await page.getByTestId('about-cache-limit').fill('5');
  await page.getByTestId('about-cache-apply').click();
  await expect(page.getByTestId('about-dialog')).toContainText('frameCacheLimitMB');
  expect(JSON.parse(readFileSync(path.join(process.env.CLEANPLATE_E2E_USER_DATA!, 'settings.json'), 'utf8'))).toEqual({ frameCacheLimitMB: 512 });
});
