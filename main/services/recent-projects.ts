/**
 * Recently opened projects, newest first, at most ten, in `<userData>/recent.json` (written
 * atomically). A missing or damaged list is an empty list, never an error at start-up.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { RecentProject } from '../../common/contract/types';
import { writeFileAtomic } from './atomic-file';
import type { Log } from './log';

export const RECENT_LIMIT = 10;

const RecentFileSchema = z.object({
  projects: z.array(z.object({ path: z.string().min(1), name: z.string(), openedAt: z.string() })),
});

export class RecentProjects {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly log: Log,
    private readonly onChange: (list: RecentProject[]) => void = () => undefined,
  ) {}

  /** The list, without entries whose file no longer exists. */
  async list(): Promise<RecentProject[]> {
    const all = await this.read();
    const exists = await Promise.all(all.map((p) => fs.access(p.path).then(() => true, () => false)));
    return all.filter((_, i) => exists[i]);
  }

  add(projectPath: string, now = new Date()): Promise<void> {
    const abs = path.resolve(projectPath);
    const entry: RecentProject = { path: abs, name: path.basename(abs).replace(/\.cleanplate$/i, ''), openedAt: now.toISOString() };
    return this.update((list) => [entry, ...list.filter((p) => p.path !== abs)].slice(0, RECENT_LIMIT));
  }

  remove(projectPath: string): Promise<void> {
    const abs = path.resolve(projectPath);
    return this.update((list) => list.filter((p) => p.path !== abs));
  }

  private async read(): Promise<RecentProject[]> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch {
      return [];
    }
    try {
      const parsed = RecentFileSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data.projects.slice(0, RECENT_LIMIT);
    } catch {
      /* damaged: start over */
    }
    this.log.warn(`${this.file} is damaged; starting a new recent-projects list`);
    return [];
  }

  /** Read-modify-write, one at a time, so two quick opens never lose an entry. */
  private update(change: (list: RecentProject[]) => RecentProject[]): Promise<void> {
    this.writing = this.writing.then(async () => {
      const next = change(await this.read());
      try {
        await writeFileAtomic(this.file, `${JSON.stringify({ projects: next }, null, 2)}\n`);
        this.onChange(next);
      } catch (err) {
        this.log.warn('could not update the recent-projects list', err); // never fails the open/save itself
      }
    });
    return this.writing;
  }
}
