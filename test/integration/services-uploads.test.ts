// Uploaded files (the web host's imports/) that no project references are pruned, at start and when
// a project closes; the ones a project needs (open, recent, autosaved) and fresh ones stay.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { MediaInfo } from '../../common/contract/types';
import { probeMedia } from '../../main/media/index';
import { createLog } from '../../main/services/log';
import { ProjectStore } from '../../main/services/project-store';
import type { MediaOpener } from '../../main/services/project-store';
import { RecentProjects } from '../../main/services/recent-projects';
import { SessionRecovery } from '../../main/services/recovery';
import { UploadPruner } from '../../main/services/uploads';
import { WriteAccess } from '../../main/services/write-access';
import { makeClip } from '../helpers/media';
import { startWebServices } from '../helpers/services';

const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-uploads-'));
const log = createLog(null, { quiet: true });
afterAll(() => rmSync(base, { recursive: true, force: true }));

const media: MediaOpener = {
  async open(videoPath): Promise<MediaInfo> {
    const probe = await probeMedia(videoPath);
    return { mediaId: 'abcdef012345', probe, proxy: { width: probe.width, height: probe.height } };
  },
};

describe('UploadPruner', () => {
  it('removes uploads no project references at start and when a project closes; keeps open, recent, autosaved and fresh ones', async () => {
    const clip = makeClip('uploads', { width: 64, height: 48, frames: 4 });
    const userData = path.join(base, 'user');
    const imports = path.join(userData, 'imports');
    const hourAgo = Date.now() / 1000 - 3600;
    /** An upload as web-host.ts writes it, an hour old unless `fresh`. */
    const upload = (id: string, name: string, fresh = false) => {
      const dir = path.join(imports, id);
      mkdirSync(dir, { recursive: true });
      copyFileSync(clip, path.join(dir, name));
      if (!fresh) utimesSync(dir, hourAgo, hourAgo);
      return path.join(dir, name);
    };

    const recovery = new SessionRecovery(path.join(userData, 'autosave'), userData, log);
    await recovery.start();
    const recent = new RecentProjects(path.join(userData, 'recent.json'), log);
    let closed = 0;
    const store = new ProjectStore({
      media,
      recent,
      recovery,
      sampleDir: path.join(base, 'no-sample'),
      sampleCopyDir: path.join(userData, 'cache', 'sample'),
      appVersion: '0.1.0',
      log,
      access: new WriteAccess('typed'),
      onProjectClosed: () => closed++,
    });
    const pruner = new UploadPruner({ importsDir: imports, referencedFiles: () => store.referencedFiles(), log });

    // A project saved on an uploaded video (in the recent list), an unsaved one with an autosave.
    const saved = upload('mh1a2b3c-00000001', 'saved.mp4');
    const projects = path.join(base, 'projects');
    mkdirSync(projects, { recursive: true });
    const { path: savedProject } = await store.save((await store.newFromVideo(saved)).doc, path.join(projects, 'shot'));
    const autosaved = upload('mh1a2b3c-00000002', 'autosaved.mp4');
    await store.autosave((await store.newFromVideo(autosaved)).doc, null);
    const stale = upload('mh1a2b3c-00000003', 'stale.mp4');
    const fresh = upload('mh1a2b3c-00000004', 'fresh.mp4', true);
    const open = upload('mh1a2b3c-00000005', 'open.mp4');
    await store.newFromVideo(open);
    closed = 0;

    // At start: only the upload nothing references goes.
    expect(await pruner.prune()).toEqual([path.dirname(stale)]);
    for (const kept of [saved, autosaved, fresh, open]) expect(existsSync(kept), kept).toBe(true);

    // The unsaved project on `open` closes when the saved one is opened: its upload is pruned then.
    await store.open(savedProject);
    expect(closed).toBe(1);
    expect(await pruner.prune()).toEqual([path.dirname(open)]);
    for (const kept of [saved, autosaved, fresh]) expect(existsSync(kept), kept).toBe(true);

    // Past its grace period, an unreferenced fresh upload goes too.
    expect(await pruner.prune(Date.now() + 3600_000)).toEqual([path.dirname(fresh)]);
    expect(existsSync(saved) && existsSync(autosaved)).toBe(true);
  });
});

describe('the services', () => {
  it('prune stale uploads when they start and when a project closes, and keep the one a saved project uses', async () => {
    const clip = makeClip('uploads', { width: 64, height: 48, frames: 4 });
    const userData = path.join(base, 'services');
    const hourAgo = Date.now() / 1000 - 3600;
    const upload = (id: string, fresh = false) => {
      const dir = path.join(userData, 'imports', id);
      mkdirSync(dir, { recursive: true });
      copyFileSync(clip, path.join(dir, 'clip.mp4'));
      if (!fresh) utimesSync(dir, hourAgo, hourAgo);
      return path.join(dir, 'clip.mp4');
    };
    const start = () => startWebServices(userData);
    const kept = upload('mh1a2b3c-0000000a', true); // just dropped: within the grace period
    const stale = upload('mh1a2b3c-0000000b');
    let services = await start();
    try {
      const opened = await services.dispatch('project.newFromVideo', { videoPath: kept });
      if (!opened.ok) throw new Error(opened.error.message);
      const saved = await services.dispatch('project.save', { doc: (opened.value as { doc: unknown }).doc as never, path: path.join(base, 'services-shot.cleanplate') });
      expect(saved.ok).toBe(true);
      utimesSync(path.dirname(kept), hourAgo, hourAgo); // from now on only the saved project keeps it
      await vi.waitFor(() => expect(existsSync(stale)).toBe(false)); // pruned at start
      // An unsaved project on another upload closes when the saved one is opened: its upload goes.
      const unsaved = upload('mh1a2b3c-0000000c');
      expect((await services.dispatch('project.newFromVideo', { videoPath: unsaved })).ok).toBe(true);
      expect((await services.dispatch('project.open', { path: path.join(base, 'services-shot.cleanplate') })).ok).toBe(true);
      await vi.waitFor(() => expect(existsSync(unsaved)).toBe(false));
      expect(existsSync(kept)).toBe(true);
    } finally {
      await services.dispose();
    }
    // The next start keeps what the recent project uses.
    services = await start();
    await services.dispose();
    expect(existsSync(kept)).toBe(true);
  });
});
