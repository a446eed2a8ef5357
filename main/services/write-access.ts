/**
 * Where the renderer may have the host write. The renderer is untrusted: a compromised page must not
 * be able to drop a `.cleanplate` file into ~/.config/autostart or replace any video on the disk.
 * - Electron (native dialogs): a path a save/folder dialog returned in this session (and what lies
 *   under a chosen folder), or a path in the folder of the project that is open.
 * - Web host (no native dialogs): the person types absolute paths into the page's own dialogs, and
 *   only a client holding the per-run secret can send them (main/host/guard.ts), so any absolute path.
 * The contract's path schema has already refused relative paths and NUL bytes.
 */
import path from 'node:path';
import { UserError } from '../../common/errors';

export type WritePolicy = 'dialogs' | 'typed';

export class WriteAccess {
  private readonly granted = new Set<string>();
  private projectDir: string | null = null;

  constructor(readonly policy: WritePolicy) {}

  /** Records a path a native dialog returned (null: the person cancelled); returns it. */
  grant(chosen: string | null): string | null {
    if (chosen) this.granted.add(key(chosen));
    return chosen;
  }

  /** The open project's file (null for an unsaved one): writes into its folder are allowed. */
  projectOpened(file: string | null): void {
    this.projectDir = file ? key(path.dirname(file)) : null;
  }

  /**
   * Throws a one-line refusal unless `target` may be written. `stem` is the path before the host
   * added an extension (a project saved as "shot" is written as "shot.cleanplate").
   */
  check(target: string, stem: string = target): void {
    if (this.policy === 'typed') return;
    const t = key(target);
    const s = key(stem);
    const inside = (dir: string) => {
      const rel = path.relative(dir, t);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    };
    if (this.granted.has(t) || this.granted.has(s) || [...this.granted].some(inside)) return;
    if (this.projectDir && inside(this.projectDir)) return;
    throw new UserError('bad-input', `Cleanplate writes only where you chose in a save dialog or next to the open project; choose ${path.basename(target)}'s location with the dialog.`);
  }
}

/** Paths compared as the platform's file systems usually do (case-insensitive on Windows and macOS). */
function key(p: string): string {
  const abs = path.resolve(p);
  return process.platform === 'win32' || process.platform === 'darwin' ? abs.toLowerCase() : abs;
}
