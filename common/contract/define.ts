/**
 * Building blocks of the one IPC contract. A call is a channel name with a zod schema for its
 * arguments (validated by every host before a handler runs) and a result type (produced by the
 * trusted side, so it is a type, not a runtime check). An event is a channel main pushes to the
 * renderer with a payload type.
 */
import type { z } from 'zod';
import type { ErrorInfo } from '../errors';

export interface CallSpec<A extends z.ZodType = z.ZodType, R = unknown> {
  readonly args: A;
  /** Phantom: carries the result type only. */
  readonly result: R;
}

export interface EventSpec<P = unknown> {
  readonly payload: P;
}

export function call<A extends z.ZodType>(args: A) {
  return {
    returns<R>(): CallSpec<A, R> {
      return { args, result: undefined as unknown as R };
    },
  };
}

export function event<P>(): EventSpec<P> {
  return { payload: undefined as unknown as P };
}

/** What crosses the process boundary for every call: never a thrown error, always an envelope. */
export type Envelope<R> = { ok: true; value: R } | { ok: false; error: ErrorInfo };

/**
 * A reference to a file in the app's cache (frames, thumbnails, previews), relative to the cache root,
 * e.g. "frames/3f2a9c/000042.jpg". Hosts turn it into a URL: cleanplate-media://cache/<ref> in
 * Electron, /media/<ref> in the web host. Never an absolute path.
 */
export type MediaRef = string;

/**
 * The largest project document the hosts accept, as a file or inside a call. A heavy real project
 * (hundreds of keyed shapes, thousands of brush strokes) is a few MB of JSON; this leaves room for
 * ten times that, and keeps a hostile file or message from making the host parse gigabytes.
 */
export const MAX_DOCUMENT_BYTES = 32 << 20;
/** The largest message a call can be: one document and its other, small arguments. */
export const MAX_CALL_BYTES = MAX_DOCUMENT_BYTES + (1 << 20);
