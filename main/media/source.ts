/**
 * What a media path is (a video file, a folder of frames, a single image) and the one-line messages
 * for the ways it can be unusable. Every reader in main/media goes through here, so a bad input
 * reads the same wherever it is opened.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../common/errors';
import { lastLine, ToolFailure } from './process';

export const FRAME_EXTENSIONS = ['.jpg', '.jpeg', '.png'];

/** Name order that treats digit runs as numbers, so frame2.png comes before frame10.png. */
const nameOrder = new Intl.Collator('en', { numeric: true, sensitivity: 'base' }).compare;

export type SourceKind = { kind: 'file'; size: number; mtimeMs: number } | { kind: 'folder'; files: string[]; mtimeMs: number };

/** Stats a media path and lists a folder's frames; throws a UserError for missing or empty inputs. */
export async function inspectSource(input: string, what = 'input'): Promise<SourceKind> {
  let st;
  try {
    st = await stat(input);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserError('bad-input', `${input} does not exist; check the ${what} path.`);
    if (code === 'EACCES' || code === 'EPERM') throw new UserError('bad-input', `${input} cannot be read (permission denied); check its permissions.`);
    throw err;
  }
  if (st.isDirectory()) return { kind: 'folder', files: await listFrameFiles(input), mtimeMs: st.mtimeMs };
  if (st.isFile() && st.size === 0) throw new UserError('bad-input', `${input} is empty (0 bytes); copy or export it again.`);
  return { kind: 'file', size: st.size, mtimeMs: st.mtimeMs };
}

/** The frames of a folder (jpg, jpeg, png) in name order, as absolute paths. */
export async function listFrameFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && !e.name.startsWith('.') && FRAME_EXTENSIONS.includes(path.extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort(nameOrder);
  if (names.length === 0)
    throw new UserError('bad-input', `${dir} contains no frames (.jpg, .jpeg or .png files); choose a folder of numbered frames or a video file.`);
  const kinds = new Set(names.map((n) => (path.extname(n).toLowerCase() === '.png' ? 'PNG' : 'JPEG')));
  if (kinds.size > 1) throw new UserError('bad-input', `${dir} mixes JPEG and PNG frames; keep one image format per frames folder.`);
  return names.map((n) => path.join(path.resolve(dir), n));
}

/**
 * Turns an ffmpeg/ffprobe failure on `input` into the user's one line, or returns null when the log
 * does not say anything about the input (then the caller has a bug or an environment problem).
 */
export async function describeReadFailure(input: string, err: unknown): Promise<UserError | null> {
  if (!(err instanceof ToolFailure)) return null;
  const log = err.stderr;
  if (err.timedOut)
    return new UserError('bad-input', `Reading ${input} took too long; check that its drive is connected and the file is not still being written, then try again.`);
  // ffprobe picks the mp4 reader by the file name, so a text file named .mp4 also lacks a moov atom.
  if (/moov atom not found/.test(log)) return (await startsLikeIsoMedia(input)) ? damaged(input) : notMedia(input);
  if (/partial file|Truncating packet|end of file|Invalid NAL unit size|EOF inside|premature end/i.test(log)) return damaged(input);
  if (/Invalid data found when processing input|could not find codec parameters|Unknown format|misdetection possible/i.test(log)) return notMedia(input);
  if (/No such file or directory/i.test(log)) return new UserError('bad-input', `${input} does not exist; check the path.`);
  if (/Permission denied/i.test(log)) return new UserError('bad-input', `${input} cannot be read (permission denied); check its permissions.`);
  if (log.trim()) return new UserError('bad-input', `${input} could not be read (${lastLine(log)}); check that it is a valid video or image file.`);
  return null;
}

export function notMedia(input: string): UserError {
  return new UserError('bad-input', `${input} is not a video or image Cleanplate can read; choose a video file (mp4, mov, mkv, ...), an image, or a folder of frames.`);
}

/** An MP4/MOV file opens with a box such as ftyp: 4 bytes of size, then the box type. */
async function startsLikeIsoMedia(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(8), 0, 8, 0);
      return bytesRead === 8 && ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(buffer.toString('latin1', 4, 8));
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

export function damaged(input: string, detail = ''): UserError {
  return new UserError('bad-input', `${input} is damaged or incomplete${detail}; it may have been cut off while copying or recording, so copy or export it again.`);
}
