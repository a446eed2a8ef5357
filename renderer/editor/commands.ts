/**
 * The editor's commands that reach the host: open, save, autosave, import/export, jobs, propagation,
 * models. Each shows its failure as the host's one-line message; nothing here throws at the UI.
 * (Edits of the document itself are in edits/; these are what needs the host or a file.)
 */
import type { OpenedProject } from '../../common/contract/types';
import { layerActiveAt, layerActiveRange } from '../../common/project/active-range';
import { frameFingerprints } from '../../common/project/fingerprint';
import type { ExportFormat, ProjectDoc } from '../../common/project/schema';
import { ContractError } from '../bridge';
import type { HostConnection } from '../bridge';
import { addBitmapLayer, propagationTarget } from '../edits';
import type { MediaSession } from '../media/session';
import { resultStatus } from '../media/staleness';
import { isActive, latestTask, PENDING_RENDER } from '../state/store';
import type { EditorOps, EditorStore } from '../state/store';
import type { DialogController } from './dialogs';

export interface CommandDeps {
  host: HostConnection;
  store: EditorStore;
  ops: EditorOps;
  media: MediaSession;
  dialogs: DialogController;
  /** This page's id, kept across its reloads: the host offers it what it autosaved before one. */
  clientId: string | null;
  /** Called after a project is shown (test hooks count them). */
  onProjectShown(): void;
}

/** Thumbnails asked for per clip (the timeline spreads them over its strip). */
export const THUMBNAIL_COUNT = 240;

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

export class EditorCommands {
  private lastAutosaveError = '';
  /** A save is on its way: an autosave now could land after it and look newer than the saved file. */
  private saving = false;

  constructor(private readonly d: CommandDeps) {}

  private get api() {
    return this.d.host.api;
  }

  private get ops() {
    return this.d.ops;
  }

  private state() {
    return this.d.store.getState();
  }

  showError(err: unknown): void {
    if (err instanceof ContractError) this.ops.message('error', err.message);
    else {
      console.error(err);
      this.ops.message('error', 'Something went wrong in the editor; the developer console has the details.');
    }
  }

  /** Runs an operation, reporting its failure as a message instead of throwing. */
  async guard<T>(f: () => Promise<T>): Promise<T | undefined> {
    try {
      return await f();
    } catch (err) {
      this.showError(err);
      return undefined;
    }
  }

  /** Shows an opened project: store, media session, thumbnails, imported mask frames. */
  showProject(opened: OpenedProject): void {
    this.d.media.open(opened.media);
    this.ops.loadProject(opened.doc, opened.media, opened.path);
    this.d.onProjectShown();
    if (opened.notice) this.ops.message('info', opened.notice);
    const thumbs = Math.min(opened.media.probe.frameCount, THUMBNAIL_COUNT);
    void this.guard(() => this.api.media.thumbnails({ mediaId: opened.media.mediaId, count: thumbs }));
    void this.reimportBitmaps(opened.doc);
    void this.loadKeptResult(opened.doc, opened.media.mediaId);
    void this.refreshRecent();
  }

  /** The result the host kept for this clip (an earlier session's run): shown, compared, exportable. */
  private async loadKeptResult(doc: ProjectDoc, mediaId: string): Promise<void> {
    const kept = await this.api.results.get({ doc, mode: doc.outpaint.enabled ? 'outpaint' : 'inpaint' }).catch(() => null);
    if (!kept || this.state().media?.mediaId !== mediaId || this.d.media.results.jobId) return;
    this.d.media.keep(kept.frames);
    this.ops.setHost({ keptResultId: kept.resultId });
    this.ops.bumpResults();
  }

  /** Bitmap layers keep only their source; the host decodes it again (cached) to serve its frames. */
  private async reimportBitmaps(doc: ProjectDoc): Promise<void> {
    for (const layer of doc.layers) {
      if (layer.kind !== 'bitmap' || this.d.media.bitmaps.hasPrefix(layer.source.path)) continue;
      const s = layer.source;
      const imported = await this.guard(() => this.api.mask.import({ path: s.path, width: doc.source.width, height: doc.source.height, frameCount: doc.source.frameCount }));
      if (imported) this.d.media.bitmaps.setPrefix(s.path, imported.framePrefix);
    }
  }

  async refreshRecent(): Promise<void> {
    const recent = await this.api.project.recent().catch(() => null);
    if (recent) this.ops.setHost({ recent });
  }

  async refreshModels(): Promise<void> {
    const models = await this.api.models.status().catch(() => null);
    if (models) this.ops.setHost({ models });
  }

  /** Asks before replacing a project with unsaved edits (the autosave would still hold them). */
  private async mayReplace(): Promise<boolean> {
    if (!this.ops.isDirty()) return true;
    return this.d.dialogs.confirm({
      title: 'Discard unsaved changes?',
      message: 'The current project has changes that are not saved. Open another project anyway?',
      confirmLabel: 'Discard and open',
      danger: true,
    });
  }

  private async pickPath(
    native: () => Promise<{ path: string | null }>,
    page: { title: string; message: string; initial?: string; confirmLabel: string; suggestions?: string[] },
  ): Promise<string | null> {
    if ((await this.d.host.info()).nativeDialogs) return (await native()).path;
    return this.d.dialogs.askPath(page);
  }

  async openProjectAt(path: string): Promise<void> {
    if (!(await this.mayReplace())) return;
    const opened = await this.guard(() => this.api.project.open({ path }));
    if (opened) this.showProject(opened);
  }

  async openVideoAt(videoPath: string): Promise<void> {
    if (!(await this.mayReplace())) return;
    const opened = await this.guard(() => this.api.project.newFromVideo({ videoPath }));
    if (opened) this.showProject(opened);
  }

  /** A file the OS (or a drop) asked to open: a project by its extension, else a video. */
  openPath(path: string): Promise<void> {
    return /\.cleanplate$/i.test(path) ? this.openProjectAt(path) : this.openVideoAt(path);
  }

  async openDroppedFile(file: File): Promise<void> {
    await this.guard(async () => this.openVideoAt(await this.d.host.resolveDroppedFile(file)));
  }

  private async saveTo(asNew: boolean): Promise<void> {
    const doc = this.ops.doc();
    if (!doc) return;
    const state = this.state();
    let path = asNew ? null : state.projectPath;
    if (!path) {
      const suggested = `${stem(state.projectPath ?? doc.source.path)}.cleanplate`;
      path =
        (await this.guard(() =>
          this.pickPath(() => this.api.dialog.saveProject({ suggestedName: suggested }), {
            title: 'Save project as',
            message: 'Full path of the .cleanplate file to write on the host computer.',
            initial: `${dirName(state.projectPath ?? doc.source.path)}/${suggested}`,
            confirmLabel: 'Save',
          }),
        )) ?? null;
      if (!path) return;
      if (!/\.cleanplate$/i.test(path)) path += '.cleanplate';
    }
    const token = this.ops.token();
    const target = path;
    // Unreachable host: the save waits in the bridge's queue and goes through when it is back.
    const waited = !this.ops.online();
    if (waited) {
      this.ops.setHost({ pendingSaves: this.state().pendingSaves + 1 });
      this.ops.message('info', `The host is unreachable: saving ${baseName(target)} waits and goes through when it is back.`);
    }
    this.saving = true;
    const saved = await this.guard(() => this.api.project.save({ doc, path: target })).finally(() => {
      this.saving = false;
      if (waited) this.ops.setHost({ pendingSaves: Math.max(0, this.state().pendingSaves - 1) });
    });
    if (saved) {
      this.ops.markSaved(saved.path, token);
      this.ops.markAutosaved(token);
      this.ops.message('info', waited ? `Saved ${baseName(saved.path)} (it waited for the host to come back)` : `Saved ${baseName(saved.path)}`);
      void this.refreshRecent();
    }
  }

  /** Back online after the host was unreachable: it may be a new host process, which has to open the video again. */
  async reconnected(): Promise<void> {
    this.ops.message('info', 'Reconnected to the Cleanplate host.');
    const doc = this.ops.doc();
    const mediaId = this.state().media?.mediaId;
    if (doc && mediaId) {
      const opened = await this.api.project.newFromVideo({ videoPath: doc.source.path }).catch(() => null);
      if (opened && opened.media.mediaId !== mediaId) this.ops.message('error', `${baseName(doc.source.path)} changed on disk while the host was away; open the project again.`);
      else this.d.media.frames?.retry(); // frames asked for before the video was open again there
    }
    void this.refreshModels();
  }

  /**
   * Writes the autosave when there are edits it does not hold yet. Undoing back to the saved state
   * writes it too, so an autosave of undone edits is not offered after a crash (the host drops an
   * autosave that holds exactly the saved work).
   */
  async autosaveNow(): Promise<void> {
    const doc = this.ops.doc();
    const state = this.state();
    if (!doc || this.ops.inGesture() || this.saving || !this.ops.online()) return;
    const token = this.ops.token();
    if (token === state.autosavedToken || (token === state.savedToken && state.autosavedToken === 0)) return;
    try {
      await this.api.project.autosave({ doc, projectPath: state.projectPath, ...(this.d.clientId ? { clientId: this.d.clientId } : {}) });
      this.ops.markAutosaved(token);
    } catch (err) {
      // An autosave failing every few seconds must not flood the user: report once per kind of failure.
      if (err instanceof ContractError && this.lastAutosaveError !== err.message) {
        this.lastAutosaveError = err.message;
        this.ops.message('error', `Autosave failed: ${err.message}`);
      }
    }
  }

  async runJob(): Promise<void> {
    const doc = this.ops.doc();
    if (!doc) return;
    if (isActive(latestTask(this.state(), 'render')?.task)) {
      this.ops.message('info', 'A job is already running; cancel it first or wait until it finishes.');
      return;
    }
    // Shown as queued until the host answers with the real task.
    this.ops.setTask({
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
        reusedFrames: 0,
        totalFrames: doc.range.out - doc.range.in + 1,
        device: null,
        previewPrefix: '',
        outpaint: doc.outpaint.enabled ? { scaleH: doc.outpaint.scaleH, scaleW: doc.outpaint.scaleW } : null,
      },
    });
    const mode = doc.outpaint.enabled ? 'outpaint' : 'inpaint';
    const task = await this.guard(() => this.api.job.start({ doc, mode }));
    this.ops.removeTask(PENDING_RENDER);
    if (!task) return;
    this.d.media.startJob(task.taskId, doc.range.in, frameFingerprints(doc, mode, doc.range.in, doc.range.out));
    if (!this.state().tasks[task.taskId]) this.ops.setTask(task); // events may have come first
    this.ops.setSession({ showResult: true });
  }

  /** Cancels the running render, else the running propagation. */
  async cancelJob(): Promise<void> {
    const s = this.state();
    const target = [latestTask(s, 'render'), latestTask(s, 'propagate')].find((e) => isActive(e?.task) && e!.task.taskId !== PENDING_RENDER);
    if (target) await this.guard(() => this.api.task.cancel({ taskId: target.task.taskId }));
  }

  /** The About box: what `cleanplate doctor` prints (the dialog asks the host for it). */
  showAbout(): void {
    void this.d.dialogs.about();
  }

  /** Exports the finished result; without a path it asks for one. */
  async exportResult(format: ExportFormat, crf: number, pathArg?: string | null): Promise<void> {
    const doc = this.ops.doc();
    const render = latestTask(this.state(), 'render')?.task;
    if (!doc) return;
    // This session's finished render, else the result kept from an earlier one.
    const renderId = render?.state === 'done' ? render.taskId : this.state().keptResultId;
    if (!renderId || isActive(render)) {
      this.ops.message('info', isActive(render) ? 'The render is still running; export once it is done.' : 'Run the removal first (Run); the export writes the finished result at full quality.');
      return;
    }
    const status = resultStatus(doc, this.d.media.results);
    if (status.toRedo > 0) {
      const go = await this.d.dialogs.confirm({
        title: 'Export older results?',
        message: `${status.toRedo} of ${doc.range.out - doc.range.in + 1} frames were made from other masks or settings, or not made yet${status.missing ? ' (those are exported untouched)' : ''}. Run updates them; export the result as it is anyway?`,
        confirmLabel: 'Export anyway',
      });
      if (!go) return;
    }
    const ext = format === 'png' ? '' : format === 'prores' ? '.mov' : '.mp4';
    const suggested = `${stem(doc.source.path)}-clean${ext}`;
    let path = pathArg ?? null;
    if (!path) {
      path =
        (await this.guard(() =>
          this.pickPath(() => this.api.dialog.saveExport({ format, suggestedName: suggested }), {
            title: format === 'png' ? 'Export PNG sequence to folder' : 'Export video',
            message: format === 'png' ? 'Folder to receive 00000.png, 00001.png, … on the host computer.' : 'Full path of the video file to write on the host computer.',
            initial: `${dirName(doc.source.path)}/${suggested}`,
            confirmLabel: 'Export',
          }),
        )) ?? null;
    }
    if (!path) return;
    const target = path;
    const task = await this.guard(() => this.api.export.start({ renderId, path: target, format, crf }));
    if (task && !this.state().tasks[task.taskId]) this.ops.setTask(task);
  }

  async propagate(direction: 'forward' | 'backward'): Promise<void> {
    const doc = this.ops.doc();
    if (!doc) return;
    const target = propagationTarget(this.ops);
    if (!target) {
      this.ops.message('info', 'Select a roto shape (or a brush layer) to propagate.');
      return;
    }
    const session = this.ops.session();
    const layer = doc.layers.find((l) => l.id === target.layerId);
    const frames = layer ? layerActiveRange(layer, doc.range.out) : null;
    if (layer && frames && !layerActiveAt(layer, session.frame, doc.range.out)) {
      this.ops.message('info', `"${layer.name}" masks frames ${frames.in}–${Math.min(frames.out, doc.source.frameCount - 1)} only: move the playhead into them (or drag the ends of its bar on the timeline) to propagate from here.`);
      return;
    }
    const toFrame = direction === 'forward' ? doc.range.out : doc.range.in;
    if ((direction === 'forward' && toFrame <= session.frame) || (direction === 'backward' && toFrame >= session.frame)) {
      this.ops.message('info', `Nothing to propagate ${direction}: move the playhead ${direction === 'forward' ? 'before the out' : 'after the in'} point.`);
      return;
    }
    const task = await this.guard(() =>
      this.api.job.propagate({ doc, layerId: target.layerId, shapeId: target.shapeId, fromFrame: session.frame, direction, toFrame, keyEvery: session.propagateKeyEvery }),
    );
    if (task && !this.state().tasks[task.taskId]) this.ops.setTask(task);
  }

  openVideo(): void {
    void this.guard(async () => {
      const path = await this.pickPath(() => this.api.dialog.openVideo(), {
        title: 'Open video',
        message: 'Full path of a video file (or a folder of frames) on the host computer. You can also drop a video onto the window.',
        confirmLabel: 'Open',
      });
      if (path) await this.openVideoAt(path);
    });
  }

  openProject(): void {
    void this.guard(async () => {
      const path = await this.pickPath(() => this.api.dialog.openProject(), {
        title: 'Open project',
        message: 'Full path of a .cleanplate project file on the host computer.',
        confirmLabel: 'Open',
        suggestions: this.state().recent.map((r) => r.path),
      });
      if (path) await this.openProjectAt(path);
    });
  }

  openSample(): void {
    void this.guard(async () => {
      if (!(await this.mayReplace())) return;
      this.showProject(await this.api.project.openSample());
    });
  }

  save(): void {
    void this.saveTo(false);
  }

  saveAs(): void {
    void this.saveTo(true);
  }

  importMasks(): void {
    void this.guard(async () => {
      const doc = this.ops.doc();
      if (!doc) return;
      const path = await this.pickPath(() => this.api.dialog.chooseMasks(), {
        title: 'Import masks',
        message: 'A folder of PNG masks (one per frame), a single PNG for every frame, or a mask video. White = remove.',
        confirmLabel: 'Import',
      });
      if (!path) return;
      const imported = await this.api.mask.import({ path, width: doc.source.width, height: doc.source.height, frameCount: doc.source.frameCount });
      this.d.media.bitmaps.setPrefix(imported.source.path, imported.framePrefix);
      addBitmapLayer(this.ops, `Imported ${baseName(path)}`, imported.source);
    });
  }

  exportMasks(): void {
    void this.guard(async () => {
      const doc = this.ops.doc();
      if (!doc) return;
      const dir = await this.pickPath(() => this.api.dialog.chooseFolder({ title: 'Export mask sequence' }), {
        title: 'Export mask sequence',
        message: 'Folder to receive one PNG per frame of the combined mask (white = remove).',
        initial: `${dirName(doc.source.path)}/${stem(doc.source.path)}-masks`,
        confirmLabel: 'Export',
      });
      if (!dir) return;
      this.ops.message('info', 'Exporting the mask sequence…');
      const r = await this.api.mask.exportSequence({ doc, dir });
      this.ops.message('info', `Wrote ${r.frames} mask frames to ${r.dir}`);
    });
  }

  /** Export with the project's settings (Ctrl+E, the menu); the panel's button asks for a path. */
  exportVideo(): void {
    const doc = this.ops.doc();
    if (doc) void this.exportResult(doc.export.format, doc.export.crf, doc.export.path);
  }

  importModels(): void {
    void this.guard(async () => {
      const dir = await this.pickPath(() => this.api.dialog.chooseFolder({ title: 'Import models folder' }), {
        title: 'Import models folder',
        message: 'A folder holding the ProPainter ONNX files (converted or downloaded yourself). They are checked and copied into Cleanplate’s models folder.',
        confirmLabel: 'Import',
      });
      if (!dir) return;
      const models = await this.api.models.import({ dir });
      this.ops.setHost({ models });
      const pp = models.engines.find((e) => e.id === 'propainter');
      this.ops.message(pp?.ready ? 'info' : 'error', pp?.ready ? 'ProPainter models imported: the engine is ready.' : `Models imported, but ProPainter is not ready: ${pp?.detail ?? ''}`);
    });
  }

  downloadModels(): void {
    void this.guard(async () => {
      const status = this.state().models ?? (await this.api.models.status());
      if (!(await this.d.dialogs.acceptLicense(status))) return;
      const task = await this.api.models.download({ acceptLicense: true });
      if (!this.state().tasks[task.taskId]) this.ops.setTask(task);
    });
  }

  /** A crash-recovery offer accepted: the autosaved document replaces what is shown. */
  async recover(id: string): Promise<boolean> {
    const opened = await this.guard(() => this.api.project.recover({ id }));
    if (opened) this.showProject(opened);
    return !!opened;
  }

  async discardRecovery(id: string): Promise<void> {
    await this.guard(() => this.api.project.discardRecovery({ id }));
  }
}
