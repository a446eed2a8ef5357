/**
 * The host's log, through electron-log (its Node build: the same in Electron's main process, the web
 * host and tests). Entries go to `<logs>/main.log`, where "the log has the details" in every
 * `internal` error points users: written without blocking, rotated at LOG_MAX_BYTES (the previous
 * file is kept as main.old.log). Info and above also go to stderr (stdout belongs to the web host's
 * URL line). Debug entries (ffmpeg command lines, engine output) go to the file only. (The size is
 * checked before each entry, so a burst finishes in the old file and the next entry starts the new.)
 */
import path from 'node:path';
import electronLog from 'electron-log/node';

export interface Log {
  /** Details for a bug report (ffmpeg command lines, engine output): the file only. */
  debug(message: string): void;
  info(message: string): void;
  warn(message: string, err?: unknown): void;
  error(message: string, err?: unknown): void;
}

/** main.log grows to this size, then becomes main.old.log and a new one starts. */
export const LOG_MAX_BYTES = 5 << 20;

function detail(err: unknown): string {
  if (err === undefined) return '';
  if (err instanceof Error) return `: ${err.stack ?? err.message}`;
  return `: ${String(err)}`;
}

let instances = 0;

export function createLog(logsDir: string | null, opts: { quiet?: boolean; maxBytes?: number } = {}): Log {
  const logger = electronLog.create({ logId: `cleanplate-${process.pid}-${++instances}` });
  const console = logger.transports.console;
  console.level = opts.quiet ? 'warn' : 'info';
  console.format = '{iso} {level} {text}';
  console.writeFn = ({ message }) => {
    process.stderr.write(`${message.data.map(String).join(' ')}\n`); // formatted by `format` above
  };
  const file = logger.transports.file;
  if (logsDir) {
    file.resolvePathFn = () => path.join(logsDir, 'main.log');
    file.level = 'debug';
    file.maxSize = opts.maxBytes ?? LOG_MAX_BYTES;
    file.sync = false; // writes queue instead of blocking the event loop
    file.format = '{iso} {level} {text}';
  } else {
    file.level = false;
  }
  const line = (message: string, err?: unknown) => `${message}${detail(err)}`;
  return {
    debug: (m) => logger.debug(m),
    info: (m) => logger.info(m),
    warn: (m, e) => logger.warn(line(m, e)),
    error: (m, e) => logger.error(line(m, e)),
  };
}

/**
 * Copies a child process's output into the log line by line, each line prefixed (`engine r1a2b3:`).
 * stdout lines are logged at debug, stderr lines at warn: the engine reports failures there.
 */
export function logStream(stream: NodeJS.ReadableStream | null | undefined, log: Log, prefix: string, level: 'debug' | 'warn'): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding?.('utf8');
  stream.on('data', (chunk: string | Buffer) => {
    const lines = (rest + chunk.toString()).split(/\r?\n/);
    rest = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) log[level](`${prefix}: ${l}`);
  });
  stream.on('end', () => {
    if (rest.trim()) log[level](`${prefix}: ${rest}`);
    rest = '';
  });
}
