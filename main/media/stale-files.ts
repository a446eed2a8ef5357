/**
 * Temporary files of processes that were killed. Everything Cleanplate writes goes to a temporary
 * name carrying the writer's pid (`.clean.4711.partial.mp4`, `.shot.cleanplate.4711.1a2b3c4d.tmp`,
 * `000042.jpg.4711.1a2b3c4d.tmp`, `<id>.4711.partial`) and is renamed when complete. A `kill -9`
 * leaves the temporary behind; these functions remove such leftovers once their writer is gone:
 * in the app's own folders at start, and next to a target before it is written again.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** Whether a process with this id is running (EPERM: it is, under another user). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The writer's pid in one of our temporary names, or null for any other name. */
export function temporaryWriter(name: string): number | null {
  const m =
    /\.(\d{1,10})\.(?:partial|rotate)(?:\.[A-Za-z0-9]{1,8})?$/.exec(name) ?? // exports, encoders, staging folders
    /\.(\d{1,10})\.[0-9a-f]{8}\.tmp$/.exec(name) ?? // atomic small files, cache frames
    /\.(\d{1,10})\.tmp$/.exec(name) ?? // copies (the sample clip)
    /^\.cleanplate-write-test-(\d{1,10})-[0-9a-f]{8}$/.exec(name); // output folder checks
  return m ? Number(m[1]) : null;
}

/**
 * Removes the entries of `dir` that are temporaries of dead processes and that `belongs` accepts
 * (default: any of our temporary names). Returns what it removed; a folder that cannot be read is
 * skipped, since leftovers are never worth failing the work for.
 */
export async function removeStaleTemporaries(dir: string, belongs: (name: string) => boolean = () => true): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = temporaryWriter(name);
    if (pid === null || pid === process.pid || isProcessAlive(pid) || !belongs(name)) continue;
    const file = path.join(dir, name);
    await rm(file, { recursive: true, force: true }).catch(() => undefined);
    removed.push(file);
  }
  return removed;
}

/** Leftovers of earlier writes of `target` (only its own temporary names, never another file). */
export function removeStaleTemporariesOf(target: string): Promise<string[]> {
  const abs = path.resolve(target);
  const base = path.basename(abs);
  const ext = path.extname(abs);
  const stem = path.basename(abs, ext);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const own = new RegExp(`^(?:\\.${escape(stem)}\\.\\d+\\.(?:partial|rotate)${escape(ext)}|\\.${escape(base)}\\.\\d+\\.[0-9a-f]{8}\\.tmp)$`);
  return removeStaleTemporaries(path.dirname(abs), (name) => own.test(name));
}
