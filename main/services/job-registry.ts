/**
 * Renders (inpaint/outpaint) and mask propagation, as tasks (task-registry.ts) that run in engine
 * processes (engine-pool.ts: utilityProcess in Electron, a child process in the web host), so a
 * crash or an out-of-memory kill ends one task, never the app, and the host's event loop only relays
 * small JSON messages. A render's results are kept per source and mode in the result store
 * (result-store.ts): the whole clip as FFV1 (the lossless intermediate that export transcodes) and a
 * preview JPEG per frame, with each frame's fingerprint; the next render of the same source and mode
 * is given them and computes only the frames whose inputs changed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { JobMode, Task } from '../../common/contract/types';
import { UserError } from '../../common/errors';
import type { ProjectDoc } from '../../common/project/schema';
import type { JobSpec } from '../engine/job';
import type { EngineToHost, HostToEngine, PropagateSpec } from '../engine/protocol';
import type { Emit, EngineConnection } from './context';
import type { EnginePool } from './engine-pool';
import type { Log } from './log';
import { ResultStore } from './result-store';
import type { TaskHandle, TaskRegistry } from './task-registry';

/** How long the engine gets to stop on its own after `cancel` before it is killed (the budget is 1 s). */
const CANCEL_GRACE_MS = 500;
/** How long a new engine process may take to say it is ready. */
const START_TIMEOUT_MS = 30_000;
/** Finished renders of this session whose ids export.start accepts (their videos live in the result store). */
const KEEP_FINISHED = 20;

const CRASHED = 'The engine process stopped unexpectedly (it may have run out of memory); the project is unchanged: retry, or lower the processing size.';

export interface JobRegistryOptions {
  cacheDir: string;
  tasks: TaskRegistry;
  engines: EnginePool;
  emit: Emit;
  log: Log;
  /** The folder ProPainter's model files are read from. */
  modelsDir(): string | null;
  /** Refuses a document whose source is missing or is not the video the document describes. */
  checkSource(doc: ProjectDoc): Promise<void>;
  results: ResultStore;
}

interface FinishedRender {
  video: string;
  doc: Pick<ProjectDoc, 'source'>;
}

const pad6 = (n: number) => String(n).padStart(6, '0');

/** One at a time, first come first served: renders take the whole machine. */
class Turnstile {
  private busy = false;
  private readonly waiting: Array<() => void> = [];

  /** Resolves with the function that lets the next one in; rejects if `signal` aborts while waiting. */
  async enter(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (!this.busy) this.busy = true;
    else
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          this.waiting.splice(this.waiting.indexOf(go), 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(go);
      });
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = this.waiting.shift();
      if (next) next(); // stays busy: the turn passes on
      else this.busy = false;
    };
  }
}

export class JobRegistry {
  private readonly renders = new Map<string, FinishedRender>();
  private readonly renderTurn = new Turnstile();
  private readonly jobsDir: string;

  constructor(private readonly opts: JobRegistryOptions) {
    this.jobsDir = path.join(opts.cacheDir, 'jobs');
  }

  /** Removes job folders left by earlier sessions: without their registry entry they cannot be exported. */
  async removeStaleResults(): Promise<void> {
    await fs.rm(this.jobsDir, { recursive: true, force: true });
  }

  async start(doc: ProjectDoc, mode: JobMode): Promise<Task<'render'>> {
    await this.opts.checkSource(doc);
    const outpaint = mode === 'outpaint' ? { scaleH: doc.outpaint.scaleH, scaleW: doc.outpaint.scaleW } : null;
    const results = this.opts.results;
    const key = await results.keyFor(doc, mode);
    const detail = {
      mode,
      engine: doc.engine.id,
      range: { in: doc.range.in, out: doc.range.out },
      finishedFrames: 0,
      reusedFrames: 0,
      totalFrames: doc.range.out - doc.range.in + 1,
      device: null,
      outpaint,
    };
    return this.opts.tasks.run(
      'render',
      (taskId) => ({ ...detail, previewPrefix: `results/${key}/runs/${taskId}/preview/` }),
      async (signal, task) => {
        const { taskId } = task;
        const dir = results.dirOf(key);
        const video = path.join(dir, `result-${taskId}.mkv`);
        const preview = (index: number) => `runs/${taskId}/preview/${pad6(index)}.jpg`;
        // Renders take the whole machine: one at a time, the others wait their turn (and see the
        // result the one before them kept).
        const leave = await this.renderTurn.enter(signal);
        const frames = new Map<number, { fingerprint: string; preview: string }>();
        try {
          const kept = await results.read(doc, mode);
          const spec: JobSpec = {
            input: doc.source.path,
            masks: mode === 'outpaint' ? { kind: 'none' } : { kind: 'document', doc },
            mode,
            outpaint: outpaint ?? undefined,
            range: { start: doc.range.in, end: doc.range.out },
            engine: doc.engine,
            modelsDir: this.opts.modelsDir(),
            output: { kind: 'video', path: video, format: 'ffv1' },
            previews: { dir: path.join(dir, 'runs', taskId, 'preview'), maxWidth: 960, maxHeight: 540 },
            reuse: kept ? { video: kept.video, fingerprints: Object.fromEntries([...kept.frames].map(([i, f]) => [i, f.fingerprint])) } : null,
          };
          await fs.mkdir(spec.previews!.dir, { recursive: true });
          let fingerprints: string[] | null = null;
          await this.inEngine(task, { type: 'run', jobId: taskId, spec }, (m) => {
            if (m.type === 'started') task.update({ device: m.info.device }, true);
            else if (m.type === 'done') fingerprints = m.result.fingerprints ?? null;
            else if (m.type === 'frame') {
              const earlier = m.reused ? kept?.frames.get(m.index) : undefined;
              const { finishedFrames, reusedFrames } = task.snapshot().detail;
              task.update({ finishedFrames: finishedFrames + 1, reusedFrames: reusedFrames + (earlier ? 1 : 0) });
              frames.set(m.index, { fingerprint: '', preview: earlier?.preview ?? preview(m.index) });
              this.opts.emit('job.frame', { taskId, index: m.index, ref: `results/${key}/${earlier?.preview ?? preview(m.index)}`, ...(earlier ? { reused: true } : {}) });
            }
          });
          const made = fingerprints as string[] | null;
          if (made) for (const [index, f] of frames) f.fingerprint = made[index - doc.range.in] ?? '';
          await results.commit(key, { video, source: doc.source, frames: made ? frames : new Map() });
        } catch (err) {
          // A failed or cancelled render leaves nothing behind; the kept result and the project stay as they were.
          await results.discardRun(key, taskId).catch((e) => this.opts.log.warn(`render ${taskId}: cleanup failed`, e));
          throw err;
        } finally {
          leave();
        }
        this.renders.set(taskId, { video, doc });
        this.pruneFinished();
        return null;
      },
      { queued: true, cancelled: 'Cancelled.', failed: 'The render failed; the log has the details. The project is unchanged: retry.' },
    );
  }

  async propagate(args: PropagateSpec & { direction: 'forward' | 'backward' }): Promise<Task<'propagate'>> {
    const { direction, ...spec } = args;
    const { doc, fromFrame, toFrame, layerId, shapeId } = spec;
    if (direction === 'forward' ? toFrame <= fromFrame : toFrame >= fromFrame)
      throw new UserError('bad-input', `Propagating ${direction} from frame ${fromFrame} needs a target frame ${direction === 'forward' ? 'after' : 'before'} it (got ${toFrame}).`);
    if (Math.max(fromFrame, toFrame) >= doc.source.frameCount)
      throw new UserError('bad-input', `Frame ${Math.max(fromFrame, toFrame)} is past the clip's last frame (${doc.source.frameCount - 1}).`);
    const layer = doc.layers.find((l) => l.id === layerId);
    if (!layer) throw new UserError('not-found', `The layer to propagate (${layerId}) is not in the project; select a mask layer and retry.`);
    if (layer.kind === 'bitmap') throw new UserError('bad-input', `"${layer.name}" is an imported mask; propagate a shape or brush layer instead.`);
    await this.opts.checkSource(doc);
    return this.opts.tasks.run(
      'propagate',
      { layerId, shapeId, fromFrame, toFrame, keys: 0 },
      async (_signal, task) => {
        const { taskId } = task;
        await this.inEngine(task, { type: 'propagate', jobId: taskId, spec }, (m) => {
          if (m.type !== 'propagatedKey') return;
          task.update({ keys: task.snapshot().detail.keys + 1 });
          this.opts.emit('job.propagatedKey', { taskId, layerId, shapeId, frame: m.frame, patch: m.patch });
        });
        return null;
      },
      { queued: true, cancelled: 'Cancelled.', failed: 'The propagation failed; the log has the details. Retry.' },
    );
  }

  /**
   * The finished render's lossless result and its source, for export: a render of this session by
   * its task id, or a kept result by the id results.get gave (it survives restarts).
   */
  async result(renderId: string): Promise<{ video: string; doc: Pick<ProjectDoc, 'source'> }> {
    const render = this.renders.get(renderId);
    if (render && (await fs.stat(render.video).catch(() => null))) return render;
    const kept = await this.opts.results.byId(renderId);
    if (kept) return { video: kept.video, doc: { source: kept.source } };
    const task = this.opts.tasks.get(renderId);
    if (task?.kind === 'render' && task.state !== 'done') throw new UserError('busy', `The render has not finished (${task.state}); export once it is done.`);
    if (render) throw new UserError('not-found', 'That render was replaced by a later one of the same video; export the latest result.');
    throw new UserError('not-found', `There is no finished render ${renderId}; run the job again, then export.`);
  }

  /**
   * Runs one request in an engine process of its own and resolves when the engine says `done`.
   * `onMessage` sees the job's other messages (frames, keys, started) and `done` with its result. An abort sends `cancel` and
   * kills the process if it has not stopped within CANCEL_GRACE_MS.
   */
  private async inEngine<K extends 'render' | 'propagate'>(task: TaskHandle<K>, request: HostToEngine, onMessage: (m: EngineToHost) => void): Promise<void> {
    const { taskId, signal } = task;
    const conn: EngineConnection = await this.opts.engines.acquire(taskId, signal);
    task.running();
    await new Promise<void>((resolve, reject) => {
      let outcome: { ok: true } | { ok: false; error: unknown } | null = null;
      const end = (o: { ok: true } | { ok: false; error: unknown }, kill: 'now' | 'later') => {
        if (outcome) return;
        outcome = o;
        clearTimeout(startTimer);
        if (kill === 'now') conn.kill();
        else {
          conn.send({ type: 'shutdown' });
          setTimeout(() => conn.kill(), 2000).unref();
        }
      };
      const startTimer = setTimeout(() => end({ ok: false, error: new UserError('engine', 'The engine process did not start in time; retry, and check the log if it happens again.') }, 'now'), START_TIMEOUT_MS);
      const onAbort = () => {
        conn.send({ type: 'cancel', jobId: taskId });
        setTimeout(() => conn.kill(), CANCEL_GRACE_MS).unref();
      };
      signal.addEventListener('abort', onAbort, { once: true });

      conn.onMessage((m) => {
        if (m.type === 'ready') {
          clearTimeout(startTimer);
          conn.send(request);
          return;
        }
        if (m.jobId !== taskId || outcome) return;
        switch (m.type) {
          case 'progress':
            task.progress(m.stage, m.done, m.total, request.type === 'propagate' ? 'keys' : 'frames');
            break;
          case 'notice':
            this.opts.emit('job.notice', { taskId, message: m.message });
            break;
          case 'done':
            onMessage(m); // the render's result (its frames' fingerprints) before the task ends
            end({ ok: true }, 'later');
            break;
          case 'cancelled':
            end({ ok: false, error: signal.reason }, 'now');
            break;
          case 'error':
            end({ ok: false, error: signal.aborted ? signal.reason : new UserError(m.error.code, m.error.message) }, 'now');
            break;
          default:
            onMessage(m);
        }
      });

      // The task ends when the process is gone, so a cancelled or finished task never leaves one behind.
      conn.onExit((code) => {
        signal.removeEventListener('abort', onAbort);
        clearTimeout(startTimer);
        const o = outcome ?? (signal.aborted ? { ok: false as const, error: signal.reason } : { ok: false as const, error: new UserError('engine', CRASHED) });
        if (!outcome && !signal.aborted) this.opts.log.warn(`${request.type} ${taskId}: engine process exited with code ${code ?? 'none (killed)'}`);
        if (o.ok) resolve();
        else reject(o.error);
      });
    });
  }

  /** Forgets the oldest renders' ids (their files belong to the result store, which keeps the latest per video). */
  private pruneFinished(): void {
    const done = [...this.renders.keys()];
    for (const old of done.slice(0, Math.max(0, done.length - KEEP_FINISHED))) this.renders.delete(old);
  }
}
