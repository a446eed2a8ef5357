/**
 * Entry of the `cleanplate` command (built to dist/cli/cleanplate.cjs, started by bin/cleanplate.cjs).
 * Owns the process: signals, the exit status, and that nothing but one clear line reaches the user
 * when something fails.
 */
import { UserError } from '../../common/errors';
import { debugEnabled, describeFailure } from './failure';
import { runCli } from './program';
import { writeError } from './reporter';

const streams = { out: process.stdout, err: process.stderr };
const json = process.argv.includes('--json');
const controller = new AbortController();

// With --json, stdout belongs to the JSON Lines: whatever a library prints (OpenCV's Emscripten
// runtime logs through console.log) goes to stderr instead.
if (json) console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);

// First Ctrl+C cancels: the job stops, removes its temporary output and the command exits 130.
// A second one leaves at once.
let interrupts = 0;
let lastSignal: 'SIGINT' | 'SIGTERM' | null = null;
const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
  interrupts++;
  lastSignal = signal;
  if (interrupts > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
  controller.abort(new UserError('cancelled', signal === 'SIGINT' ? 'cancelled with Ctrl+C' : 'stopped (SIGTERM)'));
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));

// A reader that goes away (`cleanplate ... | head`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

function exitWhenFlushed(code: number): void {
  // Native libraries (onnxruntime, OpenCV's wasm) may keep the loop alive: exit explicitly, but only
  // once what was written has reached the terminal or pipe.
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

function crash(err: unknown): void {
  if (debugEnabled() && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  const failure = describeFailure(err);
  writeError(streams, json, failure.info);
  exitWhenFlushed(failure.exitCode);
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

void runCli(process.argv.slice(2), { streams, signal: controller.signal }).then((code) => {
  // A cancelled command reports 130; a SIGTERM stop reports 143 as shells expect.
  exitWhenFlushed(code === 130 && lastSignal === 'SIGTERM' ? 143 : code);
});
