/**
 * `models.*` calls on the model manager (main/models): status, importing a folder, and downloads
 * that run in the background with `models.progress` / `models.finished` events and can be cancelled.
 */
import { randomBytes } from 'node:crypto';
import { bundledManifest, defaultModelsDir, downloadModels, importModels, modelsStatus } from '../models/index';
import { UserError, isUserError } from '../../common/errors';
import type { Emit } from './context';
import type { Handlers } from './dispatcher';
import type { Log } from './log';

type ModelsHandlers = Pick<Handlers, 'models.status' | 'models.import' | 'models.download' | 'models.cancelDownload'>;

export class ModelsService {
  private readonly downloads = new Map<string, AbortController>();
  readonly dir: string;
  constructor(
    userDataDir: string,
    private readonly emit: Emit,
    private readonly log: Log,
  ) {
    this.dir = defaultModelsDir(userDataDir);
  }

  handlers(): ModelsHandlers {
    return {
      'models.status': () => modelsStatus(this.dir),
      'models.import': ({ dir }) => importModels(dir, this.dir),
      'models.download': ({ acceptLicense }) => this.download(acceptLicense),
      'models.cancelDownload': ({ downloadId }) => {
        const ctl = this.downloads.get(downloadId);
        if (!ctl) throw new UserError('not-found', 'That download is not running any more.');
        ctl.abort();
        return { ok: true as const };
      },
    };
  }

  dispose(): void {
    for (const ctl of this.downloads.values()) ctl.abort();
  }

  private download(acceptLicense: true): { downloadId: string } {
    if (this.downloads.size) throw new UserError('busy', 'A model download is already running; wait for it or cancel it first.');
    const downloadId = `d${randomBytes(6).toString('hex')}`;
    const ctl = new AbortController();
    this.downloads.set(downloadId, ctl);
    const finished = (ok: boolean, message: string) => {
      this.downloads.delete(downloadId);
      this.emit('models.finished', { downloadId, ok, message });
    };
    downloadModels({
      dir: this.dir,
      manifest: bundledManifest(),
      acceptLicense,
      signal: ctl.signal,
      onProgress: (p) => this.emit('models.progress', { downloadId, file: p.file, receivedBytes: p.receivedBytes, totalBytes: p.totalBytes }),
    }).then(
      (r) => finished(true, r.downloaded.length ? `Downloaded ${r.downloaded.length} model file(s); ProPainter is ready.` : 'The model files were already complete.'),
      (err) => {
        if (ctl.signal.aborted) return finished(false, 'Download cancelled; run it again to resume.');
        if (!isUserError(err)) this.log.error('model download failed', err);
        finished(false, isUserError(err) ? err.message : 'The download failed; check the network connection and retry (it resumes where it stopped).');
      },
    );
    return { downloadId };
  }
}
