/**
 * The engine process as a Node child process (`child_process.fork`), for the web host and tests.
 * Electron uses utilityProcess instead (main/app/engine-launcher.ts); both speak the messages of
 * main/engine/protocol.ts, and the engine module detects which parent it has.
 */
import { fork } from 'node:child_process';
// One stat per engine start, before the fork, so a missing build is named instead of a crash.
// eslint-disable-next-line no-restricted-imports -- a single stat, not file I/O on the main loop
import { existsSync } from 'node:fs';
import os from 'node:os';
import { UserError } from '../../common/errors';
import { reapWithParent } from '../media/index';
import type { EngineToHost } from '../engine/protocol';
import type { EngineConnection, EngineLauncher } from './context';
import { logStream } from './log';
import type { Log } from './log';

/**
 * Engines are batch work: below-normal priority keeps the host (UI, IPC) scheduled first when the
 * machine is saturated, at no cost to the engine when it is not. Best effort (may be refused).
 */
export function lowerEnginePriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    os.setPriority(pid, os.constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    /* not permitted here: run at normal priority */
  }
}

/**
 * Engine processes as Node children. Their stdout and stderr go into the host's log, each line
 * prefixed with the task it serves: a job's stack trace lands in main.log, where its one-line
 * message says the details are.
 */
export function nodeEngineLauncher(engineModule: string, log: Log | null = null): EngineLauncher {
  return (label: string): EngineConnection => {
    if (!existsSync(engineModule)) throw new UserError('not-found', `The engine (${engineModule}) is not built; run "npm run build" and retry.`);
    const child = fork(engineModule, [], {
      stdio: ['ignore', log ? 'pipe' : 'inherit', log ? 'pipe' : 'inherit', 'ipc'],
      serialization: 'json',
      env: log ? { ...process.env, CLEANPLATE_ENGINE_LOG: '1' } : process.env,
    });
    if (log) {
      logStream(child.stdout, log, `engine ${label}`, 'debug');
      logStream(child.stderr, log, `engine ${label}`, 'warn');
    }
    lowerEnginePriority(child.pid);
    reapWithParent(child); // dies with the host, even a killed one
    const exitListeners: Array<(code: number | null) => void> = [];
    let exited = false;
    const onExit = (code: number | null) => {
      if (exited) return;
      exited = true;
      for (const l of exitListeners) l(code);
    };
    child.on('exit', (code) => onExit(code));
    child.on('error', () => onExit(null));
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (child.connected) child.send(message);
      },
      onMessage(listener) {
        child.on('message', (m) => listener(m as EngineToHost));
      },
      onExit(listener) {
        if (exited) listener(child.exitCode);
        else exitListeners.push(listener);
      },
      kill() {
        if (!exited) child.kill('SIGKILL');
      },
    };
  };
}
