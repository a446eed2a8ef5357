/**
 * The app's two privileged schemes. Both are answered here, by the plain functions in schemes.ts:
 * the page from dist/renderer only, with a strict CSP header; media from the cache only, with our
 * own Range handling (a `net.fetch(file://)` passthrough would ignore ranges and break seeking).
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { protocol } from 'electron';
import type { Session } from 'electron';
import { rendererCsp } from '../services/renderer-files';
import { APP_SCHEME, MEDIA_SCHEME, answerAppUrl, answerMediaUrl } from './schemes';

/** Must run before `ready`, once: the schemes' privileges cannot change later. */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true } },
  ]);
}

function body(file: string, start: number, end: number, method: string): ReadableStream | null {
  if (method === 'HEAD' || end < start) return null;
  return Readable.toWeb(createReadStream(file, { start, end })) as WebReadableStream as unknown as ReadableStream;
}

export function handleSchemes(session: Session, dirs: { renderer: string; cache: string }): void {
  const csp = rendererCsp({ media: [`${MEDIA_SCHEME}:`], connect: [] });
  session.protocol.handle(APP_SCHEME, async (req) => {
    const a = await answerAppUrl(dirs.renderer, req.url, req.method);
    if (a.status !== 200) return new Response(a.message, { status: a.status });
    const headers: Record<string, string> = { 'Content-Type': a.type, 'X-Content-Type-Options': 'nosniff' };
    if (a.type.startsWith('text/html')) headers['Content-Security-Policy'] = csp;
    return new Response(body(a.file, 0, Number.MAX_SAFE_INTEGER, req.method), { status: 200, headers });
  });
  session.protocol.handle(MEDIA_SCHEME, async (req) => {
    const a = await answerMediaUrl(dirs.cache, req.url, req.method, req.headers.get('range'));
    if (!('file' in a)) return new Response(a.message, { status: a.status, headers: a.headers });
    return new Response(body(a.file, a.start, a.end, req.method), { status: a.status, headers: a.headers });
  });
}
