/**
 * Atomic small-file writes (projects, autosaves, recent list): the bytes go to a temporary file in
 * the target's own folder (same filesystem, so rename is atomic), are fsynced, then renamed over the
 * target. A crash or a full disk leaves either the old file or the new one, never half of either,
 * and no temporary file behind.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../common/errors';
import { removeStaleTemporariesOf } from '../media/index';

/** One clear line for the filesystem errors a person can fix; null for the ones they cannot. */
export function describeWriteError(err: unknown, target: string): UserError | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const folder = path.dirname(target);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new UserError('io', `Cannot write to ${folder}: the folder is not writable; choose another location.`);
    case 'ENOENT':
    case 'ENOTDIR':
      return new UserError('io', `Cannot write ${path.basename(target)}: the folder ${folder} does not exist; choose another location.`);
    case 'ENOSPC':
    case 'EDQUOT':
      return new UserError('io', `The disk is full while writing ${target}; free some space and try again.`);
    case 'EISDIR':
      return new UserError('io', `Cannot write ${target}: a folder with that name exists; choose another file name.`);
    default:
      return null;
  }
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  // The pid in the name tells a later run whether the writer is gone (media/stale-files.ts).
  await removeStaleTemporariesOf(target);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: fs.FileHandle | null = null;
  try {
    handle = await fs.open(tmp, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = null;
    await fs.rename(tmp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw describeWriteError(err, target) ?? err;
  }
  // Persist the rename itself; not every platform can open a folder for fsync (Windows cannot).
  try {
    const dir = await fs.open(path.dirname(target), 'r');
    await dir.sync().finally(() => dir.close());
  } catch {
    /* best effort */
  }
}
