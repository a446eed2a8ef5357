// Where the untrusted renderer may have the host write (issue 12, item 7). Under Electron: only
// paths a native dialog returned in this session or paths in the open project's folder; in the web
// host only absolute paths (typed into the page's dialogs). NUL bytes and relative paths are
// invalid arguments everywhere, before any handler runs.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedProject } from '../../common/contract/types';
import { createServices } from '../../main/services/index';
import type { NativeDialogs, Services } from '../../main/services/index';
import { createLog } from '../../main/services/log';
import { WriteAccess } from '../../main/services/write-access';
import { makeClip } from '../helpers/media';

const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-write-'));
const log = createLog(null, { quiet: true });
let next: string | null = null;
const dialogs: NativeDialogs = {
  openVideo: async () => next,
  openProject: async () => next,
  saveProject: async () => next,
  chooseFolder: async () => next,
  saveExport: async () => next,
  chooseMasks: async () => next,
};

function servicesWith(d: NativeDialogs | null): Promise<Services> {
  return createServices({
    host: d ? 'electron' : 'web',
    appVersion: '0.1.0',
    userDataDir: path.join(base, d ? 'user-electron' : 'user-web'),
    sampleDir: path.join(base, 'no-sample'),
    emit: () => undefined,
    launchEngine: () => {
      throw new Error('no engine in this test');
    },
    dialogs: d,
    log,
  });
}

async function ok<T>(s: Services, channel: string, args: unknown): Promise<T> {
  const e = await s.dispatch(channel, args);
  if (!e.ok) throw new Error(e.error.message);
  return e.value as T;
}

let electron: Services;
let web: Services;
let clip: string;
beforeAll(async () => {
  clip = makeClip('write-access', { width: 64, height: 48, frames: 4 });
  electron = await servicesWith(dialogs);
  web = await servicesWith(null);
});
afterAll(async () => {
  await electron?.dispose();
  await web?.dispose();
  rmSync(base, { recursive: true, force: true });
});

describe('write access', () => {
  it('refuses NUL bytes and relative paths as invalid arguments on every path argument', async () => {
    for (const s of [electron, web]) {
      for (const [channel, args] of [
        ['project.open', { path: '/tmp/x\0.cleanplate' }],
        ['project.open', { path: 'relative/x.cleanplate' }],
        ['media.probe', { path: '../clip.mp4' }],
        ['models.import', { dir: 'models' }],
      ] as const) {
        const e = await s.dispatch(channel, args);
        expect(e.ok, `${channel} ${JSON.stringify(args)}`).toBe(false);
        expect(!e.ok && e.error.code).toBe('invalid-args');
      }
      const nul = await s.dispatch('project.open', { path: '/tmp/x\0.cleanplate' });
      expect(!nul.ok && nul.error.message).toMatch(/path: a path cannot contain NUL bytes/);
    }
  });

  it('under Electron, saves only where a dialog pointed or into the open project folder', async () => {
    const opened = await ok<OpenedProject>(electron, 'project.newFromVideo', { videoPath: clip });
    const elsewhere = path.join(base, 'autostart', 'evil.cleanplate');
    mkdirSync(path.dirname(elsewhere), { recursive: true });
    const refused = await electron.dispatch('project.save', { doc: opened.doc, path: elsewhere });
    expect(refused).toEqual({ ok: false, error: { code: 'bad-input', message: expect.stringContaining('Cleanplate writes only where you chose in a save dialog or next to the open project') } });
    expect(existsSync(elsewhere)).toBe(false);

    // The dialog returns a name without the extension; the host adds it and the grant still holds.
    const chosen = path.join(base, 'projects', 'shot');
    mkdirSync(path.dirname(chosen), { recursive: true });
    next = chosen;
    expect(await ok(electron, 'dialog.saveProject', { suggestedName: 'shot' })).toEqual({ path: chosen });
    expect(await ok(electron, 'project.save', { doc: opened.doc, path: chosen })).toEqual({ path: `${chosen}.cleanplate` });
    // Now that project is open: its folder takes more files, and others stay refused.
    expect(await ok(electron, 'project.save', { doc: opened.doc, path: path.join(base, 'projects', 'shot-v2.cleanplate') })).toEqual({ path: path.join(base, 'projects', 'shot-v2.cleanplate') });
    expect((await electron.dispatch('project.save', { doc: opened.doc, path: elsewhere })).ok).toBe(false);

    // Mask export and video export: only a dialog's folder/file (or the project folder).
    const outside = path.join(base, 'anywhere', 'masks');
    const masks = await electron.dispatch('mask.exportSequence', { doc: opened.doc, dir: outside });
    expect(!masks.ok && masks.error.message).toMatch(/writes only where you chose/);
    expect(existsSync(outside)).toBe(false);
    const video = await electron.dispatch('export.start', { renderId: 'r123', path: path.join(base, 'anywhere', 'clean.mp4'), format: 'h264', crf: 18 });
    expect(!video.ok && video.error.message).toMatch(/writes only where you chose/);
  });

  it('in the web host, writes any absolute path the page sends (typed by the person holding the secret)', async () => {
    const opened = await ok<OpenedProject>(web, 'project.newFromVideo', { videoPath: clip });
    const target = path.join(base, 'typed', 'shot.cleanplate');
    mkdirSync(path.dirname(target), { recursive: true });
    expect(await ok(web, 'project.save', { doc: opened.doc, path: target })).toEqual({ path: target });
  });

  it('compares whole path segments, so a granted folder does not grant its look-alike siblings', () => {
    const access = new WriteAccess('dialogs');
    access.grant('/data/out');
    expect(() => access.check('/data/out/a.png')).not.toThrow();
    expect(() => access.check('/data/out')).not.toThrow();
    expect(() => access.check('/data/outside/a.png')).toThrow(/writes only where you chose/);
    expect(() => access.check('/data/out/../etc/passwd')).toThrow(/writes only where you chose/);
    access.projectOpened('/work/shot.cleanplate');
    expect(() => access.check('/work/renders/clean.mp4')).not.toThrow();
    expect(() => access.check('/workshop/clean.mp4')).toThrow();
  });
});
