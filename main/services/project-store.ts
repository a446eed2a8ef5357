/**
 * Project files: open (restore, find the source video, open its media), new from a video, the
 * bundled sample, atomic save, autosave/recovery and the recent list. Only restore() turns
 * file contents into a document.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { MAX_DOCUMENT_BYTES } from '../../common/contract/define';
import type { InitialState, MediaInfo, OpenedProject, RecentProject } from '../../common/contract/types';
import { UserError } from '../../common/errors';
import { createProject, restore, serializeProject } from '../../common/project/index';
import type { ProjectDoc } from '../../common/project/index';
import { describeWriteError, writeFileAtomic } from './atomic-file';
import type { Log } from './log';
import type { RecentProjects } from './recent-projects';
import type { SessionRecovery } from './recovery';
import { sourceMismatch } from './source-check';
import type { WriteAccess } from './write-access';

export const PROJECT_EXTENSION = '.cleanplate';
export const SAMPLE_PROJECT = 'sample.cleanplate';

export interface MediaOpener {
  open(videoPath: string): Promise<MediaInfo>;
}

export interface ProjectStoreOptions {
  media: MediaOpener;
  recent: RecentProjects;
  recovery: SessionRecovery;
  /** Folder holding the bundled sample (read-only when packaged). */
  sampleDir: string;
  /** Where the sample's clip is copied, so a saved sample project points at a lasting file. */
  sampleCopyDir: string;
  appVersion: string;
  log: Log;
  /** Where the renderer may have us write (write-access.ts); told which project is open. */
  access: WriteAccess;
  /** Another project replaced the open one (the web host then prunes uploads nothing uses). */
  onProjectClosed?: () => void;
}

function displayName(file: string): string {
  return path.basename(file);
}

/** A project path is stored as given by the user; relative paths in a project are always posix. */
function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

export class ProjectStore {
  /** The open project's file and source video (null until one is open). */
  private current: { file: string | null; source: string } | null = null;

  constructor(private readonly o: ProjectStoreOptions) {}

  /**
   * Files some project still needs: the open project's and its video, every recent project and its
   * video, and the videos of autosaves (which recovery may reopen).
   */
  async referencedFiles(): Promise<string[]> {
    const files = new Set<string>();
    if (this.current) {
      files.add(this.current.source);
      if (this.current.file) files.add(this.current.file);
    }
    for (const { path: file } of await this.o.recent.list()) {
      files.add(file);
      const doc = await this.readDocument(file).catch(() => null); // a project that cannot be read needs nothing
      if (doc) for (const source of this.sourceCandidates(doc, file)) files.add(source);
    }
    for (const json of await this.o.recovery.autosavedDocs()) {
      const restored = restore(json);
      if (restored.ok) files.add(path.resolve(restored.doc.source.path));
    }
    return [...files];
  }

  private sourceCandidates(doc: ProjectDoc, projectFile: string): string[] {
    const relative = doc.source.relativePath ? [path.resolve(path.dirname(projectFile), doc.source.relativePath)] : [];
    return [path.resolve(doc.source.path), ...relative];
  }

  /** Records the project now open; the one it replaced is closed. */
  private opened(file: string | null, source: string): void {
    const replaced = this.current !== null;
    this.current = { file, source: path.resolve(source) };
    if (replaced) this.o.onProjectClosed?.();
  }

  async open(projectPath: string): Promise<OpenedProject> {
    const file = path.resolve(projectPath);
    const doc = await this.readDocument(file);
    const { sourcePath, notice } = await this.locateSource(doc, file);
    const opened = await this.withMedia({ ...doc, source: { ...doc.source, path: sourcePath } }, file, notice);
    this.o.access.projectOpened(file);
    await this.o.recent.add(file);
    this.opened(file, sourcePath);
    return opened;
  }

  async newFromVideo(videoPath: string): Promise<OpenedProject> {
    const media = await this.o.media.open(path.resolve(videoPath));
    const p = media.probe;
    const doc = createProject(
      { path: p.path, relativePath: null, width: p.width, height: p.height, fps: p.fps, frameCount: p.frameCount, rotation: p.rotation },
      new Date().toISOString(),
      this.o.appVersion,
    );
    this.o.access.projectOpened(null);
    this.opened(null, p.path);
    return { doc, path: null, media, notice: null };
  }

  /** The bundled sample, as a new unsaved project whose clip lives in the user's cache. */
  async openSample(): Promise<OpenedProject> {
    const projectFile = path.join(this.o.sampleDir, SAMPLE_PROJECT);
    if (!(await exists(projectFile))) throw new UserError('not-found', `The sample project is missing from ${this.o.sampleDir}; run "npm run build" (or reinstall Cleanplate).`);
    const doc = await this.readDocument(projectFile);
    const bundledClip = path.resolve(this.o.sampleDir, doc.source.relativePath ?? doc.source.path);
    const clip = await this.copySampleClip(bundledClip);
    this.o.access.projectOpened(null);
    const opened = await this.withMedia({ ...doc, source: { ...doc.source, path: clip, relativePath: null } }, null, null);
    this.opened(null, clip);
    return opened;
  }

  async save(doc: ProjectDoc, target: string): Promise<{ path: string }> {
    let file = path.resolve(target);
    if (path.extname(file).toLowerCase() !== PROJECT_EXTENSION) file += PROJECT_EXTENSION;
    this.o.access.check(file, target);
    const folder = path.dirname(file);
    try {
      await fs.access(folder, fsConstants.W_OK);
    } catch (err) {
      throw describeWriteError(err, file) ?? new UserError('io', `Cannot write to ${folder}; choose another location.`);
    }
    const now = new Date().toISOString();
    const toSave: ProjectDoc = {
      ...doc,
      source: { ...doc.source, path: path.resolve(doc.source.path), relativePath: toPosix(path.relative(folder, path.resolve(doc.source.path))) },
      meta: { ...doc.meta, modifiedAt: now, appVersion: this.o.appVersion },
    };
    await writeFileAtomic(file, serializeProject(toSave));
    this.o.access.projectOpened(file);
    await this.o.recovery.saved(file);
    await this.o.recent.add(file);
    if (this.current) this.current.file = file;
    return { path: file };
  }

  autosave(doc: ProjectDoc, projectPath: string | null, clientId: string | null = null): Promise<void> {
    return this.o.recovery.autosave(doc, projectPath, clientId);
  }

  async recover(id: string): Promise<OpenedProject> {
    const { doc: json, projectPath } = await this.o.recovery.recover(id);
    const restored = restore(json);
    if (!restored.ok) throw new UserError('bad-input', `The autosave cannot be restored: ${restored.message}.`);
    const doc = restored.doc;
    const { sourcePath, notice } = await this.locateSource(doc, projectPath);
    const opened = await this.withMedia({ ...doc, source: { ...doc.source, path: sourcePath } }, projectPath, notice);
    this.o.access.projectOpened(projectPath);
    this.opened(projectPath, sourcePath);
    return opened;
  }

  recentProjects(): Promise<RecentProject[]> {
    return this.o.recent.list();
  }

  /**
   * What to show at start: a project the OS asked to open, else the last project, else the sample;
   * plus recovery offers (crashed sessions', and what this page autosaved before a reload). A project that cannot be reopened falls back to the sample with a notice.
   */
  async initialState(requested: string | null, clientId: string | null = null): Promise<InitialState> {
    const recovery = await this.o.recovery.offersFor(clientId);
    const candidate = requested ?? (await this.o.recent.list())[0]?.path ?? null;
    if (candidate) {
      try {
        return { project: await this.open(candidate), recovery };
      } catch (err) {
        const why = err instanceof UserError ? err.message : 'it could not be read';
        this.o.log.warn(`could not reopen ${candidate} at start-up: ${why}`, err instanceof UserError ? undefined : err);
        const sample = await this.openSample();
        return { project: { ...sample, notice: `Could not reopen ${displayName(candidate)}: ${why}` }, recovery };
      }
    }
    return { project: await this.openSample(), recovery };
  }

  private async readDocument(file: string): Promise<ProjectDoc> {
    const name = displayName(file);
    let text: string;
    try {
      const { size } = await fs.stat(file);
      if (size > MAX_DOCUMENT_BYTES)
        throw new UserError('bad-input', `${name} is ${Math.round(size / (1 << 20))} MB, larger than any Cleanplate project (at most ${MAX_DOCUMENT_BYTES >> 20} MB); choose a ${PROJECT_EXTENSION} file saved by Cleanplate.`);
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new UserError('not-found', `${file} does not exist; check the path or choose the project again.`);
      if (code === 'EISDIR') throw new UserError('bad-input', `${file} is a folder, not a project; choose a ${PROJECT_EXTENSION} file.`);
      if (code === 'EACCES' || code === 'EPERM') throw new UserError('io', `${file} cannot be read (permission denied); check its permissions.`);
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UserError('bad-input', `${name} is not a Cleanplate project (it is not valid JSON); choose a ${PROJECT_EXTENSION} file saved by Cleanplate.`);
    }
    if ((json as { format?: unknown } | null)?.format !== 'cleanplate')
      throw new UserError('bad-input', `${name} is not a Cleanplate project (no "format": "cleanplate"); choose a ${PROJECT_EXTENSION} file saved by Cleanplate.`);
    const restored = restore(json);
    if (!restored.ok) throw new UserError('bad-input', `${name} cannot be opened: ${restored.message}.`);
    if (restored.migratedFrom !== null) this.o.log.info(`${file}: migrated from project version ${restored.migratedFrom}`);
    return restored.doc;
  }

  /** The source video: next to the project first (folders move together), then its absolute path. */
  private async locateSource(doc: ProjectDoc, projectFile: string | null): Promise<{ sourcePath: string; notice: string | null }> {
    const absolute = path.resolve(doc.source.path);
    const relative = projectFile && doc.source.relativePath ? path.resolve(path.dirname(projectFile), doc.source.relativePath) : null;
    if (relative && (await exists(relative))) {
      const moved = relative !== absolute;
      return { sourcePath: relative, notice: moved ? `The source video was found next to the project at ${relative} (it was saved as ${absolute}).` : null };
    }
    if (await exists(absolute)) return { sourcePath: absolute, notice: null };
    throw new UserError('not-found', `The project's source video ${absolute} is missing; put it back, or keep it next to the project file, and open the project again.`);
  }

  private async withMedia(doc: ProjectDoc, projectPath: string | null, notice: string | null): Promise<OpenedProject> {
    const media = await this.o.media.open(doc.source.path);
    const mismatch = sourceMismatch(doc, media.probe);
    if (mismatch) throw mismatch;
    return { doc, path: projectPath, media, notice };
  }

  private async copySampleClip(bundled: string): Promise<string> {
    const st = await fs.stat(bundled).catch(() => null);
    if (!st) throw new UserError('not-found', `The sample clip ${bundled} is missing; run "npm run build" (or reinstall Cleanplate).`);
    const copy = path.join(this.o.sampleCopyDir, path.basename(bundled));
    const existing = await fs.stat(copy).catch(() => null);
    if (existing && existing.size === st.size && existing.mtimeMs >= st.mtimeMs) return copy;
    await fs.mkdir(this.o.sampleCopyDir, { recursive: true });
    const tmp = `${copy}.${process.pid}.tmp`;
    await fs.copyFile(bundled, tmp);
    await fs.rename(tmp, copy);
    return copy;
  }
}
