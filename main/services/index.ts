/**
 * The services both hosts serve: one handler per contract call, behind the shared dispatcher.
 * A host creates them once (`createServices`), routes every call to `dispatch`, forwards `emit`ted
 * events to its renderer, and calls `dispose` when it quits.
 */
import { promises as fs } from 'node:fs';
import { UserError } from '../../common/errors';
import type { ServiceContext } from './context';
import { dialogHandlers } from './dialogs';
import { createDispatcher } from './dispatcher';
import type { Dispatch, Handlers } from './dispatcher';
import { JobRegistry } from './job-registry';
import { userDataPaths } from './paths';
import type { UserDataPaths } from './paths';

export type { ServiceContext, Emit, EngineConnection, EngineLauncher, NativeDialogs } from './context';
export type { Dispatch, Handlers } from './dispatcher';

export interface Services {
  dispatch: Dispatch;
  handlers: Handlers;
  paths: UserDataPaths;
  dispose(): Promise<void>;
}

function pending(what: string): never {
  throw new UserError('unsupported', `${what} is not available in this build yet.`);
}

export async function createServices(ctx: ServiceContext): Promise<Services> {
  const paths = userDataPaths(ctx.userDataDir);
  await Promise.all([paths.cache, paths.autosave, paths.imports, paths.logs].map((dir) => fs.mkdir(dir, { recursive: true })));
  const jobs = new JobRegistry({ cacheDir: paths.cache, emit: ctx.emit, launchEngine: ctx.launchEngine, log: ctx.log, modelsDir: () => null });
  await jobs.removeStaleResults();

  const handlers: Handlers = {
    'app.info': () => ({
      version: ctx.appVersion,
      host: ctx.host,
      platform: process.platform,
      nativeDialogs: ctx.dialogs !== null,
      fileDrop: ctx.host === 'electron' ? 'path' : 'upload',
    }),
    'app.initialState': () => pending('Opening projects'),
    ...dialogHandlers(ctx.dialogs),

    'project.openSample': () => pending('Opening projects'),
    'project.open': () => pending('Opening projects'),
    'project.newFromVideo': () => pending('Opening videos'),
    'project.save': () => pending('Saving projects'),
    'project.autosave': () => pending('Autosave'),
    'project.recover': () => pending('Recovery'),
    'project.discardRecovery': () => pending('Recovery'),
    'project.recent': () => [],

    'media.probe': () => pending('Probing media'),
    'media.frame': () => pending('The frame cache'),
    'media.thumbnails': () => pending('Thumbnails'),

    'mask.import': () => pending('Importing masks'),
    'mask.exportSequence': () => pending('Exporting masks'),

    'job.start': ({ doc, mode }) => jobs.start(doc, mode),
    'job.cancel': async ({ jobId }) => {
      await jobs.cancel(jobId);
      return { ok: true as const };
    },
    'job.list': () => jobs.list(),
    'job.propagate': (args) => jobs.propagate(args),

    'export.start': () => pending('Export'),
    'export.cancel': () => pending('Export'),

    'models.status': () => pending('The model manager'),
    'models.import': () => pending('The model manager'),
    'models.download': () => pending('The model manager'),
    'models.cancelDownload': () => pending('The model manager'),
  };

  return {
    dispatch: createDispatcher(handlers, ctx.log),
    handlers,
    paths,
    async dispose() {
      await jobs.dispose();
    },
  };
}
