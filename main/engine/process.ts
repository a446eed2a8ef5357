/**
 * The engine process (built to dist/engine/engine.cjs). Electron starts it as a utilityProcess
 * (messages through process.parentPort), the web host and tests as a Node child (process.send). It
 * speaks protocol.ts: says `ready`, runs `run`, `propagate`, `exportMasks`, `diagnose` and `buildModels` requests, forwards their hooks as
 * messages, stops a job on `cancel` and exits on `shutdown`.
 *
 * Nothing may end it silently: a job's failure becomes an `error` message with a user-facing line
 * (common/errors toErrorInfo; the details go to stderr, which the host logs), and an exception that
 * escapes everything is reported for every running job before the process exits.
 */
import os from 'node:os';
import { toErrorInfo } from '../../common/errors';
import { onToolCommand } from '../media';
import { loadOpenCv } from './cv';
import { exportMaskSequence } from './mask-export';
import { propagateMask } from './mask-propagation';
import type { EngineToHost, HostToEngine } from './protocol';
import { runJob } from './runner';

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

interface HostLink {
  send(message: EngineToHost): void;
  onMessage(listener: (message: HostToEngine) => void): void;
}

function connect(): HostLink {
  const parentPort = (process as { parentPort?: ParentPort }).parentPort;
  if (parentPort)
    return {
      send: (m) => parentPort.postMessage(m),
      onMessage: (listener) => parentPort.on('message', (e) => listener(e.data as HostToEngine)),
    };
  if (process.send)
    return {
      send: (m) => {
        if (process.connected) process.send!(m);
      },
      onMessage: (listener) => process.on('message', (m) => listener(m as HostToEngine)),
    };
  throw new Error('the engine process must be started by Cleanplate (no parent port or IPC channel)');
}

const link = connect();
// A host that keeps this process's stdout in its log (at debug level, prefixed with the task) asks
// for the ffmpeg command lines there; others (tests, tools) get a quiet stdout.
if (process.env.CLEANPLATE_ENGINE_LOG === '1') onToolCommand((line) => process.stdout.write(`ffmpeg: ${line}\n`));
const running = new Map<string, { controller: AbortController; settled: Promise<void> }>();

function report(jobId: string, err: unknown): void {
  if (running.get(jobId)?.controller.signal.aborted) {
    link.send({ type: 'cancelled', jobId });
    return;
  }
  const info = toErrorInfo(err);
  if (info.code === 'internal') console.error(`engine: job ${jobId} failed:`, err);
  link.send({ type: 'error', jobId, error: info });
}

function start(jobId: string, work: (signal: AbortSignal) => Promise<void>): void {
  if (running.has(jobId)) {
    link.send({ type: 'error', jobId, error: { code: 'busy', message: `Job ${jobId} is already running.` } });
    return;
  }
  const controller = new AbortController();
  const settled = work(controller.signal)
    .catch((err) => report(jobId, err))
    .finally(() => running.delete(jobId));
  running.set(jobId, { controller, settled });
}

async function shutdown(): Promise<void> {
  for (const job of running.values()) job.controller.abort();
  // Give jobs a moment to remove their partial output, then leave whatever happens.
  await Promise.race([Promise.all([...running.values()].map((j) => j.settled)), new Promise((r) => setTimeout(r, 2000))]);
  process.exit(0);
}

link.onMessage((m) => {
  switch (m.type) {
    case 'run':
      start(m.jobId, async (signal) => {
        const result = await runJob(
          m.spec,
          {
            started: (info) => link.send({ type: 'started', jobId: m.jobId, info }),
            progress: (stage, done, total) => link.send({ type: 'progress', jobId: m.jobId, stage, done, total }),
            frame: (index, reused) => link.send({ type: 'frame', jobId: m.jobId, index, ...(reused ? { reused } : {}) }),
            notice: (message) => link.send({ type: 'notice', jobId: m.jobId, message }),
          },
          signal,
        );
        link.send({ type: 'done', jobId: m.jobId, result });
      });
      break;
    case 'propagate':
      start(m.jobId, async (signal) => {
        const result = await propagateMask(
          m.spec,
          {
            progress: (stage, done, total) => link.send({ type: 'progress', jobId: m.jobId, stage, done, total }),
            key: (frame, patch) => link.send({ type: 'propagatedKey', jobId: m.jobId, frame, patch }),
          },
          signal,
        );
        link.send({ type: 'done', jobId: m.jobId, result });
      });
      break;
    case 'exportMasks':
      start(m.jobId, async (signal) => {
        const result = await exportMaskSequence(m.doc, m.dir, signal, (done, total) => link.send({ type: 'progress', jobId: m.jobId, stage: 'masks', done, total }));
        link.send({ type: 'masksExported', jobId: m.jobId, result });
      });
      break;
    case 'diagnose':
      start(m.jobId, async () => {
        const { engineDiagnostics } = await import('./diagnostics');
        link.send({ type: 'diagnosed', jobId: m.jobId, result: await engineDiagnostics() });
      });
      break;
    case 'buildModels':
      start(m.jobId, async (signal) => {
        // loaded only for this request: a render or a propagation never needs the graph builder
        const { buildInProcess } = await import('../models/build');
        const result = await buildInProcess(m.dir, { signal, onProgress: (p) => link.send({ type: 'progress', jobId: m.jobId, stage: p.step, done: p.done, total: p.total }) });
        link.send({ type: 'modelsBuilt', jobId: m.jobId, result });
      });
      break;
    case 'cancel':
      running.get(m.jobId)?.controller.abort();
      break;
    case 'shutdown':
      void shutdown();
      break;
  }
});

function fatal(err: unknown): void {
  console.error('engine: unexpected failure:', err);
  const jobs = [...running.keys()];
  for (const jobId of jobs) link.send({ type: 'error', jobId, error: toErrorInfo(err) });
  if (jobs.length === 0) link.send({ type: 'error', jobId: '', error: toErrorInfo(err) });
  setTimeout(() => process.exit(1), 100);
}
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);
// Without a host there is nobody to work for.
process.on('disconnect', () => void shutdown());

// Rendering is background work: below normal priority (inherited by its ffmpeg children) the app's
// main process and renderer stay responsive on a machine whose cores the job keeps busy.
try {
  os.setPriority(os.constants.priority.PRIORITY_BELOW_NORMAL);
} catch {
  // not allowed here (some sandboxes): run at normal priority
}
// Compiling OpenCV's WebAssembly takes ~0.5 s; start it now so it overlaps the first job's probe.
loadOpenCv().catch(() => {});

link.send({ type: 'ready', pid: process.pid });
