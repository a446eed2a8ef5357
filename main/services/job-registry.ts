/**
 * Jobs the app runs: inpaint/outpaint renders and mask propagation. Each job gets its own engine
 * process (utilityProcess in Electron, a child process in the web host, injected as `launchEngine`),
 * so a crash or an out-of-memory kill ends one job, never the app, and the host's event loop only
 * relays small JSON messages. Results live in `<cache>/jobs/<jobId>/`: `result.mkv` (FFV1, the
 * lossless intermediate that export transcodes) and `preview/<index 6 digits>.jpg` per final frame.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { JobMode, JobSummary } from '../../common/contract/types';
import { UserError } from '../../common/errors';
import type { ProjectDoc } from '../../common/project/schema';
import type { JobSpec } from '../engine/job';
import type { EngineToHost, HostToEngine, PropagateSpec } from '../engine/protocol';
import type { Emit, EngineConnection, EngineLauncher } from './context';
import type { Log } from './log';

/** How long the engine gets to stop on its own after `cancel` before it is killed (the budget is 1 s). */
const CANCEL_GRACE_MS = 700;
/** How long a new engine process may take to say it is ready. */
const START_TIMEOUT_MS = 30_000;
/** Finished renders whose folders are kept (each holds a lossless copy of the range). */
const KEEP_FINISHED = 3;

export interface JobRegistryOptions {
  cacheDir: string;
  emit: Emit;
  launchEngine: EngineLauncher;
  log: Log;
  /** The folder ProPainter's model files are read from. */
  modelsDir(): string | null;
}

type Terminal = 'done' | 'failed' | 'cancelled';

interface JobRecord {
  summary: JobSummary;
  kind: 'render' | 'propagate';
  message: HostToEngine;
  dir: string;
  sourcePath: string;
  doc: ProjectDoc;
  propagation: { layerId: string; shapeId: string | null } | null;
  conn: EngineConnection | null;
  startedAt: number;
  cancelRequested: boolean;
  finished: Promise<void>;
  settle(): void;
}

const pad6 = (n: number) => String(n).padStart(6, '0');

export class JobRegistry {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly queue: JobRecord[] = [];
  private readonly jobsDir: string;

  constructor(private readonly opts: JobRegistryOptions) {
    this.jobsDir = path.join(opts.cacheDir, 'jobs');
  }

  /** Removes job folders left by earlier sessions: without their registry entry they cannot be exported. */
  async removeStaleResults(): Promise<void> {
    await fs.rm(this.jobsDir, { recursive: true, force: true });
  }

  async start(doc: ProjectDoc, mode: 'inpaint' | 'outpaint'): Promise<JobSummary> {
    await this.requireSource(doc);
    const jobId = this.newJobId();
    const dir = path.join(this.jobsDir, jobId);
    const spec: JobSpec = {
      input: doc.source.path,
      masks: mode === 'outpaint' ? { kind: 'none' } : { kind: 'document', doc },
      mode,
      outpaint: mode === 'outpaint' ? { scaleH: doc.outpaint.scaleH, scaleW: doc.outpaint.scaleW } : undefined,
      range: { start: doc.range.in, end: doc.range.out },
      engine: doc.engine,
      modelsDir: this.opts.modelsDir(),
      output: { kind: 'video', path: path.join(dir, 'result.mkv'), format: 'ffv1' },
      previews: { dir: path.join(dir, 'preview'), maxWidth: 960, maxHeight: 540 },
    };
    return this.add(jobId, 'render', mode, doc, dir, { type: 'run', jobId, spec }, null);
  }

  async propagate(args: PropagateSpec & { direction: 'forward' | 'backward' }): Promise<JobSummary> {
    const { direction, ...spec } = args;
    const { doc, fromFrame, toFrame, layerId, shapeId } = spec;
    if (direction === 'forward' ? toFrame <= fromFrame : toFrame >= fromFrame)
      throw new UserError('bad-input', `Propagating ${direction} from frame ${fromFrame} needs a target frame ${direction === 'forward' ? 'after' : 'before'} it (got ${toFrame}).`);
    if (Math.max(fromFrame, toFrame) >= doc.source.frameCount)
      throw new UserError('bad-input', `Frame ${Math.max(fromFrame, toFrame)} is past the clip's last frame (${doc.source.frameCount - 1}).`);
    const layer = doc.layers.find((l) => l.id === layerId);
    if (!layer) throw new UserError('not-found', `The layer to propagate (${layerId}) is not in the project; select a mask layer and retry.`);
    if (layer.kind === 'bitmap') throw new UserError('bad-input', `"${layer.name}" is an imported mask; propagate a shape or brush layer instead.`);
    await this.requireSource(doc);
    const jobId = this.newJobId();
    const dir = path.join(this.jobsDir, jobId);
    const range = { in: Math.min(fromFrame, toFrame), out: Math.max(fromFrame, toFrame) };
    return this.add(jobId, 'propagate', 'propagate', { ...doc, range }, dir, { type: 'propagate', jobId, spec }, { layerId, shapeId });
  }

  list(): JobSummary[] {
    return [...this.jobs.values()].map((j) => ({ ...j.summary }));
  }

  /** The finished render's lossless result and its source, for export. */
  result(jobId: string): { video: string; doc: ProjectDoc } {
    const job = this.jobs.get(jobId);
    if (!job || job.kind !== 'render') throw new UserError('not-found', `There is no render job ${jobId}; run the job again, then export.`);
    if (job.summary.state !== 'done') throw new UserError('busy', `The job has not finished (${job.summary.state}); export once it is done.`);
    return { video: path.join(job.dir, 'result.mkv'), doc: job.doc };
  }

  /** Stops a job; resolves once its engine process is gone (within about a second). */
  async cancel(jobId: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (!job) throw new UserError('not-found', `There is no job ${jobId} to cancel.`);
    if (job.summary.state === 'queued') {
      this.queue.splice(this.queue.indexOf(job), 1);
      await this.finish(job, 'cancelled', 'Cancelled.');
      return;
    }
    if (job.summary.state !== 'running') return;
    job.cancelRequested = true;
    job.conn?.send({ type: 'cancel', jobId });
    const timer = setTimeout(() => job.conn?.kill(), CANCEL_GRACE_MS);
    await job.finished;
    clearTimeout(timer);
  }

  async dispose(): Promise<void> {
    for (const job of this.queue.splice(0)) await this.finish(job, 'cancelled', 'Cancelled: the app is closing.');
    await Promise.all([...this.jobs.values()].filter((j) => j.summary.state === 'running').map((j) => this.cancel(j.summary.jobId)));
  }

  private newJobId(): string {
    return `j${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  }

  private async requireSource(doc: ProjectDoc): Promise<void> {
    try {
      await fs.access(doc.source.path);
    } catch {
      throw new UserError('not-found', `The source video ${doc.source.path} is missing; put it back (or reopen the project) and run again.`);
    }
  }

  private add(jobId: string, kind: JobRecord['kind'], mode: JobMode, doc: ProjectDoc, dir: string, message: HostToEngine, propagation: JobRecord['propagation']): JobSummary {
    let settle!: () => void;
    const finished = new Promise<void>((r) => (settle = r));
    const job: JobRecord = {
      summary: {
        jobId,
        mode,
        engine: doc.engine.id,
        state: 'queued',
        range: { in: doc.range.in, out: doc.range.out },
        finishedFrames: 0,
        totalFrames: doc.range.out - doc.range.in + 1,
        device: null,
        previewPrefix: `jobs/${jobId}/preview/`,
        message: null,
      },
      kind,
      message,
      dir,
      sourcePath: doc.source.path,
      doc,
      propagation,
      conn: null,
      startedAt: 0,
      cancelRequested: false,
      finished,
      settle,
    };
    this.jobs.set(jobId, job);
    // Renders take the whole machine: one at a time. Propagation is short and interactive: at once.
    if (kind === 'render' && [...this.jobs.values()].some((j) => j !== job && j.kind === 'render' && j.summary.state === 'running')) this.queue.push(job);
    else void this.launch(job);
    return { ...job.summary };
  }

  private async launch(job: JobRecord): Promise<void> {
    const { jobId } = job.summary;
    job.summary.state = 'running';
    job.startedAt = Date.now();
    try {
      await fs.mkdir(path.join(job.dir, 'preview'), { recursive: true });
      job.conn = this.opts.launchEngine();
    } catch (err) {
      this.opts.log.error(`job ${jobId}: could not start the engine process`, err);
      await this.finish(job, 'failed', err instanceof UserError ? err.message : 'The engine process could not be started; the log has the details.');
      return;
    }
    const conn = job.conn;
    let terminal: { state: Terminal; message: string | null } | null = null;
    const startTimer = setTimeout(() => {
      terminal = { state: 'failed', message: 'The engine process did not start in time; retry, and check the log if it happens again.' };
      conn.kill();
    }, START_TIMEOUT_MS);

    conn.onMessage((m: EngineToHost) => {
      if (m.type === 'ready') {
        clearTimeout(startTimer);
        conn.send(job.message);
        return;
      }
      if (m.jobId !== jobId || terminal) return;
      switch (m.type) {
        case 'started':
          job.summary.device = m.info.device;
          this.opts.emit('job.started', { job: { ...job.summary } });
          break;
        case 'progress':
          this.opts.emit('job.progress', { jobId, stage: m.stage, done: m.done, total: m.total });
          break;
        case 'frame':
          job.summary.finishedFrames += 1;
          this.opts.emit('job.frame', { jobId, index: m.index, ref: `${job.summary.previewPrefix}${pad6(m.index)}.jpg` });
          break;
        case 'notice':
          this.opts.emit('job.notice', { jobId, message: m.message });
          break;
        case 'propagatedKey':
          if (job.propagation) this.opts.emit('job.propagatedKey', { jobId, ...job.propagation, frame: m.frame, patch: m.patch });
          break;
        case 'done':
          terminal = { state: 'done', message: null };
          conn.send({ type: 'shutdown' });
          setTimeout(() => conn.kill(), 2000).unref();
          break;
        case 'cancelled':
          terminal = { state: 'cancelled', message: 'Cancelled.' };
          conn.kill();
          break;
        case 'error':
          terminal = { state: job.cancelRequested ? 'cancelled' : 'failed', message: job.cancelRequested ? 'Cancelled.' : m.error.message };
          conn.kill();
          break;
      }
    });

    conn.onExit((code) => {
      clearTimeout(startTimer);
      const end =
        terminal ??
        (job.cancelRequested
          ? { state: 'cancelled' as const, message: 'Cancelled.' }
          : { state: 'failed' as const, message: 'The engine process stopped unexpectedly (it may have run out of memory); the project is unchanged: retry, or lower the processing size.' });
      if (!terminal && !job.cancelRequested) this.opts.log.warn(`job ${jobId}: engine process exited with code ${code ?? 'none (killed)'}`);
      void this.finish(job, end.state, end.message);
    });
  }

  private async finish(job: JobRecord, state: Terminal, message: string | null): Promise<void> {
    if (job.summary.state === 'done' || job.summary.state === 'failed' || job.summary.state === 'cancelled') return;
    job.summary.state = state;
    job.summary.message = message;
    job.conn = null;
    if (state === 'done') {
      const seconds = (Date.now() - job.startedAt) / 1000;
      await this.pruneFinished(job);
      this.opts.emit('job.done', { job: { ...job.summary }, seconds });
    } else {
      // A failed or cancelled job leaves nothing behind; the project itself was never touched.
      await fs.rm(job.dir, { recursive: true, force: true }).catch((err) => this.opts.log.warn(`job ${job.summary.jobId}: cleanup failed`, err));
      this.opts.emit('job.failed', { job: { ...job.summary }, message: message ?? 'The job failed.' });
    }
    job.settle();
    const next = this.queue.shift();
    if (next) void this.launch(next);
  }

  private async pruneFinished(latest: JobRecord): Promise<void> {
    if (latest.kind === 'propagate') {
      await fs.rm(latest.dir, { recursive: true, force: true }).catch(() => undefined);
      return;
    }
    const done = [...this.jobs.values()].filter((j) => j.kind === 'render' && j.summary.state === 'done' && j !== latest);
    for (const old of done.slice(0, Math.max(0, done.length - (KEEP_FINISHED - 1)))) {
      this.jobs.delete(old.summary.jobId);
      await fs.rm(old.dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}
