/**
 * The services both hosts serve: one handler per contract call, behind the shared dispatcher.
 * A host creates them once (`createServices`), routes every call to `dispatch`, forwards `emit`ted
 * events to its renderer, and calls `dispose` when it quits.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RecentProject } from '../../common/contract/types';
import { probeMedia } from '../media/index';
import type { ServiceContext } from './context';
import { dialogHandlers } from './dialogs';
import { createDispatcher } from './dispatcher';
import type { Dispatch, Handlers } from './dispatcher';
import { ExportRegistry } from './export-registry';
import { JobRegistry } from './job-registry';
import { exportMasksInEngine, importMask } from './mask-files';
import { MediaLibrary } from './media-library';
import { ModelsService } from './models-service';
import { ProjectStore } from './project-store';
import { RecentProjects } from './recent-projects';
import { SessionRecovery } from './recovery';
import { userDataPaths } from './paths';
import type { UserDataPaths } from './paths';

export type { ServiceContext, Emit, EngineConnection, EngineLauncher, NativeDialogs } from './context';
export type { Dispatch, Handlers } from './dispatcher';

export interface Services {
  dispatch: Dispatch;
  handlers: Handlers;
  paths: UserDataPaths;
  recentProjects(): Promise<RecentProject[]>;
  /** Stops jobs and downloads and ends the session cleanly (its autosaves are no longer needed). */
  dispose(): Promise<void>;
}

export async function createServices(ctx: ServiceContext): Promise<Services> {
  const paths = userDataPaths(ctx.userDataDir);
  await Promise.all([paths.cache, paths.autosave, paths.imports, paths.logs].map((dir) => fs.mkdir(dir, { recursive: true })));
  const models = new ModelsService(paths.root, ctx.emit, ctx.log);
  const jobs = new JobRegistry({ cacheDir: paths.cache, emit: ctx.emit, launchEngine: ctx.launchEngine, log: ctx.log, modelsDir: () => models.dir });
  await jobs.removeStaleResults();
  const exports = new ExportRegistry(jobs, ctx.emit, ctx.log);
  const recovery = new SessionRecovery(paths.autosave, paths.root, ctx.log);
  await recovery.start();
  const recent = new RecentProjects(paths.recent, ctx.log, ctx.onRecentChanged);
  const media = new MediaLibrary(paths.cache, ctx.emit, ctx.log);
  const projects = new ProjectStore({ media, recent, recovery, sampleDir: ctx.sampleDir, sampleCopyDir: path.join(paths.cache, 'sample'), appVersion: ctx.appVersion, log: ctx.log });

  const handlers: Handlers = {
    'app.info': () => ({
      version: ctx.appVersion,
      host: ctx.host,
      platform: process.platform,
      nativeDialogs: ctx.dialogs !== null,
      fileDrop: ctx.host === 'electron' ? 'path' : 'upload',
    }),
    'app.initialState': () => projects.initialState(ctx.openAtStartup?.() ?? null),
    ...dialogHandlers(ctx.dialogs),

    'project.openSample': () => projects.openSample(),
    'project.open': ({ path: file }) => projects.open(file),
    'project.newFromVideo': ({ videoPath }) => projects.newFromVideo(videoPath),
    'project.save': ({ doc, path: file }) => projects.save(doc, file),
    'project.autosave': async ({ doc, projectPath }) => {
      await projects.autosave(doc, projectPath);
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

    'mask.import': (args) => importMask(paths.cache, args),
    'mask.exportSequence': ({ doc, dir }) => exportMasksInEngine(ctx.launchEngine, doc, dir),

    'job.start': ({ doc, mode }) => jobs.start(doc, mode),
    'job.cancel': async ({ jobId }) => {
      await jobs.cancel(jobId);
      return { ok: true as const };
    },
    'job.list': () => jobs.list(),
    'job.propagate': (args) => jobs.propagate(args),

    'export.start': (args) => exports.start(args),
    'export.cancel': ({ exportId }) => {
      exports.cancel(exportId);
      return { ok: true as const };
    },

    ...models.handlers(),
  };

  return {
    dispatch: createDispatcher(handlers, ctx.log),
    handlers,
    paths,
    recentProjects: () => projects.recentProjects(),
    async dispose() {
      models.dispose();
      exports.dispose();
      media.dispose();
      await jobs.dispose();
      await recovery.end();
    },
  };
}
