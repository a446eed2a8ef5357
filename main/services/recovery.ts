/**
 * Autosave and crash recovery. Each running session holds a lock file `<userData>/sessions/<id>.lock`
 * (its pid) and autosaves unsaved work to `<userData>/autosave/<sessionId>-<project key>.json`.
 * A clean exit deletes the session's autosaves and its lock. At start-up, autosaves whose session is
 * no longer alive were left by a crash: they are offered for recovery, unless the project was saved
 * after the autosave was written (then the autosave is stale and removed).
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RecoveryOffer } from '../../common/contract/types';
import { UserError } from '../../common/errors';
import type { ProjectDoc } from '../../common/project/schema';
import { writeFileAtomic } from './atomic-file';
import type { Log } from './log';

interface AutosaveFile {
  format: 'cleanplate-autosave';
  sessionId: string;
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
  private offers: RecoveryOffer[] = [];

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
    for (const name of await fs.readdir(this.autosaveDir)) {
      const id = name.replace(/\.json$/, '');
      if (!name.endsWith('.json') || !ID.test(id)) continue;
      const file = path.join(this.autosaveDir, name);
      const saved = await readJson<AutosaveFile>(file);
      if (!saved || saved.format !== 'cleanplate-autosave') continue;
      if (live.has(saved.sessionId) || saved.sessionId === this.sessionId) continue;
      if (saved.projectPath && (await savedAfter(saved.projectPath, saved.autosavedAt))) {
        await fs.rm(file, { force: true });
        continue;
      }
      offers.push({ id, projectPath: saved.projectPath, name: saved.name, autosavedAt: saved.autosavedAt });
    }
    this.offers = offers.sort((a, b) => b.autosavedAt.localeCompare(a.autosavedAt));
    if (offers.length) this.log.info(`found ${offers.length} autosave(s) from a session that did not end cleanly`);
  }

  pendingOffers(): RecoveryOffer[] {
    return this.offers.map((o) => ({ ...o }));
  }

  async autosave(doc: ProjectDoc, projectPath: string | null): Promise<void> {
    const name = projectPath ? path.basename(projectPath).replace(/\.cleanplate$/i, '') : `${path.basename(doc.source.path).replace(/\.[^.]+$/, '')} (unsaved)`;
    const file: AutosaveFile = { format: 'cleanplate-autosave', sessionId: this.sessionId, projectPath: projectPath ? path.resolve(projectPath) : null, name, autosavedAt: new Date().toISOString(), doc };
    await writeFileAtomic(this.fileFor(projectPath), JSON.stringify(file));
  }

  /** The autosaved document of an offer; the autosave becomes this session's, so it is kept until saved or closed. */
  async recover(id: string): Promise<{ doc: unknown; projectPath: string | null }> {
    const offer = this.offers.find((o) => o.id === id);
    if (!offer) throw new UserError('not-found', 'That recovered project is no longer available.');
    const saved = await readJson<AutosaveFile>(path.join(this.autosaveDir, `${id}.json`));
    if (!saved) throw new UserError('not-found', 'The autosave for that project is gone or damaged; open the saved project instead.');
    const adopted: AutosaveFile = { ...saved, sessionId: this.sessionId };
    await writeFileAtomic(this.fileFor(saved.projectPath), JSON.stringify(adopted));
    await fs.rm(path.join(this.autosaveDir, `${id}.json`), { force: true });
    this.offers = this.offers.filter((o) => o.id !== id);
    return { doc: saved.doc, projectPath: saved.projectPath };
  }

  async discard(id: string): Promise<void> {
    if (!this.offers.some((o) => o.id === id)) throw new UserError('not-found', 'That recovered project is no longer available.');
    await fs.rm(path.join(this.autosaveDir, `${id}.json`), { force: true });
    this.offers = this.offers.filter((o) => o.id !== id);
  }

  /** After a save, this session's autosaves of that project (and of the untitled one it may have been) are stale. */
  async saved(projectPath: string): Promise<void> {
    await Promise.all([this.fileFor(projectPath), this.fileFor(null)].map((f) => fs.rm(f, { force: true })));
  }

  /** A clean exit: nothing of this session needs recovering. */
  async end(): Promise<void> {
    const prefix = `${this.sessionId}-`;
    for (const name of await fs.readdir(this.autosaveDir).catch(() => [] as string[])) {
      if (name.startsWith(prefix)) await fs.rm(path.join(this.autosaveDir, name), { force: true });
    }
    await fs.rm(path.join(this.sessionsDir, `${this.sessionId}.lock`), { force: true });
  }

  private fileFor(projectPath: string | null): string {
    return path.join(this.autosaveDir, `${this.sessionId}-${projectKey(projectPath)}.json`);
  }
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

async function savedAfter(projectPath: string, autosavedAt: string): Promise<boolean> {
  try {
    return (await fs.stat(projectPath)).mtimeMs >= Date.parse(autosavedAt);
  } catch {
    return false; // the project file is gone: the autosave is all there is
  }
}
