/**
 * The renderer-facing API shape, generated from the contract tables: `api.project.open({path})`.
 * Both the Electron preload and the web host's client build this object from a transport, so the
 * renderer cannot tell which host it runs in.
 */
import { callNames, eventNames } from './channels';
import type { CallArgs, CallName, CallResult, EventName, EventPayload } from './channels';
import type { Envelope } from './define';

type GroupOf<K extends string> = K extends `${infer G}.${string}` ? G : never;
type MethodOf<K extends string, G extends string> = K extends `${G}.${infer M}` ? M : never;

/** Low-level bridge: what the preload (or the web client) exposes on `window.cleanplate`. */
export type BridgeCalls = {
  [G in GroupOf<CallName>]: {
    [M in MethodOf<CallName, G>]: `${G}.${M}` extends infer K extends CallName ? (args: CallArgs<K>) => Promise<Envelope<CallResult<K>>> : never;
  };
};

export interface Bridge {
  calls: BridgeCalls;
  /** Subscribes to one event channel; returns the unsubscribe function. */
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** URL for a cache ref on this host. */
  mediaUrl(ref: string): string;
  /** Electron only: the filesystem path of a dropped File (webUtils.getPathForFile). */
  pathForFile?(file: unknown): string;
}

export type Transport = (channel: CallName, args: unknown) => Promise<Envelope<unknown>>;

export function buildBridgeCalls(transport: Transport): BridgeCalls {
  const groups: Record<string, Record<string, (args: unknown) => Promise<Envelope<unknown>>>> = {};
  for (const name of callNames) {
    const [group, method] = name.split('.') as [string, string];
    (groups[group] ??= {})[method] = (args: unknown) => transport(name, args ?? {});
  }
  return groups as unknown as BridgeCalls;
}

/** A cache ref as a URL path: each segment escaped ("frames/ab12/000042.jpg" stays readable). */
export function encodeMediaRef(ref: string): string {
  return ref.split('/').map(encodeURIComponent).join('/');
}

/** Electron's URL schemes: the renderer's page (cleanplate-app://app/…) and cache files (cleanplate-media://cache/<ref>). */
export const APP_SCHEME = 'cleanplate-app';
export const MEDIA_SCHEME = 'cleanplate-media';

/** The one IPC channel Electron's main process pushes contract events on, as `{ event, payload }`. */
export const EVENT_CHANNEL = 'cleanplate:event';

export function isEventName(name: string): name is EventName {
  return (eventNames as string[]).includes(name);
}
