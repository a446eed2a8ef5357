/**
 * Exports of finished renders, as tasks: one ffmpeg transcode (main/media exportVideo) of the
 * render's lossless result with the source's audio, rotation, colour tags and frame timing. Written
 * to a temporary name and renamed on success, so a failed or cancelled export leaves nothing at the
 * chosen path.
 */
import path from 'node:path';
import type { Task } from '../../common/contract/types';
import { UserError } from '../../common/errors';
import type { ExportFormat } from '../../common/project/schema';
import { exportVideo, frameTimesOf, probeMedia, TIMESTAMP_FILE } from '../media/index';
import type { JobRegistry } from './job-registry';
import type { TaskRegistry } from './task-registry';

export class ExportRegistry {
  constructor(
    private readonly jobs: JobRegistry,
    private readonly tasks: TaskRegistry,
  ) {}

  async start(args: { renderId: string; path: string; format: ExportFormat; crf: number }): Promise<Task<'export'>> {
    const { video, doc } = await this.jobs.result(args.renderId);
    const out = path.resolve(args.path);
    if (out === path.resolve(doc.source.path)) throw new UserError('bad-input', `${out} is the source video; export to another file.`);
    return this.tasks.run(
      'export',
      { renderId: args.renderId, path: out, format: args.format },
      async (signal, task) => {
        const source = await probeMedia(doc.source.path, { signal });
        const frameTimes = await frameTimesOf(source, signal);
        const r = await exportVideo({
          video,
          audioFrom: doc.source.path,
          out,
          format: args.format,
          crf: args.crf,
          rotation: doc.source.rotation,
          color: source.color,
          fps: doc.source.fps,
          frameTimes,
          onProgress: (done, total) => task.progress('export', done, total, 'frames'),
          signal,
        });
        // PNG files have no timestamps: a variable frame rate's times are written beside them.
        return frameTimes && args.format === 'png' ? `Exported ${r.path}; the source's frame rate varies and PNGs have no timestamps, so each frame's time is in ${TIMESTAMP_FILE} there.` : `Exported ${r.path}`;
      },
      { cancelled: 'Export cancelled; nothing was written.', failed: 'The export failed; the log has the details. Nothing was written.' },
    );
  }
}
