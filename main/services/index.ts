/**
 * The services both hosts serve: one handler per contract call, behind the shared dispatcher.
 * A host creates them once (`createServices`), routes every call to `dispatch`, forwards `emit`ted
 * events to its renderer, and calls `dispose` when it quits.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RecentProject } from '../../common/contract/types';
import { onToolCommand, probeMedia } from '../media/index';
import type { ServiceContext } from './context';
import { dialogHandlers } from './dialogs';
import { createDispatcher } from './dispatcher';
import type { Dispatch, Handlers } from './dispatcher';
import { ExportRegistry } from './export-registry';
import { JobRegistry } from './job-registry';
import { EnginePool } from './engine-pool';
import { removeLeftovers } from './leftovers';
import { engineDiagnosticsInEngine, gatherDiagnostics } from './diagnostics';
import { exportMasksInEngine, importMask } from './mask-files';
import { MediaLibrary } from './media-library';
import { bundledManifest } from '../models/index';
import { buildInEngine } from './model-build';
import { ModelsService } from './models-service';
import { ProjectStore } from './project-store';
import { RecentProjects } from './recent-projects';
import { SessionRecovery } from './recovery';
import { ResultStore } from './result-store';
import { SettingsStore } from './settings';
import { checkDocumentSource } from './source-check';
import { TaskRegistry } from './task-registry';
import { UploadPruner } from './uploads';
import { WriteAccess } from './write-access';
import { userDataPaths } from './paths';
import type { UserDataPaths } from './paths';

const MiB = 1024 * 1024;

export type { ServiceContext, Emit, EngineConnection, EngineLauncher, NativeDialogs } from './context';
export type { Dispatch, Handlers } from './dispatcher';

export interface Services {
  dispatch: Dispatch;
  handlers: Handlers;
  paths: UserDataPaths;
  recentProjects(): Promise<RecentProject[]>;
  /** Stops every task and ends the session cleanly (its autosaves are no longer needed). */
  dispose(): Promise<void>;
}

export async function createServices(ctx: ServiceContext): Promise<Services> {
  const paths = userDataPaths(ctx.userDataDir);
  // Every ffmpeg and ffprobe this process starts is in the log, ready to rerun by hand.
  onToolCommand((line) => ctx.log.debug(`ffmpeg: ${line}`));
  await Promise.all([paths.cache, paths.autosave, paths.imports, paths.logs].map((dir) => fs.mkdir(dir, { recursive: true })));
  const tasks = new TaskRegistry(ctx.emit, ctx.log);
  const engines = new EnginePool(ctx.launchEngine, ctx.maxEngines);
  const models = new ModelsService(paths.root, tasks, bundledManifest, buildInEngine(engines));
  const results = new ResultStore(paths.cache, ctx.log);
  await results.clean();
  const jobs = new JobRegistry({ cacheDir: paths.cache, tasks, engines, emit: ctx.emit, log: ctx.log, modelsDir: () => models.dir, checkSource: (doc) => checkDocumentSource(doc), results });
  await jobs.removeStaleResults();
  const exports = new ExportRegistry(jobs, tasks);
  const recovery = new SessionRecovery(paths.autosave, paths.root, ctx.log);
  await recovery.start();
  const recent = new RecentProjects(paths.recent, ctx.log, ctx.onRecentChanged);
  const { background: sweeping } = await removeLeftovers(paths, (await recent.list()).map((p) => path.dirname(p.path)), ctx.log);
  const settings = new SettingsStore(paths.settings, ctx.log);
  const media = new MediaLibrary(paths.cache, ctx.emit, ctx.log, (await settings.get()).frameCacheLimitMB * MiB);
  settings.onChange((s) => media.setFrameCacheLimit(s.frameCacheLimitMB * MiB));
  const access = new WriteAccess(ctx.dialogs ? 'dialogs' : 'typed');
  // Uploads nothing references go at start and whenever a project closes (uploads.ts).
  const uploads = new UploadPruner({ importsDir: paths.imports, referencedFiles: () => projects.referencedFiles(), log: ctx.log });
  const pruneUploads = () => uploads.prune().catch((err: unknown) => ctx.log.warn('could not prune uploaded files', err));
  const projects = new ProjectStore({
    media,
    recent,
    recovery,
    sampleDir: ctx.sampleDir,
    sampleCopyDir: path.join(paths.cache, 'sample'),
    appVersion: ctx.appVersion,
    log: ctx.log,
    access,
    onProjectClosed: () => void pruneUploads(),
  });
  const pruning = pruneUploads();

  const handlers: Handlers = {
    'app.info': () => ({
      version: ctx.appVersion,
      host: ctx.host,
      platform: process.platform,
      nativeDialogs: ctx.dialogs !== null,
      fileDrop: ctx.host === 'electron' ? 'path' : 'upload',
    }),
    'app.about': () => gatherDiagnostics({ appVersion: ctx.appVersion, userDataDir: paths.root, modelsDir: models.dir, engine: () => engineDiagnosticsInEngine(engines) }),
    'app.initialState': ({ clientId }) => projects.initialState(ctx.openAtStartup?.() ?? null, clientId ?? null),
    'settings.get': () => settings.get(),
    'settings.update': (change) => settings.update(change),
    ...dialogHandlers(ctx.dialogs, access),

    'project.openSample': () => projects.openSample(),
    'project.open': ({ path: file }) => projects.open(file),
    'project.newFromVideo': ({ videoPath }) => projects.newFromVideo(videoPath),
    'project.save': ({ doc, path: file }) => projects.save(doc, file),
    'project.autosave': async ({ doc, projectPath, clientId }) => {
      await projects.autosave(doc, projectPath, clientId ?? null);
      return { ok: true as const };
    },
    'project.recover': ({ id }) => projects.recover(id),
    'project.discardRecovery': async ({ id }) => {
      await recovery.discard(id);
      return { ok: true as const };
    },
    'project.recent': () => projects.recentProjects(),

    'media.probe': ({ path }) => probeMedia(path),
    'media.frame': ({ mediaId, index }) => media.frame(mediaId, index),
    'media.thumbnails': ({ mediaId, count }) => media.thumbnails(mediaId, count),
    'media.cacheUsage': () => media.frameCacheUsage(),

    'mask.import': (args) => importMask(paths.cache, args),
    'mask.exportSequence': async ({ doc, dir }) => {
      access.check(dir);
      await checkDocumentSource(doc);
      return exportMasksInEngine(engines, doc, dir);
    },

    'job.start': ({ doc, mode }) => jobs.start(doc, mode),
    'job.propagate': (args) => jobs.propagate(args),
    'results.get': async ({ doc, mode }) => {
      const kept = await results.read(doc, mode);
      return kept ? ResultStore.describe(kept) : null;
    },
    'export.start': (args) => {
      access.check(args.path);
      return exports.start(args);
    },
    ...models.handlers(),

    'task.list': () => tasks.list(),
    'task.cancel': async ({ taskId }) => {
      await tasks.cancel(taskId);
      return { ok: true as const };
    },
  };

  return {
    dispatch: createDispatcher(handlers, ctx.log),
    handlers,
    paths,
    recentProjects: () => projects.recentProjects(),
    async dispose() {
      media.dispose();
      await tasks.dispose();
      await sweeping;
      await pruning;
      await recovery.end();
    },
  };
}
