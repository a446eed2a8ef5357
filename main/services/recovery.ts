/**
 * Autosave and recovery. Each running session holds a lock file `<userData>/sessions/<id>.lock`
 * (its pid) and autosaves unsaved work to `<userData>/autosave/<sessionId>-<client>-<project key>.json`,
 * where `client` names the page that wrote it (a browser tab or window, kept across its reloads).
 * A clean exit deletes the session's autosaves and its lock. Two things are offered for recovery:
 * - after a crash: autosaves whose session is no longer alive (`reason: 'crash'`);
 * - after a reload: this session's autosaves written by the same page before it reloaded
 *   (`reason: 'reload'`), which the session itself is still holding.
 * An autosave is not offered when the project was saved after it was written, or when it holds
 * exactly the saved project's work (an autosave can race a save): then it is stale and removed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RecoveryOffer } from '../../common/contract/types';
import { UserError } from '../../common/errors';
import { restore } from '../../common/project/restore';
import type { ProjectDoc } from '../../common/project/schema';
import { writeFileAtomic } from './atomic-file';
import type { Log } from './log';

interface AutosaveFile {
  format: 'cleanplate-autosave';
  sessionId: string;
  /** The page that wrote it (absent in autosaves of older versions). */
  clientId?: string | null;
  projectPath: string | null;
  name: string;
  autosavedAt: string;
  doc: unknown;
}

interface SessionLock {
  pid: number;
  sessionId: string;
  startedAt: string;
}

const ID = /^[a-zA-Z0-9_-]{1,80}$/;
/** A page's id as the renderer sends it (renderer/editor/background.ts). */
export const CLIENT_ID = /^[a-zA-Z0-9_-]{1,40}$/;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

function projectKey(projectPath: string | null): string {
  return projectPath ? createHash('sha1').update(path.resolve(projectPath)).digest('hex').slice(0, 16) : 'untitled';
}

export class SessionRecovery {
  readonly sessionId = randomBytes(6).toString('hex');
  private readonly sessionsDir: string;
  /** What crashed sessions left behind, found at start. */
  private crashed: RecoveryOffer[] = [];

  constructor(
    private readonly autosaveDir: string,
    userDataDir: string,
    private readonly log: Log,
  ) {
    this.sessionsDir = path.join(userDataDir, 'sessions');
  }

  /** Takes this session's lock and collects what crashed sessions left behind. */
  async start(): Promise<void> {
    await fs.mkdir(this.sessionsDir, { recursive: true });
    await fs.mkdir(this.autosaveDir, { recursive: true });
    const live = new Set<string>();
    for (const name of await fs.readdir(this.sessionsDir)) {
      if (!name.endsWith('.lock')) continue;
      const file = path.join(this.sessionsDir, name);
      const lock = await readJson<SessionLock>(file);
      if (lock && isAlive(lock.pid)) live.add(lock.sessionId);
      else await fs.rm(file, { force: true }); // its session ended without cleaning up
    }
    const lock: SessionLock = { pid: process.pid, sessionId: this.sessionId, startedAt: new Date().toISOString() };
    await writeFileAtomic(path.join(this.sessionsDir, `${this.sessionId}.lock`), JSON.stringify(lock));

    const offers: RecoveryOffer[] = [];
    for (const { id, saved } of await this.autosaves()) {
      if (live.has(saved.sessionId) || saved.sessionId === this.sessionId) continue;
      const offer = await this.offerFor(id, saved, 'crash');
      if (offer) offers.push(offer);
    }
    this.crashed = offers.sort((a, b) => b.autosavedAt.localeCompare(a.autosavedAt));
    if (offers.length) this.log.info(`found ${offers.length} autosave(s) from a session that did not end cleanly`);
  }

  /** Crash offers, without the reload offers of any page (for callers that have no page). */
  pendingOffers(): RecoveryOffer[] {
    return this.crashed.map((o) => ({ ...o }));
  }

  /**
   * What a page starting up may recover: what crashed sessions left, and what this same page
   * (`clientId`) autosaved before it was reloaded.
   */
  async offersFor(clientId: string | null): Promise<RecoveryOffer[]> {
    const reloaded: RecoveryOffer[] = [];
    if (clientId && CLIENT_ID.test(clientId))
      for (const { id, saved } of await this.autosaves()) {
        if (saved.sessionId !== this.sessionId || saved.clientId !== clientId) continue;
        const offer = await this.offerFor(id, saved, 'reload');
        if (offer) reloaded.push(offer);
      }
    return [...reloaded.sort((a, b) => b.autosavedAt.localeCompare(a.autosavedAt)), ...this.pendingOffers()];
  }

  async autosave(doc: ProjectDoc, projectPath: string | null, clientId: string | null = null): Promise<void> {
    const name = projectPath ? path.basename(projectPath).replace(/\.cleanplate$/i, '') : `${path.basename(doc.source.path).replace(/\.[^.]+$/, '')} (unsaved)`;
    const client = clientId && CLIENT_ID.test(clientId) ? clientId : null;
    const file: AutosaveFile = {
      format: 'cleanplate-autosave',
      sessionId: this.sessionId,
      clientId: client,
      projectPath: projectPath ? path.resolve(projectPath) : null,
      name,
      autosavedAt: new Date().toISOString(),
      doc,
    };
    await writeFileAtomic(this.fileFor(projectPath, client), JSON.stringify(file));
  }

  /** The autosaved document of an offer; the autosave becomes this session's, so it is kept until saved or closed. */
  async recover(id: string): Promise<{ doc: unknown; projectPath: string | null }> {
    const source = path.join(this.autosaveDir, `${id}.json`);
    const mine = this.isOwn(id);
    if (!mine && !this.crashed.some((o) => o.id === id)) throw new UserError('not-found', 'That recovered project is no longer available.');
    const saved = ID.test(id) ? await readJson<AutosaveFile>(source) : null;
    if (!saved) throw new UserError('not-found', 'The autosave for that project is gone or damaged; open the saved project instead.');
    if (!mine) {
      const adopted: AutosaveFile = { ...saved, sessionId: this.sessionId };
      const target = this.fileFor(saved.projectPath, saved.clientId ?? null);
      await writeFileAtomic(target, JSON.stringify(adopted));
      if (target !== source) await fs.rm(source, { force: true });
      this.crashed = this.crashed.filter((o) => o.id !== id);
    }
    return { doc: saved.doc, projectPath: saved.projectPath };
  }

  async discard(id: string): Promise<void> {
    if (!this.isOwn(id) && !this.crashed.some((o) => o.id === id)) throw new UserError('not-found', 'That recovered project is no longer available.');
    await fs.rm(path.join(this.autosaveDir, `${id}.json`), { force: true });
    this.crashed = this.crashed.filter((o) => o.id !== id);
  }

  /** After a save, this session's autosaves of that project (and of the untitled one it may have been) are stale, whichever page wrote them. */
  async saved(projectPath: string): Promise<void> {
    const keys = [projectKey(projectPath), projectKey(null)].map((k) => `-${k}.json`);
    for (const name of await fs.readdir(this.autosaveDir).catch(() => [] as string[]))
      if (name.startsWith(`${this.sessionId}-`) && keys.some((k) => name.endsWith(k))) await fs.rm(path.join(this.autosaveDir, name), { force: true });
  }

  /** A clean exit: nothing of this session needs recovering. */
  async end(): Promise<void> {
    const prefix = `${this.sessionId}-`;
    for (const name of await fs.readdir(this.autosaveDir).catch(() => [] as string[])) {
      if (name.startsWith(prefix)) await fs.rm(path.join(this.autosaveDir, name), { force: true });
    }
    await fs.rm(path.join(this.sessionsDir, `${this.sessionId}.lock`), { force: true });
  }

  /** The documents of every autosave on disk (any session), unparsed: what they point at must stay. */
  async autosavedDocs(): Promise<unknown[]> {
    return (await this.autosaves().catch(() => [])).map((a) => a.saved.doc);
  }

  private isOwn(id: string): boolean {
    return ID.test(id) && id.startsWith(`${this.sessionId}-`);
  }

  private fileFor(projectPath: string | null, clientId: string | null): string {
    return path.join(this.autosaveDir, `${this.sessionId}-${clientId ?? 'page'}-${projectKey(projectPath)}.json`);
  }

  private async autosaves(): Promise<{ id: string; saved: AutosaveFile }[]> {
    const found: { id: string; saved: AutosaveFile }[] = [];
    for (const name of await fs.readdir(this.autosaveDir)) {
      const id = name.replace(/\.json$/, '');
      if (!name.endsWith('.json') || !ID.test(id)) continue;
      const saved = await readJson<AutosaveFile>(path.join(this.autosaveDir, name));
      if (saved?.format === 'cleanplate-autosave') found.push({ id, saved });
    }
    return found;
  }

  /** The offer for an autosave, or null (and the file removed) when the saved project already holds its work. */
  private async offerFor(id: string, saved: AutosaveFile, reason: RecoveryOffer['reason']): Promise<RecoveryOffer | null> {
    const projectSavedAt = saved.projectPath ? await modifiedAt(saved.projectPath) : null;
    const stale = saved.projectPath && projectSavedAt && (projectSavedAt >= saved.autosavedAt || (await sameWork(saved.projectPath, saved.doc)));
    if (stale) {
      await fs.rm(path.join(this.autosaveDir, `${id}.json`), { force: true });
      return null;
    }
    return { id, projectPath: saved.projectPath, name: saved.name, autosavedAt: saved.autosavedAt, reason, projectSavedAt };
  }
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** The project file's modification time (ISO), or null when it is gone. */
async function modifiedAt(projectPath: string): Promise<string | null> {
  try {
    return new Date((await fs.stat(projectPath)).mtimeMs).toISOString();
  } catch {
    return null;
  }
}

/**
 * Whether an autosaved document holds exactly the work saved in the project file: the same range,
 * layers and settings (saving rewrites the source paths and the times, which are no work).
 */
async function sameWork(projectPath: string, autosaved: unknown): Promise<boolean> {
  const file = await readJson<unknown>(projectPath);
  const a = restore(file);
  const b = restore(autosaved);
  if (!a.ok || !b.ok) return false;
  const work = (d: ProjectDoc) => JSON.stringify([d.range, d.layers, d.engine, d.outpaint, d.export]);
  return work(a.doc) === work(b.doc);
}
