/**
 * Host events into the store: job progress and streamed result frames, thumbnails, frame-cache fill,
 * exports, model downloads, propagated keys and menu commands. High-rate events (frames, thumbnails)
 * only bump a version number, at most once per animation frame.
 */
import { onEvent } from '../bridge';
import type { ActionContext } from '../actions';
import { actions } from '../actions';
import { applyPropagatedKey } from '../shapes/edits';
import { editorStore, ops } from '../state/store';
import { openProjectAt, openVideoAt, refreshModels } from './host';
import { media } from './media';

function batched(f: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      f();
    });
  };
}

/** Frames per second of finished frames and the time left, from when the first one arrived. */
class Rate {
  private first = 0;
  private count = 0;
  reset(): void {
    this.first = 0;
    this.count = 0;
  }
  frame(): void {
    if (this.count++ === 0) this.first = performance.now();
  }
  fps(): number | null {
    const s = (performance.now() - this.first) / 1000;
    return this.count > 1 && s > 0 ? (this.count - 1) / s : null;
  }
}

export function subscribeHostEvents(ctx: ActionContext): () => void {
  const rate = new Rate();
  const currentJob = (jobId: string) => editorStore.getState().job.summary?.jobId === jobId;
  const currentPropagation = (jobId: string) => editorStore.getState().propagation?.jobId === jobId;
  const bumpResults = batched(() => ops.setJob((j) => void (j.resultsVersion += 1)));
  const bumpThumbs = batched(() => ops.setHost({ thumbnailsVersion: editorStore.getState().thumbnailsVersion + 1 }));

  const offs = [
    onEvent('job.started', ({ job }) => {
      if (currentJob(job.jobId)) {
        rate.reset();
        ops.setJob((j) => void (j.summary = job));
      }
    }),
    onEvent('job.progress', ({ jobId, stage, done, total }) => {
      if (currentPropagation(jobId)) {
        const p = editorStore.getState().propagation!;
        ops.setHost({ propagation: { ...p, done, total } });
        return;
      }
      if (!currentJob(jobId)) return;
      ops.setJob((j) => {
        const fps = rate.fps();
        const finished = media.results.count;
        const left = (j.summary?.totalFrames ?? total) - finished;
        j.progress = { stage, done, total, fps, etaSec: fps && left > 0 ? left / fps : null };
      });
    }),
    onEvent('job.frame', ({ jobId, index, ref }) => {
      if (!currentJob(jobId) || media.results.jobId !== jobId) return;
      media.results.add(index, ref);
      rate.frame();
      bumpResults();
    }),
    onEvent('job.notice', ({ jobId, message }) => {
      if (currentJob(jobId)) ops.setJob((j) => void j.notices.push(message));
      else if (currentPropagation(jobId)) ops.message('info', message);
    }),
    onEvent('job.done', ({ job, seconds }) => {
      if (currentPropagation(job.jobId)) {
        const p = editorStore.getState().propagation!;
        ops.setHost({ propagation: { ...p, done: p.total, state: 'done', message: null } });
        return;
      }
      if (!currentJob(job.jobId)) return;
      ops.setJob((j) => {
        j.summary = job;
        j.seconds = seconds;
        if (j.progress) j.progress = { ...j.progress, done: j.progress.total, etaSec: 0 };
        j.resultsVersion += 1;
      });
    }),
    onEvent('job.failed', ({ job, message }) => {
      if (currentPropagation(job.jobId)) {
        const p = editorStore.getState().propagation!;
        ops.setHost({ propagation: { ...p, state: job.state === 'cancelled' ? 'cancelled' : 'failed', message: job.state === 'cancelled' ? null : message } });
        return;
      }
      if (!currentJob(job.jobId)) return;
      ops.setJob((j) => {
        j.summary = job;
        j.error = job.state === 'cancelled' ? null : message;
      });
    }),
    onEvent('job.propagatedKey', (payload) => {
      if (!currentPropagation(payload.jobId)) return;
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
    onEvent('export.progress', ({ exportId, done, total }) => {
      const e = editorStore.getState().exporting;
      if (e?.exportId === exportId) ops.setHost({ exporting: { ...e, done, total } });
    }),
    onEvent('export.finished', ({ exportId, state, path, message }) => {
      const e = editorStore.getState().exporting;
      if (e?.exportId !== exportId) return;
      ops.setHost({ exporting: { ...e, state, path, message, done: state === 'done' ? e.total : e.done } });
      if (state === 'done') ops.message('info', `Exported ${path ?? ''}`);
      else if (state === 'failed' && message) ops.message('error', message);
    }),
    onEvent('models.progress', ({ downloadId, file, receivedBytes, totalBytes }) => {
      const d = editorStore.getState().download;
      if (d?.downloadId === downloadId) ops.setHost({ download: { ...d, file, receivedBytes, totalBytes } });
    }),
    onEvent('models.finished', ({ downloadId, ok, message }) => {
      const d = editorStore.getState().download;
      if (d?.downloadId !== downloadId) return;
      ops.setHost({ download: { ...d, state: ok ? 'done' : 'failed', message } });
      ops.message(ok ? 'info' : 'error', message);
      void refreshModels();
    }),
    onEvent('app.command', ({ command, path }) => {
      if (command === 'openPath') {
        if (path) void (/\.cleanplate$/i.test(path) ? openProjectAt(path) : openVideoAt(path));
        return;
      }
      const id = ({ undo: 'undo', redo: 'redo', save: 'save', saveAs: 'save-as', open: 'open-project', openVideo: 'open-video', export: 'export-video', importModels: 'import-models', help: 'help' } as const)[command];
      if (id) actions.run(id, ctx);
    }),
  ];
  return () => offs.forEach((off) => off());
}
