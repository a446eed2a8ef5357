/**
 * THE contract: every call the renderer can make and every event it can receive, declared once.
 * The preload API, the ipcMain bindings and the web host's WebSocket bindings are all generated
 * from these tables; nothing else names a channel.
 */
import { z } from 'zod';
import type { ActionId } from '../actions';
import { call, event } from './define';
import type { MediaRef } from './define';
import { UserSettingsChangeSchema } from './settings';
import type { UserSettings } from './settings';
import { ExportFormatSchema, MAX_FRAME_COUNT, MAX_FRAME_SIDE, ProjectDocSchema } from '../project/schema';
import type { AppInfo, Diagnostics, FrameCacheUsage, ImportedMask, InitialState, MediaInfo, ModelsStatus, OpenedProject, ProbeResult, PropagatedKeyPatch, RecentProject, StoredResults, Task } from './types';

/** An absolute path (POSIX, `C:\\…` or a UNC share): a relative one would resolve against the host's working folder. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || /^\\\\[^\\]/.test(p);
}
const filePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'a path cannot contain NUL bytes')
  .refine(isAbsolutePath, 'must be an absolute path');
const frameSize = z.number().int().positive().max(MAX_FRAME_SIDE);
const frameCountArg = z.number().int().min(1).max(MAX_FRAME_COUNT);
const taskId = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/);
const mediaId = z.string().regex(/^[a-f0-9]{8,64}$/);
const none = z.object({}).strict();
/** The page (tab or window) a call comes from, kept across its reloads: whose autosave is whose. */
const clientId = z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/);

export const calls = {
  'app.info': call(none).returns<AppInfo>(),
  /** What a bug report needs (the About box; `cleanplate doctor` prints the same). Takes a few seconds. */
  'app.about': call(none).returns<Diagnostics>(),
  /** The user's preferences (this computer's, not the project's). */
  'settings.get': call(none).returns<UserSettings>(),
  /** Changes some preferences; they apply at once (a lower frame cache limit removes frames now). */
  'settings.update': call(UserSettingsChangeSchema).returns<UserSettings>(),
  /** The project to show at start (last opened or the bundled sample) and any crash-recovery offers. */
  'app.initialState': call(z.object({ clientId: clientId.optional() }).strict()).returns<InitialState>(),

  'dialog.openVideo': call(none).returns<{ path: string | null }>(),
  'dialog.openProject': call(none).returns<{ path: string | null }>(),
  'dialog.saveProject': call(z.object({ suggestedName: z.string().max(255) }).strict()).returns<{ path: string | null }>(),
  'dialog.chooseFolder': call(z.object({ title: z.string().max(200) }).strict()).returns<{ path: string | null }>(),
  'dialog.saveExport': call(z.object({ format: ExportFormatSchema, suggestedName: z.string().max(255) }).strict()).returns<{ path: string | null }>(),
  'dialog.chooseMasks': call(none).returns<{ path: string | null }>(),

  'project.openSample': call(none).returns<OpenedProject>(),
  'project.open': call(z.object({ path: filePath }).strict()).returns<OpenedProject>(),
  'project.newFromVideo': call(z.object({ videoPath: filePath }).strict()).returns<OpenedProject>(),
  'project.save': call(z.object({ doc: ProjectDocSchema, path: filePath }).strict()).returns<{ path: string }>(),
  /** Written to the autosave folder every few seconds while there are unsaved edits. */
  'project.autosave': call(z.object({ doc: ProjectDocSchema, projectPath: filePath.nullable(), clientId: clientId.optional() }).strict()).returns<{ ok: true }>(),
  'project.recover': call(z.object({ id: z.string().regex(/^[a-zA-Z0-9_-]{1,80}$/) }).strict()).returns<OpenedProject>(),
  'project.discardRecovery': call(z.object({ id: z.string().regex(/^[a-zA-Z0-9_-]{1,80}$/) }).strict()).returns<{ ok: true }>(),
  'project.recent': call(none).returns<RecentProject[]>(),

  'media.probe': call(z.object({ path: filePath }).strict()).returns<ProbeResult>(),
  /** Ensures one frame is in the proxy frame cache and returns its ref. */
  'media.frame': call(z.object({ mediaId, index: z.number().int().min(0) }).strict()).returns<{ ref: MediaRef }>(),
  /** Disk the UI's proxy frames take, of all media, and the limit they are kept under. */
  'media.cacheUsage': call(none).returns<FrameCacheUsage>(),
  /** Starts (or continues) filling the timeline thumbnails; each arrives as a `media.thumbnail` event. */
  'media.thumbnails': call(z.object({ mediaId, count: z.number().int().min(1).max(2000) }).strict()).returns<{ started: true }>(),

  'mask.import': call(z.object({ path: filePath, width: frameSize, height: frameSize, frameCount: frameCountArg }).strict()).returns<ImportedMask>(),
  'mask.exportSequence': call(z.object({ doc: ProjectDocSchema, dir: filePath }).strict()).returns<{ frames: number; dir: string }>(),

  'job.start': call(
    z
      .object({
        doc: ProjectDocSchema,
        mode: z.enum(['inpaint', 'outpaint']),
      })
      .strict(),
  ).returns<Task<'render'>>(),
  /** Optical-flow mask propagation for the editor (shape or brush mask), a cancellable task of its own. */
  'job.propagate': call(
    z
      .object({
        doc: ProjectDocSchema,
        layerId: z.string().min(1).max(64),
        shapeId: z.string().min(1).max(64).nullable(),
        fromFrame: z.number().int().min(0),
        direction: z.enum(['forward', 'backward']),
        toFrame: z.number().int().min(0),
        keyEvery: z.number().int().min(1).max(100),
      })
      .strict(),
  ).returns<Task<'propagate'>>(),

  /** The render result kept for this document's source and mode, with what made each frame (null: none). */
  'results.get': call(z.object({ doc: ProjectDocSchema, mode: z.enum(['inpaint', 'outpaint']) }).strict()).returns<StoredResults | null>(),

  'export.start': call(
    z
      .object({
        renderId: taskId,
        path: filePath,
        format: ExportFormatSchema,
        crf: z.number().int().min(0).max(51),
      })
      .strict(),
  ).returns<Task<'export'>>(),

  'models.status': call(none).returns<ModelsStatus>(),
  'models.import': call(z.object({ dir: filePath }).strict()).returns<ModelsStatus>(),
  'models.download': call(z.object({ acceptLicense: z.literal(true) }).strict()).returns<Task<'download'>>(),

  /** Every task of this session (running, queued, and the latest finished ones), oldest first. */
  'task.list': call(none).returns<Task[]>(),
  /** Stops a task; resolves once it has ended (a render's engine process is gone within about a second). */
  'task.cancel': call(z.object({ taskId }).strict()).returns<{ ok: true }>(),
} as const;

export const events = {
  /** A task changed: queued -> running, progress, the render's device known. At most a few a second per task. */
  'task.progress': event<{ task: Task }>(),
  /** A task ended (state done, failed or cancelled, with its one-line message). Sent once per task. */
  'task.finished': event<{ task: Task }>(),
  /** A final output frame of a render exists; `ref` is its preview JPEG. */
  'job.frame': event<{ taskId: string; index: number; ref: MediaRef; reused?: boolean }>(),
  /** A one-line notice while a render or propagation runs (provider fallback, out-of-memory retry, ...). */
  'job.notice': event<{ taskId: string; message: string }>(),
  /** Mask propagation created or updated a key; the payload carries the edit to apply. */
  'job.propagatedKey': event<{ taskId: string; layerId: string; shapeId: string | null; frame: number; patch: PropagatedKeyPatch }>(),
  'media.thumbnail': event<{ mediaId: string; index: number; ref: MediaRef }>(),
  'media.frameCache': event<{ mediaId: string; cached: number; total: number }>(),
  /** A native menu item (an action of common/actions) or a file the OS asked to open (`openPath`). */
  'app.command': event<{ command: AppCommand; path?: string }>(),
} as const;

export type AppCommand = ActionId | 'openPath';

export type Calls = typeof calls;
export type Events = typeof events;
export type CallName = keyof Calls;
export type EventName = keyof Events;
export type CallArgs<K extends CallName> = z.input<Calls[K]['args']>;
export type ParsedArgs<K extends CallName> = z.output<Calls[K]['args']>;
export type CallResult<K extends CallName> = Calls[K]['result'];
export type EventPayload<K extends EventName> = Events[K]['payload'];

export const callNames = Object.keys(calls) as CallName[];
export const eventNames = Object.keys(events) as EventName[];
