/**
 * Everything the editor asks of the host: open, save, autosave, import/export, jobs, models. Each
 * operation shows failures as the host's one-line message; nothing here throws at the UI.
 */
import type { OpenedProject } from '../../common/contract/types';
import type { ExportFormat, ProjectDoc } from '../../common/project/schema';
import { api, ContractError, hostInfo } from '../bridge';
import type { ActionContext } from '../actions';
import { addBitmapLayer, propagationTarget } from '../shapes/edits';
import { editorStore, isActive, latestTask, ops, PENDING_RENDER } from '../state/store';
import { acceptLicense, askPath, confirmDialog } from './dialogs';
import { media } from './media';
import { projectLoads } from './testHooks';

export function showError(err: unknown): void {
  if (err instanceof ContractError) ops.message('error', err.message);
  else {
    console.error(err);
    ops.message('error', 'Something went wrong in the editor; the developer console has the details.');
  }
}

/** Runs an operation, reporting its failure as a message instead of throwing. */
async function guard<T>(f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (err) {
    showError(err);
    return undefined;
  }
}

async function nativeDialogs(): Promise<boolean> {
  return (await hostInfo()).nativeDialogs;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function dirName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i > 0 ? path.slice(0, i) : '';
}

function stem(path: string): string {
  return baseName(path).replace(/\.[^.]+$/, '');
}

/** Shows an opened project: store, media session, thumbnails, imported mask frames. */
export function showProject(opened: OpenedProject): void {
  media.open(opened.media);
  ops.loadProject(opened.doc, opened.media, opened.path);
  projectLoads.count++;
  if (opened.notice) ops.message('info', opened.notice);
  const thumbs = Math.min(opened.media.probe.frameCount, 240);
  void guard(() => api.media.thumbnails({ mediaId: opened.media.mediaId, count: thumbs }));
  void reimportBitmaps(opened.doc);
  void refreshRecent();
}

/** Bitmap layers keep only their source; the host decodes it again (cached) to serve its frames. */
async function reimportBitmaps(doc: ProjectDoc): Promise<void> {
  for (const layer of doc.layers) {
    if (layer.kind !== 'bitmap' || media.bitmaps.hasPrefix(layer.source.path)) continue;
    const s = layer.source;
    const imported = await guard(() => api.mask.import({ path: s.path, width: doc.source.width, height: doc.source.height, frameCount: doc.source.frameCount }));
    if (imported) media.bitmaps.setPrefix(s.path, imported.framePrefix);
  }
}

async function refreshRecent(): Promise<void> {
  const recent = await api.project.recent().catch(() => null);
  if (recent) ops.setHost({ recent });
}

/** Asks before replacing a project with unsaved edits (the autosave would still hold them). */
async function mayReplace(): Promise<boolean> {
  if (!ops.isDirty()) return true;
  return confirmDialog({
    title: 'Discard unsaved changes?',
    message: 'The current project has changes that are not saved. Open another project anyway?',
    confirmLabel: 'Discard and open',
    danger: true,
  });
}

async function pickPath(
  native: () => Promise<{ path: string | null }>,
  page: { title: string; message: string; initial?: string; confirmLabel: string; suggestions?: string[] },
): Promise<string | null> {
  if (await nativeDialogs()) return (await native()).path;
  return askPath({ initial: '', ...page });
}

export async function openProjectAt(path: string): Promise<void> {
  if (!(await mayReplace())) return;
  const opened = await guard(() => api.project.open({ path }));
  if (opened) showProject(opened);
}

export async function openVideoAt(videoPath: string): Promise<void> {
  if (!(await mayReplace())) return;
  const opened = await guard(() => api.project.newFromVideo({ videoPath }));
  if (opened) showProject(opened);
}

async function save(asNew: boolean): Promise<void> {
  const doc = ops.doc();
  if (!doc) return;
  const state = editorStore.getState();
  let path = asNew ? null : state.projectPath;
  if (!path) {
    const suggested = `${stem(state.projectPath ?? doc.source.path)}.cleanplate`;
    path = await guard(() =>
      pickPath(() => api.dialog.saveProject({ suggestedName: suggested }), {
        title: 'Save project as',
        message: 'Full path of the .cleanplate file to write on the host computer.',
        initial: `${dirName(state.projectPath ?? doc.source.path)}/${suggested}`,
        confirmLabel: 'Save',
      }),
    ).then((p) => p ?? null);
    if (!path) return;
    if (!/\.cleanplate$/i.test(path)) path += '.cleanplate';
  }
  const token = ops.token();
  const saved = await guard(() => api.project.save({ doc, path }));
  if (saved) {
    ops.markSaved(saved.path, token);
    ops.markAutosaved(token);
    ops.message('info', `Saved ${baseName(saved.path)}`);
    void refreshRecent();
  }
}

/** Writes the autosave when there are edits it does not hold yet. */
export async function autosaveNow(): Promise<void> {
  const doc = ops.doc();
  const state = editorStore.getState();
  if (!doc || ops.inGesture()) return;
  const token = ops.token();
  if (token === state.autosavedToken || token === state.savedToken) return;
  try {
    await api.project.autosave({ doc, projectPath: state.projectPath });
    ops.markAutosaved(token);
  } catch (err) {
    // An autosave failing every few seconds must not flood the user: report once per kind of failure.
    if (err instanceof ContractError && lastAutosaveError !== err.message) {
      lastAutosaveError = err.message;
      ops.message('error', `Autosave failed: ${err.message}`);
    }
  }
}
let lastAutosaveError = '';

export async function refreshModels(): Promise<void> {
  const models = await api.models.status().catch(() => null);
  if (models) ops.setHost({ models });
}

export async function runJob(): Promise<void> {
  const doc = ops.doc();
  if (!doc) return;
  if (isActive(latestTask(editorStore.getState(), 'render')?.task)) {
    ops.message('info', 'A job is already running; cancel it first or wait until it finishes.');
    return;
  }
  // Shown as queued until the host answers with the real task.
  ops.setTask({
    taskId: PENDING_RENDER,
    kind: 'render',
    state: 'queued',
    progress: { stage: 'starting', done: 0, total: doc.range.out - doc.range.in + 1, unit: 'frames' },
    message: null,
    createdAt: new Date().toISOString(),
    seconds: null,
    detail: {
      mode: doc.outpaint.enabled ? 'outpaint' : 'inpaint',
      engine: doc.engine.id,
      range: { in: doc.range.in, out: doc.range.out },
      finishedFrames: 0,
      totalFrames: doc.range.out - doc.range.in + 1,
      device: null,
      previewPrefix: '',
      outpaint: doc.outpaint.enabled ? { scaleH: doc.outpaint.scaleH, scaleW: doc.outpaint.scaleW } : null,
    },
  });
  const task = await guard(() => api.job.start({ doc, mode: doc.outpaint.enabled ? 'outpaint' : 'inpaint' }));
  ops.removeTask(PENDING_RENDER);
  if (!task) return;
  media.startJob(task.taskId);
  if (!editorStore.getState().tasks[task.taskId]) ops.setTask(task); // events may have come first
  ops.setSession({ showResult: true });
}

/** Cancels the running render, else the running propagation. */
export async function cancelJob(): Promise<void> {
  const s = editorStore.getState();
  const target = [latestTask(s, 'render'), latestTask(s, 'propagate')].find((e) => isActive(e?.task) && e!.task.taskId !== PENDING_RENDER);
  if (target) await guard(() => api.task.cancel({ taskId: target.task.taskId }));
}

export async function exportVideo(format: ExportFormat, crf: number, pathArg?: string | null): Promise<void> {
  const s = editorStore.getState();
  const doc = ops.doc();
  const render = latestTask(s, 'render')?.task;
  if (!doc) return;
  if (!render || render.state !== 'done') {
    ops.message('info', 'Run the removal first (Run); the export writes the finished result at full quality.');
    return;
  }
  const ext = format === 'png' ? '' : format === 'prores' ? '.mov' : '.mp4';
  const suggested = `${stem(doc.source.path)}-clean${ext}`;
  let path = pathArg ?? null;
  if (!path) {
    path =
      (await guard(() =>
        pickPath(() => api.dialog.saveExport({ format, suggestedName: suggested }), {
          title: format === 'png' ? 'Export PNG sequence to folder' : 'Export video',
          message: format === 'png' ? 'Folder to receive 00000.png, 00001.png, … on the host computer.' : 'Full path of the video file to write on the host computer.',
          initial: `${dirName(doc.source.path)}/${suggested}`,
          confirmLabel: 'Export',
        }),
      )) ?? null;
  }
  if (!path) return;
  const task = await guard(() => api.export.start({ renderId: render.taskId, path: path!, format, crf }));
  if (task && !editorStore.getState().tasks[task.taskId]) ops.setTask(task);
}

export async function propagate(direction: 'forward' | 'backward'): Promise<void> {
  const doc = ops.doc();
  if (!doc) return;
  const target = propagationTarget(ops);
  if (!target) {
    ops.message('info', 'Select a roto shape (or a brush layer) to propagate.');
    return;
  }
  const session = ops.session();
  const toFrame = direction === 'forward' ? doc.range.out : doc.range.in;
  if ((direction === 'forward' && toFrame <= session.frame) || (direction === 'backward' && toFrame >= session.frame)) {
    ops.message('info', `Nothing to propagate ${direction}: move the playhead ${direction === 'forward' ? 'before the out' : 'after the in'} point.`);
    return;
  }
  const task = await guard(() =>
    api.job.propagate({ doc, layerId: target.layerId, shapeId: target.shapeId, fromFrame: session.frame, direction, toFrame, keyEvery: session.propagateKeyEvery }),
  );
  if (task && !editorStore.getState().tasks[task.taskId]) ops.setTask(task);
}

/** The host side of the action registry. */
export function hostActions(): ActionContext['host'] {
  return {
    openVideo: () =>
      void guard(async () => {
        const path = await pickPath(() => api.dialog.openVideo(), {
          title: 'Open video',
          message: 'Full path of a video file (or a folder of frames) on the host computer. You can also drop a video onto the window.',
          confirmLabel: 'Open',
        });
        if (path) await openVideoAt(path);
      }),
    openProject: () =>
      void guard(async () => {
        const path = await pickPath(() => api.dialog.openProject(), {
          title: 'Open project',
          message: 'Full path of a .cleanplate project file on the host computer.',
          confirmLabel: 'Open',
          suggestions: editorStore.getState().recent.map((r) => r.path),
        });
        if (path) await openProjectAt(path);
      }),
    openSample: () =>
      void guard(async () => {
        if (!(await mayReplace())) return;
        showProject(await api.project.openSample());
      }),
    save: () => void save(false),
    saveAs: () => void save(true),
    importMasks: () =>
      void guard(async () => {
        const doc = ops.doc();
        if (!doc) return;
        const path = await pickPath(() => api.dialog.chooseMasks(), {
          title: 'Import masks',
          message: 'A folder of PNG masks (one per frame), a single PNG for every frame, or a mask video. White = remove.',
          confirmLabel: 'Import',
        });
        if (!path) return;
        const imported = await api.mask.import({ path, width: doc.source.width, height: doc.source.height, frameCount: doc.source.frameCount });
        media.bitmaps.setPrefix(imported.source.path, imported.framePrefix);
        addBitmapLayer(ops, `Imported ${baseName(path)}`, imported.source);
      }),
    exportMasks: () =>
      void guard(async () => {
        const doc = ops.doc();
        if (!doc) return;
        const dir = await pickPath(() => api.dialog.chooseFolder({ title: 'Export mask sequence' }), {
          title: 'Export mask sequence',
          message: 'Folder to receive one PNG per frame of the combined mask (white = remove).',
          initial: `${dirName(doc.source.path)}/${stem(doc.source.path)}-masks`,
          confirmLabel: 'Export',
        });
        if (!dir) return;
        ops.message('info', 'Exporting the mask sequence…');
        const r = await api.mask.exportSequence({ doc, dir });
        ops.message('info', `Wrote ${r.frames} mask frames to ${r.dir}`);
      }),
    exportVideo: () => {
      const doc = ops.doc();
      if (doc) void exportVideo(doc.export.format, doc.export.crf, doc.export.path);
    },
    importModels: () =>
      void guard(async () => {
        const dir = await pickPath(() => api.dialog.chooseFolder({ title: 'Import models folder' }), {
          title: 'Import models folder',
          message: 'A folder holding the ProPainter ONNX files (converted or downloaded yourself). They are checked and copied into Cleanplate’s models folder.',
          confirmLabel: 'Import',
        });
        if (!dir) return;
        const models = await api.models.import({ dir });
        ops.setHost({ models });
        const pp = models.engines.find((e) => e.id === 'propainter');
        ops.message(pp?.ready ? 'info' : 'error', pp?.ready ? 'ProPainter models imported: the engine is ready.' : `Models imported, but ProPainter is not ready: ${pp?.detail ?? ''}`);
      }),
    downloadModels: () =>
      void guard(async () => {
        const status = editorStore.getState().models ?? (await api.models.status());
        if (!(await acceptLicense(status))) return;
        const task = await api.models.download({ acceptLicense: true });
        if (!editorStore.getState().tasks[task.taskId]) ops.setTask(task);
      }),
    runJob: () => void runJob(),
    cancelJob: () => void cancelJob(),
    propagate: (direction) => void propagate(direction),
  };
}
