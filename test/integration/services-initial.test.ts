// What the app shows first, through the full services: the bundled sample on a fresh profile (its
// clip copied into the cache, frames servable), the last project on the next start, the sample with
// a notice when the last project is gone, and a project the OS asked to open.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InitialState, OpenedProject } from '../../common/contract/types';
import { createServices } from '../../main/services/index';
import type { Services } from '../../main/services/index';
import { createLog } from '../../main/services/log';
import { repoRoot } from '../helpers/media';

const sampleDir = path.join(repoRoot, 'dist/sample');
const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-initial-'));
const log = createLog(null, { quiet: true });

beforeAll(() => {
  if (!existsSync(path.join(sampleDir, 'sample.cleanplate'))) spawnSync('flock', ['/tmp/cleanplate-build.lock', process.execPath, 'scripts/build.mjs', 'sample'], { cwd: repoRoot, stdio: 'inherit' });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function withServices<T>(userData: string, run: (s: Services) => Promise<T>, openAtStartup: string | null = null): Promise<T> {
  const services = await createServices({
    host: 'web',
    appVersion: '0.1.0',
    userDataDir: userData,
    sampleDir,
    emit: () => undefined,
    launchEngine: () => {
      throw new Error('no engine needed');
    },
    dialogs: null,
    log,
    openAtStartup: () => openAtStartup,
  });
  try {
    return await run(services);
  } finally {
    await services.dispose();
  }
}

async function value<T>(s: Services, channel: string, args: unknown = {}): Promise<T> {
  const envelope = await s.dispatch(channel, args);
  if (!envelope.ok) throw new Error(envelope.error.message);
  return envelope.value as T;
}

describe('app.initialState', () => {
  const userData = path.join(base, 'user');
  let saved: string;

  it('opens the bundled sample on a fresh profile, as an unsaved project on a copy of its clip', async () => {
    await withServices(userData, async (s) => {
      const initial = await value<InitialState>(s, 'app.initialState');
      expect(initial.recovery).toEqual([]);
      const { project } = initial;
      expect(project.path).toBeNull();
      expect(project.notice).toBeNull();
      expect(project.doc.layers.map((l) => l.name)).toEqual(['Ball']);
      expect(project.doc.source.path).toBe(path.join(s.paths.cache, 'sample', 'sample.mp4'));
      expect(project.media).toMatchObject({ probe: { width: 640, height: 360, frameCount: 100 }, proxy: { width: 640, height: 360 } });
      const { ref } = await value<{ ref: string }>(s, 'media.frame', { mediaId: project.media.mediaId, index: 42 });
      expect(existsSync(path.join(s.paths.cache, ref))).toBe(true);
      saved = (await value<{ path: string }>(s, 'project.save', { doc: project.doc, path: path.join(base, 'my sample.cleanplate') })).path;
    });
  });

  it('reopens the last project on the next start', async () => {
    await withServices(userData, async (s) => {
      const { project } = await value<InitialState>(s, 'app.initialState');
      expect(project.path).toBe(saved);
      expect(project.doc.source.relativePath).not.toBeNull();
      expect((await value<Array<{ path: string }>>(s, 'project.recent'))[0]!.path).toBe(saved);
    });
  });

  it('opens a project the OS asked for', async () => {
    const other = await withServices(path.join(base, 'other'), async (s) => {
      const sample = await value<OpenedProject>(s, 'project.openSample');
      return (await value<{ path: string }>(s, 'project.save', { doc: { ...sample.doc, range: { in: 5, out: 50 } }, path: path.join(base, 'from-os.cleanplate') })).path;
    });
    await withServices(userData, async (s) => {
      const { project } = await value<InitialState>(s, 'app.initialState');
      expect(project.path).toBe(other);
      expect(project.doc.range).toEqual({ in: 5, out: 50 });
    }, other);
  });

  it('falls back to the sample, saying why, when the last project cannot be opened', async () => {
    await withServices(userData, async (s) => {
      const { project } = await value<InitialState>(s, 'app.initialState');
      expect(project.path).not.toBeNull(); // from-os.cleanplate is the most recent now
    });
    rmSync(path.join(base, 'from-os.cleanplate'));
    rmSync(saved);
    await withServices(userData, async (s) => {
      const { project } = await value<InitialState>(s, 'app.initialState');
      expect(project.path).toBeNull();
      expect(project.notice).toBeNull(); // deleted projects simply drop off the recent list
    });
  });

  it('falls back to the sample with a notice when the last project is there but cannot be opened', async () => {
    const userData2 = path.join(base, 'broken');
    const broken = await withServices(userData2, async (s) => {
      const sample = await value<OpenedProject>(s, 'project.openSample');
      const doc = { ...sample.doc, source: { ...sample.doc.source, path: path.join(base, 'nowhere.mp4') } };
      return (await value<{ path: string }>(s, 'project.save', { doc, path: path.join(base, 'broken.cleanplate') })).path;
    });
    await withServices(userData2, async (s) => {
      const { project } = await value<InitialState>(s, 'app.initialState');
      expect(project.path).toBeNull();
      expect(project.notice).toBe(`Could not reopen broken.cleanplate: The project's source video ${path.join(base, 'nowhere.mp4')} is missing; put it back, or keep it next to the project file, and open the project again.`);
    });
    expect(existsSync(broken)).toBe(true); // never touched
  });
});
