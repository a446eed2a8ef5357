/**
 * Finds ffmpeg and ffprobe, in this order:
 *   1. FFMPEG_PATH / FFPROBE_PATH (a user's own build),
 *   2. the copies an installed app ships in its resources folder (electron-builder extraResources),
 *   3. the binaries npm installed (ffmpeg-static and @derhuerst/ffprobe-static: ffmpeg 6.1.1, which
 *      their install scripts download for this platform; FFMPEG_BIN / FFPROBE_BIN at install time
 *      make them keep a binary of your own instead),
 *   4. the PATH.
 * Every other module asks here; nothing else names a binary.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../common/errors';

export interface FfmpegBinaries {
  ffmpeg: string;
  ffprobe: string;
  /** Where each was found, for diagnostics ("FFMPEG_PATH", "resources", "npm", "PATH"). */
  origin: { ffmpeg: string; ffprobe: string };
}

const exe = (name: string) => (process.platform === 'win32' ? `${name}.exe` : name);

function isExecutable(file: string): boolean {
  try {
    accessSync(file, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Inside a packaged app, npm-installed binaries live in app.asar.unpacked, not in the archive. */
function unpacked(file: string): string {
  return file.replace(`${path.sep}app.asar${path.sep}`, `${path.sep}app.asar.unpacked${path.sep}`);
}

function fromNpm(tool: 'ffmpeg' | 'ffprobe'): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const file: unknown = tool === 'ffmpeg' ? require('ffmpeg-static') : require('@derhuerst/ffprobe-static');
    if (typeof file !== 'string') return null; // no binary for this platform
    const p = unpacked(file);
    return isExecutable(p) ? p : null;
  } catch {
    return null;
  }
}

function fromResources(tool: 'ffmpeg' | 'ffprobe'): string | null {
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (!resources) return null;
  const p = path.join(resources, 'bin', exe(tool));
  return isExecutable(p) ? p : null;
}

function fromPath(tool: 'ffmpeg' | 'ffprobe'): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, exe(tool));
    if (isExecutable(p)) return p;
  }
  return null;
}

function locate(tool: 'ffmpeg' | 'ffprobe'): { file: string; origin: string } {
  const envName = tool === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH';
  const fromEnv = process.env[envName];
  if (fromEnv) {
    if (!existsSync(fromEnv) || !isExecutable(fromEnv))
      throw new UserError('not-found', `${envName} points to ${fromEnv}, which is not an executable file; fix the path or unset ${envName}.`);
    return { file: fromEnv, origin: envName };
  }
  const candidates: Array<[string, () => string | null]> = [
    ['resources', () => fromResources(tool)],
    ['npm', () => fromNpm(tool)],
    ['PATH', () => fromPath(tool)],
  ];
  for (const [origin, find] of candidates) {
    const file = find();
    if (file) return { file, origin };
  }
  throw new UserError(
    'not-found',
    `${tool} was not found; reinstall Cleanplate, install ${tool} on your PATH, or set ${envName} to its location.`,
  );
}

let cached: FfmpegBinaries | null = null;

export function locateFfmpeg(): FfmpegBinaries {
  if (cached) return cached;
  const ffmpeg = locate('ffmpeg');
  const ffprobe = locate('ffprobe');
  cached = { ffmpeg: ffmpeg.file, ffprobe: ffprobe.file, origin: { ffmpeg: ffmpeg.origin, ffprobe: ffprobe.origin } };
  return cached;
}

/** For tests that change the environment. */
export function resetFfmpegLocation(): void {
  cached = null;
}
