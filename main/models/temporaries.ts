/**
 * The temporary names the model manager writes under, and their cleanup. Everything is written to a
 * temporary name and renamed when complete, so a kill -9 leaves only temporaries behind; each carries
 * the writing process's id, and the next start removes those whose process is gone (never those of a
 * live process: the app and the CLI may work on the same folder).
 *
 *   <file>.partial                 a download in progress: kept on purpose, the next download resumes it
 *   manifest.json.<pid>.tmp        a manifest being written
 *   .build-<pid>-<time>/           graphs being built (build.ts)
 *   <models>.import-<pid>-<time>/  a folder being imported, next to the models folder (import.ts)
 *   <models>.old-<pid>-<time>/     the folder an import replaced; put back if the import died before swapping
 */
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

const stamp = () => `${process.pid}-${Date.now()}`;

export const partialName = (file: string) => `${file}.partial`;
export const manifestTempName = (file: string) => `${file}.${process.pid}.tmp`;
export const buildStagingName = () => `.build-${stamp()}`;
export const importStagingPath = (modelsDir: string) => `${modelsDir}.import-${stamp()}`;
export const retiredPath = (modelsDir: string) => `${modelsDir}.old-${stamp()}`;

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

const INSIDE = [/^manifest\.json\.(\d+)\.tmp$/, /^\.build-(\d+)-\d+$/];

/**
 * Removes temporaries of dead processes in and next to `modelsDir`, and puts a models folder back
 * that an import moved aside but never replaced. Never throws: cleanup must not stop a start.
 */
export async function removeStaleTemporaries(modelsDir: string): Promise<void> {
  const dir = path.resolve(modelsDir);
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const beside = { import: new RegExp(`^${escaped}\\.import-(\\d+)-\\d+$`), old: new RegExp(`^${escaped}\\.old-(\\d+)-\\d+$`) };
  const dead = (m: RegExpExecArray | null) => m !== null && !processIsAlive(Number(m[1]));
  try {
    const exists = (p: string) => stat(p).then(() => true, () => false);
    for (const name of await readdir(parent).catch(() => [] as string[])) {
      if (dead(beside.import.exec(name))) await rm(path.join(parent, name), { recursive: true, force: true });
      else if (dead(beside.old.exec(name))) {
        if (await exists(dir)) await rm(path.join(parent, name), { recursive: true, force: true });
        else await rename(path.join(parent, name), dir);
      }
    }
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (INSIDE.some((re) => dead(re.exec(name)))) await rm(path.join(dir, name), { recursive: true, force: true });
    }
  } catch {
    // A folder we cannot list or clean is reported by the operation that follows.
  }
}
