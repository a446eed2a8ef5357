/**
 * `models.*` calls on the model manager (main/models): status, importing a folder, and downloads,
 * which run as tasks (task-registry.ts: progress, cancel and the end are reported like any task's).
 */
import type { Task } from '../../common/contract/types';
import { UserError } from '../../common/errors';
import { bundledManifest, defaultModelsDir, downloadModels, importModels, modelsStatus } from '../models/index';
import type { Handlers } from './dispatcher';
import type { TaskRegistry } from './task-registry';

type ModelsHandlers = Pick<Handlers, 'models.status' | 'models.import' | 'models.download'>;

export class ModelsService {
  private downloading: string | null = null;
  readonly dir: string;
  constructor(
    userDataDir: string,
    private readonly tasks: TaskRegistry,
  ) {
    this.dir = defaultModelsDir(userDataDir);
  }

  handlers(): ModelsHandlers {
    return {
      'models.status': () => modelsStatus(this.dir),
      'models.import': ({ dir }) => importModels(dir, this.dir),
      'models.download': ({ acceptLicense }) => this.download(acceptLicense),
    };
  }

  private download(acceptLicense: true): Task<'download'> {
    const running = this.downloading ? this.tasks.get(this.downloading) : null;
    if (running && (running.state === 'running' || running.state === 'queued')) throw new UserError('busy', 'A model download is already running; wait for it or cancel it first.');
    const task = this.tasks.run(
      'download',
      { files: 0 },
      async (signal, t) => {
        const r = await downloadModels({
          dir: this.dir,
          manifest: bundledManifest(),
          acceptLicense,
          signal,
          onProgress: (p) => t.progress(p.file, p.receivedBytes, p.totalBytes, 'bytes'),
        });
        t.update({ files: r.downloaded.length });
        return r.downloaded.length ? `Downloaded ${r.downloaded.length} model file(s); ProPainter is ready.` : 'The model files were already complete.';
      },
      { cancelled: 'Download cancelled; run it again to resume.', failed: 'The download failed; check the network connection and retry (it resumes where it stopped).' },
    );
    this.downloading = task.taskId;
    return task;
  }
}
