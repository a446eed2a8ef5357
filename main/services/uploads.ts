/**
 * Files dropped on the web host's page are uploaded to `<userData>/imports/<upload id>/<name>` and
 * opened from there. Nothing else ever removes them, so the folders that no project references any
 * more are pruned: at start, and each time a project closes (another one is opened).
 *
 * "Referenced" (ProjectStore.referencedFiles): the open project, the recent projects and their
 * videos, and the videos of autosaves. A fresh upload is kept for a grace period whatever it holds:
 * the page opens it only after the upload has finished, and another host (Electron, a second web
 * host) may share the folder.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Log } from './log';

/** The name web-host.ts gives an upload's folder: base-36 time, a dash, 8 hex digits. */
const UPLOAD_FOLDER = /^[0-9a-z]{1,12}-[0-9a-f]{8}$/;
/** Uploads younger than this are never pruned. */
export const UPLOAD_GRACE_MS = 10 * 60_000;

export interface UploadPrunerOptions {
  importsDir: string;
  /** Files some project still needs. */
  referencedFiles(): Promise<string[]>;
  log: Log;
  graceMs?: number;
}

export class UploadPruner {
  private running: Promise<string[]> = Promise.resolve([]);

  constructor(private readonly o: UploadPrunerOptions) {}

  /** Removes the upload folders nothing references; one prune at a time. Resolves to what it removed. */
  prune(now = Date.now()): Promise<string[]> {
    this.running = this.running.then(
      () => this.pruneOnce(now),
      () => this.pruneOnce(now),
    );
    return this.running;
  }

  private async pruneOnce(now: number): Promise<string[]> {
    let names: string[];
    try {
      names = (await readdir(this.o.importsDir, { withFileTypes: true })).filter((e) => e.isDirectory() && UPLOAD_FOLDER.test(e.name)).map((e) => e.name);
    } catch {
      return []; // no uploads yet
    }
    if (!names.length) return [];
    const referenced = (await this.o.referencedFiles()).map((f) => path.resolve(f));
    const removed: string[] = [];
    for (const name of names) {
      const dir = path.join(path.resolve(this.o.importsDir), name);
      if (referenced.some((file) => file === dir || file.startsWith(dir + path.sep))) continue;
      const st = await stat(dir).catch(() => null);
      if (!st || now - st.mtimeMs < (this.o.graceMs ?? UPLOAD_GRACE_MS)) continue;
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
    if (removed.length) this.o.log.info(`removed ${removed.length} uploaded file(s) no project uses`);
    return removed;
  }
}
