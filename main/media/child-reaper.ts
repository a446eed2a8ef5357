/**
 * Children die with their parent. An ffmpeg writing a file reads nothing from us and ignores a
 * closed stderr, so after a `kill -9` of the app, the CLI or an engine process it used to keep
 * running, and writing, until its input ended. Every child this process starts (ffmpeg, ffprobe,
 * engine processes) is registered here:
 * - when this process exits normally, they are killed at once;
 * - on Linux and macOS a tiny watcher shell holds a pipe from this process: when the pipe closes
 *   (however this process ended, SIGKILL included) it kills every child still registered. It costs
 *   one `sh` per process that starts children;
 * - on Windows, libuv already puts children in a job object that is closed, and its processes
 *   killed, when the parent dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';

// " 12 34 " holds the live children; a line "+pid" adds one, "-pid" removes it; at end of input
// (our end of the pipe closed) everything still listed is killed.
const WATCHER = [
  'pids=" "',
  'while IFS= read -r line; do',
  '  case "$line" in',
  '    +*) pids="$pids${line#+} " ;;',
  '    -*) p=${line#-}; case "$pids" in *" $p "*) pids="${pids%% $p *} ${pids#* $p }" ;; esac ;;',
  '  esac',
  'done',
  '[ "$pids" = " " ] || kill -9 $pids 2>/dev/null',
].join('\n');

const children = new Set<number>();
let watcher: ChildProcess | null = null;
let hooked = false;

function tell(line: string): void {
  if (process.platform === 'win32') return;
  if (!watcher) {
    watcher = spawn('/bin/sh', ['-c', WATCHER], { stdio: ['pipe', 'ignore', 'ignore'], detached: false, windowsHide: true });
    watcher.on('error', () => (watcher = null)); // no shell: the exit hook below still covers normal exits
    watcher.stdin!.on('error', () => {});
    // The watcher must not keep this process alive.
    watcher.unref();
    (watcher.stdin as unknown as { unref?: () => void }).unref?.();
  }
  watcher.stdin!.write(`${line}\n`);
}

/** Registers a running child; it is unregistered by itself when it exits. */
export function reapWithParent(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const p of children) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    });
  }
  children.add(pid);
  tell(`+${pid}`);
  child.once('exit', () => {
    children.delete(pid);
    tell(`-${pid}`);
  });
}

/** The pid of the watcher shell, for tests. */
export function reaperPid(): number | undefined {
  return watcher?.pid;
}
