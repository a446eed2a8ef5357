/**
 * Runs the built `cleanplate` command as a child process, as a user or a script would, for the CLI's
 * integration suites. Building happens once per suite, under the shared build lock.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../helpers/media';

export const cliPath = path.join(repoRoot, 'dist/cli/cleanplate.cjs');

export function buildCli(): void {
  const r = spawnSync('flock', ['/tmp/cleanplate-build.lock', process.execPath, 'scripts/build.mjs', 'cli', 'engine'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`building the CLI failed: ${r.stderr}${r.stdout}`);
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** Resolves with each complete stdout line as it arrives; see `onLine`. */
  done: Promise<CliRun>;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** Runs the CLI under this command (e.g. unshare + mount), which must exec its arguments. */
  wrap?: string[];
  onLine?: (line: string, child: ChildProcess) => void;
}

export function startCli(args: string[], opts: CliOptions = {}): CliProcess {
  const argv = [...(opts.wrap ?? []), process.execPath, cliPath, ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: repoRoot,
    env: { ...process.env, CLEANPLATE_DEBUG: undefined, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) opts.onLine?.(line, child);
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  return startCli(args, opts).done;
}

/** JSON Lines from stdout; fails the test if any line is not JSON. */
export function jsonEvents(stdout: string): Array<Record<string, unknown> & { event: string }> {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}

/**
 * Whether this machine lets us mount a private tmpfs (user + mount namespaces): the honest way to get
 * a full or read-only disk without root. CI containers may forbid it; tests then skip with the reason.
 */
export const canMountTmpfs = (() => {
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d" && rmdir "$d"'], {
    encoding: 'utf8',
  });
  return r.status === 0;
})();

/**
 * A wrap for startCli: the CLI runs with a private tmpfs of `sizeKb` mounted at `dir` (read-only with
 * `readOnly`). The mount vanishes with the process, so what is left in it is listed on stderr's last
 * line as `left: name name ...` (see `leftOnTmpfs`).
 */
export function onTmpfs(dir: string, sizeKb: number, readOnly = false): string[] {
  const script = `mount -t tmpfs -o size=${sizeKb}k${readOnly ? ',ro' : ''} tmpfs "$1" || exit 99; d="$1"; shift; "$@"; rc=$?; echo "left: $(ls -A "$d" | tr '\\n' ' ')" >&2; exit $rc`;
  return ['unshare', '-rm', 'sh', '-c', script, 'sh', dir];
}

export function leftOnTmpfs(stderr: string): string[] {
  const line = stderr.trimEnd().split('\n').at(-1) ?? '';
  if (!line.startsWith('left:')) throw new Error(`no listing of the tmpfs in: ${stderr}`);
  return line.slice(5).trim().split(/\s+/).filter(Boolean);
}
