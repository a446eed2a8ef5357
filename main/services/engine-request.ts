/**
 * One request answered by a fresh engine process (mask export, diagnostics): the process is taken
 * from the pool, asked once it is ready, and shut down after its answer. The engine's refusal comes
 * back as the same one-line UserError; a process that never answers or stops is reported as `gone`.
 */
import { UserError } from '../../common/errors';
import type { EngineToHost, HostToEngine } from '../engine/protocol';
import type { EnginePool } from './engine-pool';

/** How long a new engine process may take to say it is ready. */
const ENGINE_START_TIMEOUT_MS = 30_000;
let requests = 0;

export async function requestInEngine<T>(engines: EnginePool, kind: string, request: (jobId: string) => HostToEngine, answer: (m: EngineToHost, jobId: string) => T | undefined, gone: string): Promise<T> {
  const jobId = `${kind}-${++requests}`;
  const conn = await engines.acquire(jobId);
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const end = (outcome: { result: T } | { error: UserError }) => {
      if (settled) return;
      settled = true;
      clearTimeout(startTimer);
      conn.send({ type: 'shutdown' });
      setTimeout(() => conn.kill(), 2000).unref();
      if ('result' in outcome) resolve(outcome.result);
      else reject(outcome.error);
    };
    const startTimer = setTimeout(() => end({ error: new UserError('engine', 'The engine process did not start in time; retry, and check the log if it happens again.') }), ENGINE_START_TIMEOUT_MS);
    conn.onMessage((m) => {
      if (m.type === 'ready') {
        clearTimeout(startTimer);
        conn.send(request(jobId));
        return;
      }
      const result = answer(m, jobId);
      if (result !== undefined) end({ result });
      else if (m.type === 'error') end({ error: new UserError(m.error.code, m.error.message) });
    });
    conn.onExit(() => end({ error: new UserError('engine', gone) }));
  });
}
