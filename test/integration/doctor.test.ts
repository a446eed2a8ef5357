// `cleanplate doctor` and the About box's `app.about` (issue 12, item 3): ffmpeg and ffprobe (path,
// origin, version as the binary reports it), onnxruntime and the providers that load here, models,
// data folder, Node and Electron.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostics } from '../../common/contract/types';
import { locateFfmpeg } from '../../main/media/index';
import { createServices } from '../../main/services/index';
import { createLog } from '../../main/services/log';
import { nodeEngineLauncher } from '../../main/services/node-engine';
import { repoRoot } from '../helpers/media';
import { buildCli, runCli } from './cli-harness';

const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-doctor-'));
const ortVersion = (createRequire(__filename)('onnxruntime-node/package.json') as { version: string }).version;
const ffmpegVersion = /version (\S+)/.exec(execFileSync(locateFfmpeg().ffmpeg, ['-version'], { encoding: 'utf8' }))![1];

beforeAll(() => buildCli());
afterAll(() => rmSync(base, { recursive: true, force: true }));

function expectReport(d: Diagnostics, userData: string) {
  expect(d.ffmpeg).toEqual({ path: locateFfmpeg().ffmpeg, origin: locateFfmpeg().origin.ffmpeg, version: ffmpegVersion, error: null });
  expect(d.ffprobe.version).toBeTruthy();
  expect(d.ffprobe.path).toBe(locateFfmpeg().ffprobe);
  expect(d.onnxruntime.version).toBe(ortVersion);
  expect(d.onnxruntime.providers).toContainEqual({ name: 'cpu', loads: true, detail: '' });
  for (const p of d.onnxruntime.providers) if (!p.loads) expect(p.detail, p.name).toMatch(/\S/);
  expect(d.models.dir).toBe(path.join(userData, 'models'));
  expect(d.models.propainter).toMatch(/^(ready|not ready: .+)$/);
  expect(d.dataFolder).toBe(userData);
  expect(d.node).toBe(process.versions.node);
}

describe('doctor', () => {
  it('cleanplate doctor prints the report, and --json the same as data', async () => {
    const userData = path.join(base, 'cli-user');
    const json = await runCli(['doctor', '--json'], { env: { CLEANPLATE_USER_DATA: userData } });
    expect(json.code).toBe(0);
    expectReport(JSON.parse(json.stdout) as Diagnostics, userData);
    const text = await runCli(['doctor'], { env: { CLEANPLATE_USER_DATA: userData } });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`ffmpeg: ${ffmpegVersion} at ${locateFfmpeg().ffmpeg}`);
    expect(text.stdout).toContain(`onnxruntime-node: ${ortVersion}`);
    expect(text.stdout).toContain('  execution provider cpu: loads');
    expect(text.stdout).toContain(`data folder: ${userData}`);
    expect(text.stdout).toMatch(/^Node \d+\.\d+\.\d+; Electron /m);
  });

  it('app.about answers the same, with the providers checked in an engine process', async () => {
    const engineModule = path.join(repoRoot, 'dist/engine/engine.cjs');
    expect(existsSync(engineModule)).toBe(true);
    const userData = path.join(base, 'app-user');
    const services = await createServices({
      host: 'web',
      appVersion: '1.2.3',
      userDataDir: userData,
      sampleDir: path.join(base, 'none'),
      emit: () => undefined,
      launchEngine: nodeEngineLauncher(engineModule),
      dialogs: null,
      log: createLog(null, { quiet: true }),
    });
    try {
      const about = await services.dispatch('app.about', {});
      expect(about.ok).toBe(true);
      const d = (about as { ok: true; value: Diagnostics }).value;
      expect(d.app).toBe('1.2.3');
      expectReport(d, userData);
    } finally {
      await services.dispose();
    }
  });
});
