/**
 * The one registry of long-running work the host does for the renderer: renders, mask propagation,
 * exports, model downloads. `run(kind, detail, work)` gives the work an id, an AbortSignal and a
 * handle to report progress; the registry owns everything around it, the same for every kind:
 * - `task.progress` events, at most PROGRESS_PER_SECOND per task, with the last one never lost;
 * - one `task.finished` event, whatever way the work ends;
 * - the error mapping: a UserError keeps its line, an abort is "cancelled" with the kind's line, and
 *   anything else is logged and reported with the kind's generic line;
 * - cancel (resolves once the work has ended), list, and dispose (cancels all, waits for them).
 */
import { randomBytes } from 'node:crypto';
import type { Task, TaskDetails, TaskKind, TaskProgress, TaskState } from '../../common/contract/types';
import { UserError, isUserError } from '../../common/errors';
import type { Emit } from './context';
import type { Log } from './log';

/** At most this many progress events per second and task reach the renderer. */
const PROGRESS_PER_SECOND = 8;
/** Finished tasks kept for `task.list` (the renderer may reload and ask again). */
const KEEP_FINISHED = 50;

/** What a task's work may report while it runs. */
export interface TaskHandle<K extends TaskKind> {
  readonly taskId: string;
  readonly signal: AbortSignal;
  /** Queued work calls this when it actually starts. */
  running(): void;
  progress(stage: string, done: number, total: number, unit: TaskProgress['unit']): void;
  /** Changes the kind's detail; `now` sends it at once instead of with the next throttled event. */
  update(patch: Partial<TaskDetails[K]>, now?: boolean): void;
  /** The task as it stands (a copy). */
  snapshot(): Task<K>;
}

export interface RunOptions {
  /** The task waits (for an engine process, for another render) until its work calls `running()`. */
  queued?: boolean;
  /** The line a cancelled task ends with. */
  cancelled: string;
  /** The line for a failure that is not the person's to fix (a bug; details go to the log). */
  failed: string;
}

/** Resolves with the line the finished task carries (null for none). */
export type TaskWork<K extends TaskKind> = (signal: AbortSignal, task: TaskHandle<K>) => Promise<string | null | void>;

interface Entry {
  task: Task;
  controller: AbortController;
  startedAt: number;
  settled: Promise<void>;
  lastEmit: number;
  trailing: NodeJS.Timeout | null;
}

const ended = (state: TaskState) => state === 'done' || state === 'failed' || state === 'cancelled';

export class TaskRegistry {
  private readonly tasks = new Map<string, Entry>();

  constructor(
    private readonly emit: Emit,
    private readonly log: Log,
  ) {}

  /** Starts `work` as a task of `kind`; `detail` may depend on the new task's id. */
  run<K extends TaskKind>(kind: K, detail: TaskDetails[K] | ((taskId: string) => TaskDetails[K]), work: TaskWork<K>, opts: RunOptions): Task<K> {
    const taskId = `${kind[0]}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const details = typeof detail === 'function' ? detail(taskId) : detail;
    const task = { taskId, kind, state: opts.queued ? 'queued' : 'running', progress: null, message: null, createdAt: new Date().toISOString(), seconds: null, detail: details } as Task<K>;
    const controller = new AbortController();
    const entry: Entry = { task, controller, startedAt: Date.now(), settled: Promise.resolve(), lastEmit: 0, trailing: null };
    this.tasks.set(taskId, entry);

    const handle: TaskHandle<K> = {
      taskId,
      signal: controller.signal,
      running: () => {
        if (task.state !== 'queued') return;
        task.state = 'running';
        entry.startedAt = Date.now();
        this.changed(entry, true);
      },
      progress: (stage, done, total, unit) => {
        if (ended(task.state)) return;
        task.progress = { stage, done, total, unit };
        this.changed(entry, false);
      },
      update: (patch, now = false) => {
        if (ended(task.state)) return;
        Object.assign(task.detail, patch);
        this.changed(entry, now);
      },
      snapshot: () => structuredClone(task),
    };

    entry.settled = Promise.resolve()
      .then(() => {
        controller.signal.throwIfAborted(); // cancelled before it began
        return work(controller.signal, handle);
      })
      .then(
        (line) => this.finish(entry, 'done', line ?? null),
        (err: unknown) => {
          if (controller.signal.aborted || (isUserError(err) && err.code === 'cancelled')) return this.finish(entry, 'cancelled', opts.cancelled);
          if (!isUserError(err)) this.log.error(`${kind} task ${taskId} failed`, err);
          return this.finish(entry, 'failed', isUserError(err) ? err.message : opts.failed);
        },
      );
    return structuredClone(task);
  }

  get(taskId: string): Task | null {
    const entry = this.tasks.get(taskId);
    return entry ? structuredClone(entry.task) : null;
  }

  list(): Task[] {
    return [...this.tasks.values()].map((e) => structuredClone(e.task));
  }

  /** Stops a task and resolves once its work has ended. Cancelling a task that has ended is a no-op. */
  async cancel(taskId: string): Promise<void> {
    const entry = this.tasks.get(taskId);
    if (!entry) throw new UserError('not-found', 'That task is not running any more.');
    entry.controller.abort(new UserError('cancelled', 'Cancelled.'));
    await entry.settled;
  }

  /** Cancels every task that has not ended and waits for all of them. */
  async dispose(): Promise<void> {
    const open = [...this.tasks.values()].filter((e) => !ended(e.task.state));
    for (const e of open) e.controller.abort(new UserError('cancelled', 'Cancelled: the app is closing.'));
    await Promise.all(open.map((e) => e.settled));
  }

  private finish(entry: Entry, state: 'done' | 'failed' | 'cancelled', message: string | null): void {
    if (entry.trailing) clearTimeout(entry.trailing);
    entry.trailing = null;
    const task = entry.task;
    task.state = state;
    task.message = message;
    task.seconds = (Date.now() - entry.startedAt) / 1000;
    this.emit('task.finished', { task: structuredClone(task) });
    this.forgetOldFinished();
  }

  /** Sends the task now, or once the throttle interval has passed (the latest state then). */
  private changed(entry: Entry, now: boolean): void {
    const send = () => {
      entry.trailing = null;
      entry.lastEmit = Date.now();
      if (!ended(entry.task.state)) this.emit('task.progress', { task: structuredClone(entry.task) });
    };
    const wait = entry.lastEmit + 1000 / PROGRESS_PER_SECOND - Date.now();
    if (now || wait <= 0) {
      if (entry.trailing) clearTimeout(entry.trailing);
      send();
    } else if (!entry.trailing) {
      entry.trailing = setTimeout(send, wait);
    }
  }

  private forgetOldFinished(): void {
    const finished = [...this.tasks.values()].filter((e) => ended(e.task.state));
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.tasks.delete(old.task.taskId);
  }
}
