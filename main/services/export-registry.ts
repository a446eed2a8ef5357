/**
 * Exports of finished renders: one ffmpeg transcode (main/media exportVideo) of the job's lossless
 * result with the source's audio, rotation, colour tags and frame rate, reported through
 * `export.progress` / `export.finished` and cancellable. Written to a temporary name and renamed on
 * success, so a failed or cancelled export leaves nothing at the chosen path.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { UserError, isUserError } from '../../common/errors';
import type { ExportFormat } from '../../common/project/schema';
import { exportVideo, probeMedia } from '../media/index';
import type { Emit } from './context';
import type { JobRegistry } from './job-registry';
import type { Log } from './log';

/** At most this many progress events per second reach the renderer. */
const PROGRESS_PER_SECOND = 8;

export class ExportRegistry {
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly jobs: JobRegistry,
    private readonly emit: Emit,
    private readonly log: Log,
  ) {}

  async start(args: { jobId: string; path: string; format: ExportFormat; crf: number }): Promise<{ exportId: string }> {
    const { video, doc } = this.jobs.result(args.jobId);
    const out = path.resolve(args.path);
    if (out === path.resolve(doc.source.path)) throw new UserError('bad-input', `${out} is the source video; export to another file.`);
    const exportId = `e${randomBytes(6).toString('hex')}`;
    const ctl = new AbortController();
    this.running.set(exportId, ctl);
    let lastEmit = 0;
    const onProgress = (done: number, total: number) => {
      const now = Date.now();
      if (done < total && now - lastEmit < 1000 / PROGRESS_PER_SECOND) return;
      lastEmit = now;
      this.emit('export.progress', { exportId, done, total });
    };
    const finished = (state: 'done' | 'failed' | 'cancelled', file: string | null, message: string | null) => {
      this.running.delete(exportId);
      this.emit('export.finished', { exportId, state, path: file, message });
    };
    void (async () => {
      const source = await probeMedia(doc.source.path, { signal: ctl.signal });
      return exportVideo({ video, audioFrom: doc.source.path, out, format: args.format, crf: args.crf, rotation: doc.source.rotation, color: source.color, fps: doc.source.fps, onProgress, signal: ctl.signal });
    })().then(
      (r) => finished('done', r.path, null),
      (err) => {
        if (ctl.signal.aborted) return finished('cancelled', null, 'Export cancelled; nothing was written.');
        if (!isUserError(err)) this.log.error(`export ${exportId} failed`, err);
        finished('failed', null, isUserError(err) ? err.message : 'The export failed; the log has the details. Nothing was written.');
      },
    );
    return { exportId };
  }

  cancel(exportId: string): void {
    const ctl = this.running.get(exportId);
    if (!ctl) throw new UserError('not-found', 'That export is not running any more.');
    ctl.abort();
  }

  dispose(): void {
    for (const ctl of this.running.values()) ctl.abort();
  }
}
