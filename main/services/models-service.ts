/**
 * `models.*` calls on the model manager (main/models): status, importing a folder, and downloads,
 * which run as tasks (task-registry.ts: progress, cancel and the end are reported like any task's).
 * A download fetches the release weights, verifies them and builds the graphs when a builder is
 * wired in (main/models/build.ts); while one runs, the status says so.
 */
import type { ModelsStatus, Task } from '../../common/contract/types';
import { UserError } from '../../common/errors';
import { bundledManifest, defaultModelsDir, downloadModels, formatBytes, importModels, modelsStatus, removeStaleTemporaries, type BuildStep, type ModelManifest, type ModelsProgress } from '../models/index';
import type { Handlers } from './dispatcher';
import type { TaskHandle, TaskRegistry } from './task-registry';

type ModelsHandlers = Pick<Handlers, 'models.status' | 'models.import' | 'models.download'>;

function formatSeconds(s: number): string {
  return s < 60 ? `${Math.ceil(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** The task's progress: the stage line is what the app shows ("ProPainter.pth · 3.1 MB/s · 36 s left"). */
function reportProgress(t: TaskHandle<'download'>, p: ModelsProgress): void {
  if (p.phase === 'download') {
    const speed = p.bytesPerSecond > 0 ? ` · ${formatBytes(p.bytesPerSecond)}/s` : '';
    const left = p.etaSeconds !== null && p.receivedBytes < p.totalBytes ? ` · ${formatSeconds(p.etaSeconds)} left` : '';
    t.update({ phase: 'download', bytesPerSecond: p.bytesPerSecond, etaSeconds: p.etaSeconds });
    t.progress(`${p.file}${speed}${left}`, p.receivedBytes, p.totalBytes, 'bytes');
  } else if (p.phase === 'verify') {
    // Sent at once: a check is short and must not be lost behind the throttle.
    t.progress(`checking ${p.file}`, 0, 0, 'bytes');
    t.update({ phase: 'verify' }, true);
  } else {
    t.update({ phase: 'build' });
    t.progress(`building the graphs: ${p.step}`, p.done, p.total, 'steps');
  }
}

export class ModelsService {
  private downloading: string | null = null;
  readonly dir: string;
  constructor(
    userDataDir: string,
    private readonly tasks: TaskRegistry,
    /** What "Download models…" fetches: the bundled manifest (tests point it at a local server). */
    private readonly manifest: () => ModelManifest = bundledManifest,
    /** Where the graphs are built from the weights: an engine process in the app (model-build.ts). */
    private readonly buildStep?: BuildStep,
  ) {
    this.dir = defaultModelsDir(userDataDir);
    // What a killed download, import or build left behind goes now (partial downloads stay: they resume).
    void removeStaleTemporaries(this.dir);
  }

  handlers(): ModelsHandlers {
    return {
      'models.status': () => this.status(),
      'models.import': ({ dir }) => importModels(dir, this.dir, { buildStep: this.buildStep }),
      'models.download': ({ acceptLicense }) => this.download(acceptLicense),
    };
  }

  private running(): Task | null {
    const task = this.downloading ? this.tasks.get(this.downloading) : null;
    return task && (task.state === 'running' || task.state === 'queued') ? task : null;
  }

  /** The folder's status; while a download runs here, the stage and line say so. */
  private async status(): Promise<ModelsStatus> {
    const status = await modelsStatus(this.dir);
    const task = this.running();
    if (!task || status.stage === 'ready') return status;
    const detail = `downloading: ${task.progress?.stage ?? 'starting'}`;
    return { ...status, stage: 'downloading', engines: status.engines.map((e) => (e.id === 'propainter' ? { ...e, detail } : e)) };
  }

  private download(acceptLicense: true): Task<'download'> {
    if (this.running()) throw new UserError('busy', 'A model download is already running; wait for it or cancel it first.');
    const task = this.tasks.run(
      'download',
      { files: 0 },
      async (signal, t) => {
        const r = await downloadModels({ dir: this.dir, manifest: this.manifest(), acceptLicense, signal, buildStep: this.buildStep, onProgress: (p) => reportProgress(t, p) });
        t.update({ files: r.downloaded.length });
        const got = r.downloaded.length ? `Downloaded and verified ${r.downloaded.length} file(s)` : 'The weights were already downloaded and verified';
        if ((await modelsStatus(this.dir)).stage === 'ready') return `${got}${r.built ? ` and built ${r.built.length} graph file(s)` : ''}; ProPainter is ready.`;
        return `${got}; the ONNX graphs are not built yet: download again to build them.`;
      },
      { cancelled: 'Download cancelled; run it again to resume.', failed: 'The download failed; check the network connection and retry (it resumes where it stopped).' },
    );
    this.downloading = task.taskId;
    return task;
  }
}
