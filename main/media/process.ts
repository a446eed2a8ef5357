/**
 * Running ffmpeg and ffprobe: argument arrays (never a shell), a bounded stderr tail for error
 * messages, SIGKILL on abort or timeout, and one promise that settles when the process is gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { UserError } from '../../common/errors';
import { reapWithParent } from './child-reaper';
import { locateFfmpeg } from './locate';

export type Tool = 'ffmpeg' | 'ffprobe';

/** ffmpeg or ffprobe exited with an error (or was killed). `stderr` holds the end of its log. */
export class ToolFailure extends Error {
  constructor(
    readonly tool: Tool,
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly timedOut = false,
  ) {
    super(`${tool} ${timedOut ? 'timed out' : `exited with code ${exitCode}`}: ${lastLine(stderr)}`);
    this.name = 'ToolFailure';
  }
}

/** The last non-empty line of a log, for one-line messages. */
export function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/** What an aborted operation throws: the signal's reason, as AbortSignal.throwIfAborted() does. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new UserError('cancelled', 'The operation was cancelled.');
}

const STDERR_TAIL_BYTES = 16 * 1024;

let commandListener: ((line: string) => void) | null = null;

/**
 * Where each ffmpeg/ffprobe command line goes before it runs (the host's log at debug level; the
 * engine process prints it for the host to log). One listener per process; null stops it.
 */
export function onToolCommand(listener: ((line: string) => void) | null): void {
  commandListener = listener;
}

/** A command line as a person would paste it into a shell (arguments quoted where needed). */
export function commandLine(bin: string, args: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return [bin, ...args].map(quote).join(' ');
}

/** Reports a command line to the listener, if any. */
export function reportCommand(bin: string, args: readonly string[]): void {
  commandListener?.(commandLine(bin, args));
}

/** Reports a command line that another library (fluent-ffmpeg) built. */
export function reportCommandLine(line: string): void {
  commandListener?.(line);
}

export interface ToolProcess {
  child: ChildProcess;
  stdin: Writable | null;
  stdout: Readable | null;
  /** Resolves once the process has exited and its stderr is drained; never rejects. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderrTail(): string;
  /** True once kill() ran (abort, timeout, or a consumer that stopped early). */
  readonly killed: boolean;
  readonly timedOut: boolean;
  kill(): void;
}

export interface StartOptions {
  /** Keep stdin open as a pipe (raw frames, image files); otherwise it is ignored. */
  stdin?: boolean;
  /** Read stdout (frames, JSON); otherwise it is ignored. */
  stdout?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export function startTool(tool: Tool, args: string[], opts: StartOptions = {}): ToolProcess {
  const bin = locateFfmpeg()[tool];
  reportCommand(bin, args);
  const child = spawn(bin, args, {
    stdio: [opts.stdin ? 'pipe' : 'ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'],
    windowsHide: true,
  });
  reapWithParent(child);
  let tail = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    tail = (tail + text).slice(-STDERR_TAIL_BYTES);
  });
  // A consumer that stops early closes our ends of the pipes; those errors are expected.
  child.stdin?.on('error', () => {});
  child.stdout?.on('error', () => {});

  let killed = false;
  let timedOut = false;
  const kill = () => {
    if (killed) return;
    killed = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const onAbort = () => kill();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = opts.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        kill();
      }, opts.timeoutMs)
    : null;

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    let spawnError: Error | null = null;
    child.once('error', (err) => {
      spawnError = err; // e.g. EACCES on the binary; 'close' still follows
      tail += `\n${err.message}`;
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ code: spawnError ? -1 : code, signal });
    });
  });
  if (opts.signal?.aborted) kill();

  return {
    child,
    stdin: child.stdin,
    stdout: child.stdout,
    exited,
    stderrTail: () => tail,
    get killed() {
      return killed;
    },
    get timedOut() {
      return timedOut;
    },
    kill,
  };
}

/**
 * Runs a tool to completion and returns its stdout as text. Throws the signal's reason when
 * aborted, and a ToolFailure when it fails or runs past `timeoutMs`.
 */
export async function runTool(tool: Tool, args: string[], opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<string> {
  opts.signal?.throwIfAborted();
  const proc = startTool(tool, args, { ...opts, stdout: true });
  const chunks: Buffer[] = [];
  proc.stdout!.on('data', (c: Buffer) => chunks.push(c));
  const { code } = await proc.exited;
  if (opts.signal?.aborted) throw abortReason(opts.signal);
  if (proc.timedOut) throw new ToolFailure(tool, code, proc.stderrTail(), true);
  if (code !== 0) throw new ToolFailure(tool, code, proc.stderrTail());
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes to a pipe and waits while it is full (backpressure); rejects if the reader went away. */
export function writeWithBackpressure(stream: Writable, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed || stream.writableEnded) return reject(new Error('the pipe is closed'));
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('the pipe is closed'));
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      stream.off('error', onError);
      stream.off('close', onClose);
      stream.off('drain', onDrain);
    };
    stream.on('error', onError);
    stream.on('close', onClose);
    if (stream.write(data)) {
      cleanup();
      resolve();
    } else {
      stream.on('drain', onDrain);
    }
  });
}
