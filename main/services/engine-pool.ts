/**
 * A cap on engine processes. Every propagation, render and mask export runs in an engine process of
 * its own (a crash or an out-of-memory kill ends one task, never the app), and each costs about
 * 150-200 MB before it does any work: eight propagations at once were eight processes and 1.4 GB.
 * `acquire()` starts a process when fewer than `max` are alive and otherwise waits, first come first
 * served, for one to exit; a waiter whose signal aborts leaves the queue.
 */
import os from 'node:os';
import type { EngineConnection, EngineLauncher } from './context';

/** Two engines at most, one on a single-core machine: each uses several threads of its own. */
export function defaultEngineLimit(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.CLEANPLATE_MAX_ENGINES);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return Math.max(1, Math.min(2, os.availableParallelism() - 1));
}

export class EnginePool {
  private alive = 0;
  private readonly waiting: Array<{ start: () => void; fail: (err: unknown) => void }> = [];

  constructor(
    private readonly launch: EngineLauncher,
    readonly max: number = defaultEngineLimit(),
  ) {}

  get running(): number {
    return this.alive;
  }

  /** An engine process of the caller's own, started as soon as the cap allows. */
  acquire(label: string, signal?: AbortSignal): Promise<EngineConnection> {
    signal?.throwIfAborted();
    if (this.alive < this.max) return Promise.resolve(this.start(label));
    return new Promise<EngineConnection>((resolve, reject) => {
      const waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          try {
            resolve(this.start(label));
          } catch (err) {
            reject(err);
          }
        },
        fail: reject,
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private start(label: string): EngineConnection {
    this.alive++;
    let conn: EngineConnection;
    try {
      conn = this.launch(label);
    } catch (err) {
      this.released();
      throw err;
    }
    conn.onExit(() => this.released());
    return conn;
  }

  private released(): void {
    this.alive--;
    this.waiting.shift()?.start();
  }
}
