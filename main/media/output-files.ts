/**
 * Where outputs are written: checked up front, written under a temporary name next to the target,
 * renamed into place only when complete, removed on failure or cancel. A half-written export never
 * sits at the path the user chose.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../common/errors';

export type OutputKind = 'file' | 'folder';

/** The file system calls the target check needs, in a blocking and a non-blocking flavour. */
interface TargetFs {
  stat(p: string): { isDirectory(): boolean } | null | Promise<{ isDirectory(): boolean } | null>;
  createAndRemove(p: string): void | Promise<void>;
  entries(p: string): number | Promise<number>;
}

const blockingFs: TargetFs = {
  stat: (p) => {
    try {
      return statSync(p);
    } catch {
      return null;
    }
  },
  createAndRemove: (p) => {
    closeSync(openSync(p, 'wx'));
    unlinkSync(p);
  },
  entries: (p) => readdirSync(p).length,
};

const asyncFs: TargetFs = {
  stat: (p) => stat(p).catch(() => null),
  createAndRemove: async (p) => {
    await (await open(p, 'wx')).close();
    await unlink(p);
  },
  entries: async (p) => (await readdir(p)).length,
};

/**
 * Checks that `target` can be written: its folder exists and accepts a new file, a file target is
 * not a folder, a folder target is new or empty. The check is written once as a generator over the
 * file system calls, run blocking by encoders (engine processes, which refuse before they start) and
 * non-blocking by the export on the app's main process.
 */
function* targetCheck(target: string, kind: OutputKind): Generator<{ op: keyof TargetFs; path: string }, void, unknown> {
  const dir = path.dirname(path.resolve(target));
  const dirStat = (yield { op: 'stat', path: dir }) as { isDirectory(): boolean } | null;
  if (!dirStat) throw new UserError('io', `The folder ${dir} does not exist; choose an existing folder for ${path.basename(target)}.`);
  if (!dirStat.isDirectory()) throw new UserError('io', `${dir} is not a folder; choose an existing folder for ${path.basename(target)}.`);
  // access(W_OK) says yes to root on a read-only disk; creating a file is the honest test.
  const probe = path.join(dir, `.cleanplate-write-test-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    yield { op: 'createAndRemove', path: probe };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw diskFull(target);
    const why = code === 'EROFS' ? 'the disk is read-only' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : 'it does not accept new files';
    throw new UserError('io', `Cannot write to ${dir} (${why}); choose another folder or fix its permissions.`);
  }
  const existing = (yield { op: 'stat', path: target }) as { isDirectory(): boolean } | null;
  if (!existing) return; // a new name: fine
  if (kind === 'file' && existing.isDirectory()) throw new UserError('io', `${target} is a folder; choose a file name for the video.`);
  if (kind === 'folder' && !existing.isDirectory()) throw new UserError('io', `${target} is a file; choose a folder for the PNG frames.`);
  if (kind === 'folder' && ((yield { op: 'entries', path: target }) as number) > 0)
    throw new UserError('io', `${target} already has files in it; choose a new or empty folder for the PNG frames.`);
}

/** targetCheck with blocking calls (a few stats): encoders refuse before they start. */
export function checkOutputTarget(target: string, kind: OutputKind): void {
  const steps = targetCheck(target, kind);
  let next = steps.next();
  while (!next.done) {
    let value: unknown;
    try {
      value = blockingFs[next.value.op](next.value.path);
    } catch (err) {
      next = steps.throw(err);
      continue;
    }
    next = steps.next(value);
  }
}

/** targetCheck without blocking, for the app's main process. */
export async function checkOutputTargetAsync(target: string, kind: OutputKind): Promise<void> {
  const steps = targetCheck(target, kind);
  let next = steps.next();
  while (!next.done) {
    let value: unknown;
    try {
      value = await asyncFs[next.value.op](next.value.path);
    } catch (err) {
      next = steps.throw(err);
      continue;
    }
    next = steps.next(value);
  }
}

/** A temporary name next to `target` (same disk, so the final rename is atomic), keeping its extension. */
export function temporaryPathFor(target: string, step = 'partial'): string {
  const abs = path.resolve(target);
  const ext = path.extname(abs);
  return path.join(path.dirname(abs), `.${path.basename(abs, ext)}.${process.pid}.${step}${ext}`);
}

/** Moves a finished temporary file or folder to the target. */
export async function commitOutput(temporary: string, target: string, kind: OutputKind): Promise<void> {
  try {
    if (kind === 'folder') await rmdir(target).catch(() => {}); // empty, checked up front
    await rename(temporary, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw diskFull(target);
    throw err;
  }
}

/** Writes a small file so that readers see either nothing or all of it (cache frames, thumbnails). */
export async function writeFileAtomically(target: string, data: Uint8Array): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, target);
  } catch (err) {
    await rm(temporary, { force: true });
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw diskFull(target);
    throw err;
  }
}

/** Whether a file exists, without blocking (the app's main process serves cache requests). */
export function fileExists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

export async function discardOutput(temporary: string): Promise<void> {
  await rm(temporary, { recursive: true, force: true });
}

/** Best effort, for exit paths that cannot wait. */
export function discardOutputSync(temporary: string): void {
  rmSync(temporary, { recursive: true, force: true });
}

export function diskFull(target: string): UserError {
  return new UserError('io', `The disk is full while writing ${target}; free space and export again.`);
}

/**
 * Checks a finished temporary output before it is renamed into place. ffmpeg 4.1 exits 0 when the
 * disk fills up: for a file it only logs "Error writing trailer ...: No space left on device", for
 * a PNG sequence nothing at all (the PNGs just end early).
 */
export async function checkCompleteOutput(temporary: string, target: string, kind: OutputKind, frames: number, log: string): Promise<void> {
  const late = describeWriteFailure(target, log);
  if (late) throw late;
  if (kind !== 'folder') return;
  const names = (await readdir(temporary)).filter((n) => n.endsWith('.png'));
  if (names.length !== frames) throw new Error(`ffmpeg wrote ${names.length} PNGs for ${frames} frames`);
  for (const name of names) if (!(await isCompletePng(path.join(temporary, name)))) throw diskFull(target);
}

/** A PNG ends with its IEND chunk (length 0, "IEND", CRC ae426082); a write cut short does not. */
async function isCompletePng(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const tail = Buffer.alloc(12);
    if (size < 12 || (await fh.read(tail, 0, 12, size - 12)).bytesRead !== 12) return false;
    return tail.equals(Buffer.from('0000000049454e44ae426082', 'hex'));
  } finally {
    await fh.close();
  }
}

/** The user's line for an ffmpeg log that failed while writing `target`, or null when it is not about the output. */
export function describeWriteFailure(target: string, log: string): UserError | null {
  if (/No space left on device|ENOSPC/i.test(log)) return diskFull(target);
  if (/Permission denied|Read-only file system/i.test(log))
    return new UserError('io', `Cannot write ${target} (permission denied); choose another folder or fix its permissions.`);
  return null;
}
