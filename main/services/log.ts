/**
 * The services' log: one line per entry on stderr and, when a folder is given, appended to
 * `<logs>/main.log`, where "the log has the details" in every `internal` error points users.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface Log {
  /** Details for a bug report (ffmpeg command lines, engine output): the file only. */
  debug(message: string): void;
  info(message: string): void;
  warn(message: string, err?: unknown): void;
  error(message: string, err?: unknown): void;
}

function detail(err: unknown): string {
  if (err === undefined) return '';
  if (err instanceof Error) return `: ${err.stack ?? err.message}`;
  return `: ${String(err)}`;
}

export function createLog(logsDir: string | null, opts: { quiet?: boolean } = {}): Log {
  let file: string | null = null;
  if (logsDir) {
    try {
      mkdirSync(logsDir, { recursive: true });
      file = path.join(logsDir, 'main.log');
    } catch {
      file = null; // an unwritable log folder must not stop the app
    }
  }
  const write = (level: string, message: string, err?: unknown) => {
    const line = `${new Date().toISOString()} ${level} ${message}${detail(err)}\n`;
    if (level !== 'debug' && (!opts.quiet || level !== 'info')) process.stderr.write(line);
    if (file) {
      try {
        appendFileSync(file, line);
      } catch {
        file = null;
      }
    }
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m, e) => write('warn', m, e),
    error: (m, e) => write('error', m, e),
  };
}
