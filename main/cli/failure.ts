/**
 * Whatever a command throws becomes one line for the user and an exit status, never a stack trace
 * (CLEANPLATE_DEBUG=1 prints the stack as well, on stderr).
 *
 * Exit status: 0 done, 1 the input, the disk or an engine failed, 2 the command line is wrong,
 * 130 cancelled with Ctrl+C (128 + SIGINT, as shells report it), 143 stopped by SIGTERM.
 */
import { isUserError, type ErrorInfo } from '../../common/errors';

export interface Failure {
  info: ErrorInfo;
  exitCode: number;
}

export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_CANCELLED = 130;

/** Commander's own errors (unknown option, missing argument) carry a code like "commander.unknownOption". */
function isCommanderError(err: unknown): err is { code: string; message: string; exitCode: number } {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('commander.');
}

/** Node's system errors that slipped past the media and engine modules' own wording. */
function systemErrorLine(err: NodeJS.ErrnoException): string | null {
  const where = err.path ? ` ${err.path}` : '';
  switch (err.code) {
    case 'ENOSPC':
      return `the disk is full while writing${where}; free some space and run again`;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `permission denied for${where || ' a file'}; choose a location you can write to, or fix its permissions`;
    case 'ENOENT':
      return `${where.trim() || 'a file'} does not exist; check the path`;
    case 'EISDIR':
      return `${where.trim()} is a folder where a file was expected; give a file path`;
    default:
      return null;
  }
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim()) ?? '';
  return line.length > 240 ? `${line.slice(0, 237)}...` : line;
}

export function describeFailure(err: unknown): Failure {
  if (isCommanderError(err)) {
    const message = firstLine(err.message.replace(/^error:\s*/, ''));
    return { info: { code: 'invalid-args', message: `${message} (see cleanplate --help)` }, exitCode: EXIT_USAGE };
  }
  if (isUserError(err)) {
    const exitCode = err.code === 'cancelled' ? EXIT_CANCELLED : err.code === 'invalid-args' ? EXIT_USAGE : EXIT_FAILED;
    return { info: { code: err.code, message: firstLine(err.message) }, exitCode };
  }
  const system = err instanceof Error ? systemErrorLine(err as NodeJS.ErrnoException) : null;
  if (system) return { info: { code: 'io', message: system }, exitCode: EXIT_FAILED };
  const detail = err instanceof Error ? firstLine(err.message) : firstLine(String(err));
  return {
    info: { code: 'internal', message: `internal error: ${detail || 'unknown'}; rerun with CLEANPLATE_DEBUG=1 for details, and please report it` },
    exitCode: EXIT_FAILED,
  };
}

export function debugEnabled(): boolean {
  return !!process.env.CLEANPLATE_DEBUG && process.env.CLEANPLATE_DEBUG !== '0';
}
