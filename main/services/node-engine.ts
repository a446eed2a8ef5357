/**
 * The engine process as a Node child process (`child_process.fork`), for the web host and tests.
 * Electron uses utilityProcess instead (main/app/engine-launcher.ts); both speak the messages of
 * main/engine/protocol.ts, and the engine module detects which parent it has.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { UserError } from '../../common/errors';
import type { EngineToHost } from '../engine/protocol';
import type { EngineConnection, EngineLauncher } from './context';

export function nodeEngineLauncher(engineModule: string): EngineLauncher {
  return (): EngineConnection => {
    if (!existsSync(engineModule)) throw new UserError('not-found', `The engine (${engineModule}) is not built; run "npm run build" and retry.`);
    const child = fork(engineModule, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
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
