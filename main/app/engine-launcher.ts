/**
 * Engine processes under Electron: `utilityProcess.fork`, a Chromium service child with Node. It has
 * its own V8 memory cage, so an out-of-memory or native crash in onnxruntime becomes an `exit` event
 * for one job instead of a dead app, and inference never blocks the main process.
 */
import { utilityProcess } from 'electron';
import type { EngineToHost } from '../engine/protocol';
import type { EngineConnection, EngineLauncher } from '../services/context';
import { logStream } from '../services/log';
import type { Log } from '../services/log';
import { lowerEnginePriority } from '../services/node-engine';

export function utilityEngineLauncher(engineModule: string, log: Log): EngineLauncher {
  return (label: string): EngineConnection => {
    const child = utilityProcess.fork(engineModule, [], { serviceName: 'Cleanplate engine', stdio: 'pipe', env: { ...process.env, CLEANPLATE_ENGINE_LOG: '1' } });
    // Its output goes into main.log, each line prefixed with the task it serves.
    logStream(child.stdout, log, `engine ${label}`, 'debug');
    logStream(child.stderr, log, `engine ${label}`, 'warn');
    const exitListeners: Array<(code: number | null) => void> = [];
    let exitCode: number | null | undefined;
    child.once('spawn', () => lowerEnginePriority(child.pid));
    child.on('exit', (code) => {
      exitCode = code;
      for (const l of exitListeners) l(code);
    });
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (exitCode === undefined) child.postMessage(message);
      },
      onMessage(listener) {
        child.on('message', (m: unknown) => listener(m as EngineToHost));
      },
      onExit(listener) {
        if (exitCode !== undefined) listener(exitCode);
        else exitListeners.push(listener);
      },
      kill() {
        if (exitCode === undefined) child.kill();
      },
    };
  };
}
