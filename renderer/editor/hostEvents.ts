/**
 * Host events into the store: every task's progress and end (renders, propagation, exports, model
 * downloads), streamed result frames, propagated keys, thumbnails, frame-cache fill and native-menu
 * commands. High-rate events (frames, thumbnails) only bump a version number, at most once per
 * animation frame.
 */
import { isActionId } from '../../common/actions';
import type { ActionId } from '../../common/actions';
import type { HostConnection } from '../bridge';
import { applyPropagatedKey } from '../edits';
import type { MediaSession } from '../media/session';
import { latestTask } from '../state/store';
import type { EditorOps, EditorStore } from '../state/store';

export interface HostEventDeps {
  host: Pick<HostConnection, 'onEvent'>;
  store: EditorStore;
  ops: EditorOps;
  media: MediaSession;
  /** Runs `cb` once before the next paint. */
  schedule(cb: () => void): void;
  openPath(path: string): void;
  refreshModels(): void;
  run(id: ActionId): void;
}

function batched(schedule: (cb: () => void) => void, f: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    schedule(() => {
      pending = false;
      f();
    });
  };
}

/** Milliseconds from a fixed point (performance.now; tests pass their own). */
type Clock = () => number;

/** Frames per second of finished frames and the time left, from when the first one arrived. */
export class Rate {
  private first = 0;
  private count = 0;
  constructor(private readonly now: Clock = () => performance.now()) {}
  reset(): void {
    this.first = 0;
    this.count = 0;
  }
  frame(): void {
    if (this.count++ === 0) this.first = this.now();
  }
  fps(): number | null {
    const s = (this.now() - this.first) / 1000;
    return this.count > 1 && s > 0 ? (this.count - 1) / s : null;
  }
}

/** Time left for a task that reports done/total (exports): from the rate since its first report. */
export class Eta {
  private readonly first = new Map<string, { at: number; done: number }>();
  constructor(private readonly now: Clock = () => performance.now()) {}
  seconds(taskId: string, done: number, total: number): number | null {
    const now = this.now();
    const f = this.first.get(taskId);
    if (!f) {
      this.first.set(taskId, { at: now, done });
      return null;
    }
    const rate = (done - f.done) / ((now - f.at) / 1000);
    return rate > 0 ? Math.max(0, total - done) / rate : null;
  }
}

export function subscribeHostEvents(deps: HostEventDeps): () => void {
  const { store, ops, media } = deps;
  const onEvent = deps.host.onEvent;
  const rate = new Rate();
  const eta = new Eta();
  const currentRender = (taskId: string) => latestTask(store.getState(), 'render')?.task.taskId === taskId;
  const currentPropagation = (taskId: string) => latestTask(store.getState(), 'propagate')?.task.taskId === taskId;
  const bumpResults = batched(deps.schedule, () => ops.bumpResults());
  const bumpThumbs = batched(deps.schedule, () => ops.setHost({ thumbnailsVersion: store.getState().thumbnailsVersion + 1 }));

  const offs = [
    onEvent('task.progress', ({ task }) => {
      const known = store.getState().tasks[task.taskId];
      if (task.kind === 'render' && known?.task.state === 'queued' && task.state === 'running') rate.reset();
      ops.setTask(task);
      if (task.kind === 'export' && task.progress) {
        const seconds = eta.seconds(task.taskId, task.progress.done, task.progress.total);
        ops.updateTask(task.taskId, (entry) => void (entry.etaSec = seconds));
      }
      if (task.kind === 'render' && currentRender(task.taskId)) {
        ops.updateTask(task.taskId, (entry) => {
          const fps = rate.fps();
          const left = task.detail.totalFrames - media.results.count;
          entry.fps = fps;
          entry.etaSec = fps && left > 0 ? left / fps : null;
        });
      }
    }),
    onEvent('task.finished', ({ task }) => {
      ops.setTask(task);
      switch (task.kind) {
        case 'render':
          if (!currentRender(task.taskId)) return;
          ops.updateTask(task.taskId, (entry) => void (entry.etaSec = task.state === 'done' ? 0 : null));
          ops.bumpResults();
          break;
        case 'export':
          if (task.state === 'done') ops.message('info', task.message ?? `Exported ${task.detail.path}`);
          else if (task.state === 'failed' && task.message) ops.message('error', task.message);
          break;
        case 'download':
          if (task.message) ops.message(task.state === 'done' ? 'info' : 'error', task.message);
          deps.refreshModels();
          break;
        case 'propagate':
          break;
      }
    }),
    onEvent('job.frame', ({ taskId, index, ref }) => {
      if (!currentRender(taskId) || media.results.jobId !== taskId) return;
      media.results.add(index, ref);
      rate.frame();
      bumpResults();
    }),
    onEvent('job.notice', ({ taskId, message }) => {
      if (currentRender(taskId)) ops.updateTask(taskId, (entry) => void entry.notices.push(message));
      else if (currentPropagation(taskId)) ops.message('info', message);
    }),
    onEvent('job.propagatedKey', (payload) => {
      if (!currentPropagation(payload.taskId)) return;
      if (!applyPropagatedKey(ops, payload)) ops.message('error', 'A propagated key did not match the layer any more; it was skipped.');
    }),
    onEvent('media.thumbnail', ({ mediaId, index, ref }) => {
      if (media.info?.mediaId !== mediaId) return;
      media.thumbnails.set(index, ref);
      bumpThumbs();
    }),
    onEvent('media.frameCache', ({ mediaId, cached, total }) => {
      if (media.info?.mediaId === mediaId) ops.setHost({ frameCache: { cached, total } });
    }),
    onEvent('app.command', ({ command, path }) => {
      if (command === 'openPath') {
        if (path) deps.openPath(path);
      } else if (isActionId(command)) deps.run(command);
    }),
  ];
  return () => offs.forEach((off) => off());
}
