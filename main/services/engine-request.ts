/**
 * One request answered by a fresh engine process: start it (within the pool's cap), send the request
 * once it says `ready`, pass its progress on, and resolve with the answer it sends back. The engine's
 * refusals come back as the same one-line UserError; an engine that dies or never starts is one line
 * too. Cancelling (the signal) asks the engine to stop and then kills it if it does not end in time.
 * Mask export, engine diagnostics and graph building use it; renders and propagations, which stream
 * many messages, have their own loops (job-registry.ts).
 */
import { UserError } from '../../common/errors';
import type { EngineToHost, HostToEngine } from '../engine/protocol';
import type { EnginePool } from './engine-pool';

/** How long a new engine process may take to say it is ready. */
export const ENGINE_START_TIMEOUT_MS = 30_000;
/** How long a cancelled engine may take to stop before it is killed. */
const CANCEL_GRACE_MS = 2000;

let requests = 0;

export interface EngineRequest<T> {
  /** Names the request in ids and logs ("mask-export", "build-models"). */
  label: string;
  message: (jobId: string) => HostToEngine;
  /** The answer, when `m` is it. */
  answer: (m: EngineToHost, jobId: string) => T | undefined;
  /** What a person is told when the engine stops before answering. */
  stopped: string;
  onProgress?: (stage: string, done: number, total: number) => void;
  signal?: AbortSignal;
  /** Line for a cancelled request. */
  cancelled?: string;
}

export async function requestInEngine<T>(engines: EnginePool, req: EngineRequest<T>): Promise<T> {
  const jobId = `${req.label}-${++requests}`;
  const conn = await engines.acquire(jobId, req.signal);
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const end = (outcome: { result: T } | { error: UserError }) => {
      if (settled) return;
      settled = true;
      clearTimeout(startTimer);
      req.signal?.removeEventListener('abort', onAbort);
      conn.send({ type: 'shutdown' });
      setTimeout(() => conn.kill(), CANCEL_GRACE_MS).unref();
      if ('result' in outcome) resolve(outcome.result);
      else reject(outcome.error);
    };
    const onAbort = () => {
      conn.send({ type: 'cancel', jobId });
      end({ error: new UserError('cancelled', req.cancelled ?? 'Cancelled.') });
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const startTimer = setTimeout(() => end({ error: new UserError('engine', 'The engine process did not start in time; retry, and check the log if it happens again.') }), ENGINE_START_TIMEOUT_MS);
    conn.onMessage((m) => {
      if (m.type === 'ready') {
        clearTimeout(startTimer);
        conn.send(req.message(jobId));
        return;
      }
      if ('jobId' in m && m.jobId !== jobId && m.jobId !== '') return;
      if (m.type === 'progress') req.onProgress?.(m.stage, m.done, m.total);
      else if (m.type === 'error') end({ error: new UserError(m.error.code, m.error.message) });
      else if (m.type === 'cancelled') end({ error: new UserError('cancelled', req.cancelled ?? 'Cancelled.') });
      else {
        const result = req.answer(m, jobId);
        if (result !== undefined) end({ result });
      }
    });
    conn.onExit(() => end({ error: new UserError('engine', req.stopped) }));
  });
}
