// Project files on a real disk: atomic save (nothing half-written, the original intact when the
// disk refuses), opening with clear one-line errors for broken/newer/foreign files, the source video
// found next to a moved project, the recent list, and autosaves offered only after a crash.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, statSync, utimesSync } from 'node:fs';
import WebSocket from 'ws';
import { MAX_DOCUMENT_BYTES } from '../../common/contract/define';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaInfo } from '../../common/contract/types';
import { CURRENT_PROJECT_VERSION } from '../../common/project/schema';
import type { ProjectDoc } from '../../common/project/schema';
import { probeMedia } from '../../main/media/index';
import { createLog } from '../../main/services/log';
import { WriteAccess } from '../../main/services/write-access';
import { ProjectStore } from '../../main/services/project-store';
import type { MediaOpener } from '../../main/services/project-store';
import { RECENT_LIMIT, RecentProjects } from '../../main/services/recent-projects';
import { SessionRecovery } from '../../main/services/recovery';
import { makeClip, repoRoot } from '../helpers/media';

const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-store-'));
const log = createLog(null, { quiet: true });
let clip: string;

// Opening a project needs its media opened; probing the real file is what matters here.
const media: MediaOpener = {
  async open(videoPath): Promise<MediaInfo> {
    const probe = await probeMedia(videoPath);
    return { mediaId: 'abcdef012345', probe, proxy: { width: probe.width, height: probe.height } };
  },
};

async function makeStore(userData: string) {
  const recovery = new SessionRecovery(path.join(userData, 'autosave'), userData, log);
  await recovery.start();
  const recent = new RecentProjects(path.join(userData, 'recent.json'), log);
  const store = new ProjectStore({ media, recent, recovery, sampleDir: path.join(base, 'no-sample'), sampleCopyDir: path.join(userData, 'cache', 'sample'), appVersion: '0.1.0', log, access: new WriteAccess('typed') });
  return { store, recent, recovery };
}

beforeAll(() => {
  clip = makeClip('store', { width: 160, height: 96, frames: 12 });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function newDoc(store: ProjectStore, video = clip): Promise<ProjectDoc> {
  return (await store.newFromVideo(video)).doc;
}

function tempFilesIn(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.tmp'));
}

/** A small tmpfs, when this machine lets the test mount one (root in a container that allows it). */
function mountTmpfs(dir: string, options: string): boolean {
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() !== 0) return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status === 0;
}

describe('saving', () => {
  it('writes the project atomically with the source path relative to it', async () => {
    const { store, recent } = await makeStore(path.join(base, 'u-save'));
    const doc = await newDoc(store);
    const dir = path.join(base, 'projects');
    mkdirSync(dir, { recursive: true });
    const { path: saved } = await store.save(doc, path.join(dir, 'shot 1'));
    expect(saved).toBe(path.join(dir, 'shot 1.cleanplate'));
    const json = JSON.parse(readFileSync(saved, 'utf8'));
    expect(json.format).toBe('cleanplate');
    expect(json.source.path).toBe(clip);
    expect(json.source.relativePath).toBe(path.relative(dir, clip).split(path.sep).join('/'));
    expect(tempFilesIn(dir)).toEqual([]);
    expect((await recent.list())[0]).toMatchObject({ path: saved, name: 'shot 1' });
  });

  it('refuses a folder that does not exist, with one line naming it, and writes nothing', async () => {
    const { store } = await makeStore(path.join(base, 'u-missing'));
    const doc = await newDoc(store);
    const target = path.join(base, 'nowhere', 'deeper', 'x.cleanplate');
    await expect(store.save(doc, target)).rejects.toThrow(`Cannot write x.cleanplate: the folder ${path.dirname(target)} does not exist; choose another location.`);
    expect(existsSync(path.dirname(target))).toBe(false);
  });

  it('refuses an unwritable folder and leaves the existing project intact', async (ctx) => {
    const { store } = await makeStore(path.join(base, 'u-ro'));
    const doc = await newDoc(store);
    const dir = path.join(base, 'readonly');
    const asRoot = process.getuid?.() === 0;
    if (asRoot && !mountTmpfs(dir, 'ro,size=64k')) ctx.skip(); // root ignores permissions; a read-only mount is the only real refusal
    if (!asRoot) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'p.cleanplate'), 'original');
      spawnSync('chmod', ['555', dir]);
    }
    try {
      await expect(store.save(doc, path.join(dir, 'p.cleanplate'))).rejects.toThrow(`Cannot write to ${dir}: the folder is not writable; choose another location.`);
      if (!asRoot) expect(readFileSync(path.join(dir, 'p.cleanplate'), 'utf8')).toBe('original');
      expect(tempFilesIn(dir)).toEqual([]);
    } finally {
      if (asRoot) spawnSync('umount', [dir]);
      else spawnSync('chmod', ['755', dir]);
    }
  });

  it('keeps the original and leaves no temporary file when the disk fills up mid-save', async (ctx) => {
    const { store } = await makeStore(path.join(base, 'u-full'));
    const dir = path.join(base, 'full');
    if (!mountTmpfs(dir, 'size=64k')) ctx.skip(); // needs a tiny filesystem to fill for real
    try {
      const doc = await newDoc(store);
      await store.save(doc, path.join(dir, 'p.cleanplate'));
      const original = readFileSync(path.join(dir, 'p.cleanplate'), 'utf8');
      // Fill what is left, then try to save a document bigger than the free space.
      spawnSync('dd', ['if=/dev/zero', `of=${path.join(dir, 'filler')}`, 'bs=4k', 'count=100']);
      const big: ProjectDoc = { ...doc, layers: [{ id: 'b', name: 'Brush', kind: 'brush', visible: true, locked: false, mode: 'add', invert: false, feather: 0, dilation: 0, color: '#ff3b30', activeRange: null, strokes: Array.from({ length: 200 }, (_, i) => ({ id: `s${i}`, frame: 0, hold: 1, mode: 'paint' as const, radius: 5, hardness: 1, points: Array.from({ length: 60 }, (_, j) => j) })) }] };
      await expect(store.save(big, path.join(dir, 'p.cleanplate'))).rejects.toThrow(`The disk is full while writing ${path.join(dir, 'p.cleanplate')}; free some space and try again.`);
      expect(readFileSync(path.join(dir, 'p.cleanplate'), 'utf8')).toBe(original);
      expect(tempFilesIn(dir)).toEqual([]);
      expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
    } finally {
      spawnSync('umount', [dir]);
    }
  });
});

describe('opening', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['broken.cleanplate', '{"format": "cleanplate", "version": 2, ', /^broken\.cleanplate is not a Cleanplate project \(it is not valid JSON\); choose a \.cleanplate file saved by Cleanplate\.$/],
    ['foreign.cleanplate', '{"name": "some other app"}', /^foreign\.cleanplate is not a Cleanplate project \(no "format": "cleanplate"\)/],
    ['newer.cleanplate', '{"format": "cleanplate", "version": 99}', /^newer\.cleanplate cannot be opened: .*newer.*update Cleanplate/i],
  ];

  it.each(cases)('refuses %s with one clear line', async (name, text, message) => {
    const { store } = await makeStore(path.join(base, 'u-open'));
    const file = path.join(base, name);
    writeFileSync(file, text);
    const err = await store.open(file).catch((e) => e);
    expect(err.name).toBe('UserError');
    expect(err.code).toBe('bad-input');
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
  });

  it('names the field that is wrong', async () => {
    const { store } = await makeStore(path.join(base, 'u-open'));
    const doc = await newDoc(store);
    const file = path.join(base, 'bad-range.cleanplate');
    writeFileSync(file, JSON.stringify({ ...doc, range: { in: 0, out: 500 } }));
    await expect(store.open(file)).rejects.toThrow(/^bad-range\.cleanplate cannot be opened: .*range.*out.*11/);
  });

  it('opens a pre-release (version 1) project by migrating it', async () => {
    const { store } = await makeStore(path.join(base, 'u-open'));
    const file = path.join(base, 'old.cleanplate');
    const v1 = {
      format: 'cleanplate',
      version: 1,
      source: { path: clip, width: 160, height: 96, fps: 25, frameCount: 12 },
      range: { in: 1, out: 10 },
      layers: [{ id: 'a', name: 'Paint', type: 'brush', visible: true, mode: 'add', strokes: [{ id: 'st', frame: 2, mode: 'paint', radius: 6, points: [5, 5, 60, 70] }] }],
    };
    writeFileSync(file, JSON.stringify(v1));
    const opened = await store.open(file);
    expect(opened.doc.version).toBe(CURRENT_PROJECT_VERSION);
    expect(opened.doc.source.fps).toEqual({ num: 25, den: 1 });
    expect(opened.doc.layers[0]).toMatchObject({ kind: 'brush', strokes: [{ hold: 1, hardness: 1 }] });
    expect(opened.doc.range).toEqual({ in: 1, out: 10 });
  });

  it('says when the project file does not exist', async () => {
    const { store } = await makeStore(path.join(base, 'u-open'));
    await expect(store.open(path.join(base, 'gone.cleanplate'))).rejects.toThrow(`${path.join(base, 'gone.cleanplate')} does not exist; check the path or choose the project again.`);
  });

  it('finds the source next to a moved project, and says so', async () => {
    const { store } = await makeStore(path.join(base, 'u-move'));
    const first = path.join(base, 'move-a');
    mkdirSync(first, { recursive: true });
    copyFileSync(clip, path.join(first, 'clip.mp4'));
    const { path: saved } = await store.save(await newDoc(store, path.join(first, 'clip.mp4')), path.join(first, 'p.cleanplate'));
    // The folder moves (both files); the stored absolute path is now wrong.
    const second = path.join(base, 'move-b');
    mkdirSync(second, { recursive: true });
    copyFileSync(saved, path.join(second, 'p.cleanplate'));
    copyFileSync(path.join(first, 'clip.mp4'), path.join(second, 'clip.mp4'));
    rmSync(first, { recursive: true });
    const opened = await store.open(path.join(second, 'p.cleanplate'));
    expect(opened.doc.source.path).toBe(path.join(second, 'clip.mp4'));
    expect(opened.notice).toContain(`found next to the project at ${path.join(second, 'clip.mp4')}`);
    rmSync(path.join(second, 'clip.mp4'));
    await expect(store.open(path.join(second, 'p.cleanplate'))).rejects.toThrow(/source video .*clip\.mp4 is missing/);
  });
});

describe('recent projects', () => {
  it(`keeps the newest ${RECENT_LIMIT}, once each, and forgets deleted files`, async () => {
    const userData = path.join(base, 'u-recent');
    mkdirSync(userData, { recursive: true });
    const recent = new RecentProjects(path.join(userData, 'recent.json'), log);
    const files = Array.from({ length: 12 }, (_, i) => path.join(userData, `p${i}.cleanplate`));
    for (const f of files) {
      writeFileSync(f, '{}');
      await recent.add(f);
    }
    await recent.add(files[3]!);
    const list = await recent.list();
    expect(list.map((r) => r.name)).toEqual(['p3', 'p11', 'p10', 'p9', 'p8', 'p7', 'p6', 'p5', 'p4', 'p2']);
    rmSync(files[11]!);
    expect((await recent.list()).map((r) => r.name)).not.toContain('p11');
    writeFileSync(path.join(userData, 'recent.json'), '{ damaged');
    expect(await recent.list()).toEqual([]);
  });
});

describe('autosave and recovery', () => {
  it('offers nothing after a clean exit', async () => {
    const userData = path.join(base, 'u-clean');
    const a = await makeStore(userData);
    await a.store.autosave(await newDoc(a.store), null);
    await a.recovery.end();
    const b = await makeStore(userData);
    expect(b.recovery.pendingOffers()).toEqual([]);
    expect(readdirSync(path.join(userData, 'autosave'))).toEqual([]);
  });

  it("does not offer a live session's autosaves", async () => {
    const userData = path.join(base, 'u-live');
    const a = await makeStore(userData);
    const doc = await newDoc(a.store);
    await a.store.autosave(doc, null);
    const b = await makeStore(userData); // a is still alive (same pid, different session)
    expect(b.recovery.pendingOffers()).toEqual([]);
  });

  it('refuses a project file larger than any real project without reading it', async () => {
    const { store } = await makeStore(path.join(base, 'u-huge'));
    const huge = path.join(base, 'huge.cleanplate');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, MAX_DOCUMENT_BYTES + 1); // sparse: nothing is written
    closeSync(fd);
    await expect(store.open(huge)).rejects.toThrow(`huge.cleanplate is 32 MB, larger than any Cleanplate project (at most 32 MB); choose a .cleanplate file saved by Cleanplate.`);
  });

  it('offers a reloaded page what it autosaved, and no other page', async () => {
    const userData = path.join(base, 'u-reload');
    const { store, recovery } = await makeStore(userData);
    const doc = { ...(await newDoc(store)), range: { in: 3, out: 7 } };
    await store.autosave(doc, null, 'tab-a');
    await store.autosave({ ...doc, range: { in: 4, out: 7 } }, null, 'tab-b'); // another tab, still open
    const offers = await recovery.offersFor('tab-a');
    expect(offers).toHaveLength(1);
    expect(offers[0]).toMatchObject({ reason: 'reload', projectPath: null, projectSavedAt: null });
    expect(await recovery.offersFor(null)).toEqual([]);
    expect(recovery.pendingOffers()).toEqual([]); // nothing crashed
    const recovered = await store.recover(offers[0]!.id);
    expect(recovered.doc.range).toEqual({ in: 3, out: 7 });
    // Still this session's autosave: offered again on the next reload until saved or discarded.
    expect(await recovery.offersFor('tab-a')).toHaveLength(1);
    await recovery.discard(offers[0]!.id);
    expect(await recovery.offersFor('tab-a')).toEqual([]);
    expect(await recovery.offersFor('tab-b')).toHaveLength(1);
    await recovery.end();
  });

  it('after a crash: drops an autosave holding exactly the saved work, and says when the project was saved', async () => {
    const userData = path.join(base, 'u-after-save');
    const { store: setup } = await makeStore(path.join(base, 'u-after-save-setup'));
    const doc = await newDoc(setup);
    const dir = path.join(base, 'after-save');
    mkdirSync(dir, { recursive: true });
    const same = (await setup.save(doc, path.join(dir, 'same'))).path;
    const edited = (await setup.save(doc, path.join(dir, 'edited'))).path;
    // A session that is gone (no lock) autosaved both after they were saved: one raced the save and
    // holds the saved work, the other holds an edit made after the save.
    const autosaveDir = path.join(userData, 'autosave');
    mkdirSync(autosaveDir, { recursive: true });
    const later = new Date(Date.now() + 2_000).toISOString();
    const write = (name: string, projectPath: string, d: ProjectDoc) =>
      writeFileSync(path.join(autosaveDir, `${name}.json`), JSON.stringify({ format: 'cleanplate-autosave', sessionId: 'gone', clientId: 'tab', projectPath, name: path.basename(projectPath), autosavedAt: later, doc: d }));
    write('gone-tab-same', same, doc);
    write('gone-tab-edited', edited, { ...doc, range: { in: 1, out: 5 } });
    const { recovery } = await makeStore(userData);
    const offers = recovery.pendingOffers();
    expect(offers.map((o) => o.projectPath)).toEqual([edited]);
    expect(offers[0]).toMatchObject({ reason: 'crash', projectSavedAt: new Date(statSync(edited).mtimeMs).toISOString() });
    expect(readdirSync(autosaveDir).sort()).toEqual(['gone-tab-edited.json']);
  });

  it('offers what a killed host autosaved, except projects saved since, and recovers it', async () => {
    const server = path.join(repoRoot, 'dist/host/server.cjs');
    if (!existsSync(server)) spawnSync('flock', ['/tmp/cleanplate-build.lock', process.execPath, 'scripts/build.mjs', 'host'], { cwd: repoRoot });
    const userData = path.join(base, 'u-crash');
    const { store: setup } = await makeStore(path.join(base, 'u-crash-setup'));
    const doc = await newDoc(setup);
    const dir = path.join(base, 'crash-projects');
    mkdirSync(dir, { recursive: true });
    const older = (await setup.save(doc, path.join(dir, 'older'))).path;
    const newer = (await setup.save(doc, path.join(dir, 'newer'))).path;
    const past = new Date(Date.now() - 60_000);
    utimesSync(older, past, past);

    // A real web host process holds the session lock and autosaves three documents...
    const host = spawn(process.execPath, [server], { env: { ...process.env, CLEANPLATE_PORT: '0', CLEANPLATE_USER_DATA: userData }, stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        host.stdout!.on('data', (d: Buffer) => {
          const m = /^(http:\/\/127\.0\.0\.1:\d+\/)\?token=(\S+)$/m.exec(d.toString());
          if (m) resolve(`${m[1]!}ws?token=${m[2]!}`);
        });
        host.once('exit', (code) => reject(new Error(`host exited with ${code}`)));
      });
      const ws = new WebSocket(url.replace('http', 'ws'));
      await new Promise((r) => ws.once('open', r));
      const call = (id: number, args: unknown) =>
        new Promise<unknown>((resolve) => {
          ws.on('message', (m) => {
            const reply = JSON.parse(m.toString());
            if (reply.id === id) resolve(reply.envelope);
          });
          ws.send(JSON.stringify({ id, channel: 'project.autosave', args }));
        });
      const edited = { ...doc, range: { in: 2, out: 9 } };
      expect(await call(1, { doc: edited, projectPath: null })).toEqual({ ok: true, value: { ok: true } });
      expect(await call(2, { doc: edited, projectPath: older })).toEqual({ ok: true, value: { ok: true } });
      expect(await call(3, { doc: edited, projectPath: newer })).toEqual({ ok: true, value: { ok: true } });
      ws.close();
    } finally {
      host.kill('SIGKILL'); // ...and dies without a clean exit.
      await new Promise((r) => (host.exitCode !== null || host.signalCode !== null ? r(null) : host.once('exit', r)));
    }
    // Saved again after the autosave: that autosave is stale.
    const later = new Date(Date.now() + 5_000);
    utimesSync(newer, later, later);

    const next = await makeStore(userData);
    const offers = next.recovery.pendingOffers();
    expect(offers.map((o) => o.projectPath).sort()).toEqual([null, older].sort());
    const fromOlder = offers.find((o) => o.projectPath === older)!;
    expect(fromOlder.name).toBe('older');
    const recovered = await next.store.recover(fromOlder.id);
    expect(recovered.path).toBe(older);
    expect(recovered.doc.range).toEqual({ in: 2, out: 9 });
    // Recovered work now belongs to this session: not offered again while it runs, kept until saved or closed.
    expect(next.recovery.pendingOffers().map((o) => o.projectPath)).toEqual([null]);
    const untitled = next.recovery.pendingOffers()[0]!;
    await next.recovery.discard(untitled.id);
    expect(next.recovery.pendingOffers()).toEqual([]);
    await next.recovery.end();
    expect(readdirSync(path.join(userData, 'autosave'))).toEqual([]);
  });
});
