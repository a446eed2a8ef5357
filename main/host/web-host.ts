/**
 * The web host: the services over HTTP + WebSocket on 127.0.0.1, so the unchanged renderer runs in
 * a browser (development, end-to-end tests). It is an adapter only: every call goes to the shared
 * dispatcher, every file comes from the cache through the shared resolver.
 *
 * Every route but /healthz and the renderer's own files needs the per-run secret (guard.ts).
 *
 *   GET  /healthz          liveness, for test runners
 *   GET  /metrics          event-loop delay (p50/p99/max ms since the last read), CPU and memory, to
 *                          check that jobs never stall the host (they run in engine processes)
 *   GET  /media/<ref>      a cache file (Range/206/416)
 *   POST /upload           a dropped file, streamed to <userData>/imports/, answers { path }
 *   WS   /ws               { id, channel, args } -> { id, envelope }; pushed { event, payload }
 *   GET  /…                the built renderer (dist/renderer)
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, WebSocket } from 'ws';
import type { EventName, EventPayload } from '../../common/contract/channels';
import { MAX_CALL_BYTES } from '../../common/contract/define';
import type { Envelope } from '../../common/contract/define';
import type { ErrorInfo } from '../../common/errors';
import { answerCacheRequest, resolveUnder } from '../services/cache-files';
import { describeWriteError } from '../services/atomic-file';
import type { Dispatch } from '../services/dispatcher';
import type { Log } from '../services/log';
import { rendererCsp, rendererFileType } from '../services/renderer-files';
import { refuseReason, TOKEN_HEADER, tokenMatches } from './guard';

export interface WebHostOptions {
  /** 0 picks a free port (tests). */
  port: number;
  rendererDir: string;
  cacheDir: string;
  importsDir: string;
  dispatch: Dispatch;
  uploadLimitBytes: number;
  log: Log;
  version: string;
  /** The per-run secret a client must present (guard.ts); the host's URL carries it. */
  token: string;
}

export interface WebHost {
  /** The address to open, with the secret: http://127.0.0.1:<port>/?token=<secret>. */
  readonly url: string;
  readonly port: number;
  broadcast<E extends EventName>(event: E, payload: EventPayload<E>): void;
  close(): Promise<void>;
}

const securityHeaders = { 'X-Content-Type-Options': 'nosniff', 'Cross-Origin-Resource-Policy': 'same-origin', 'Referrer-Policy': 'no-referrer' };

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...securityHeaders, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...securityHeaders, ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

async function streamFile(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, file: string, start: number, end: number) {
  res.writeHead(status, { ...securityHeaders, ...headers });
  if (req.method === 'HEAD' || end < start) {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(file, { start, end }), res);
  } catch {
    res.destroy(); // the client went away mid-file, or the file vanished
  }
}

/** A dropped file's name, kept readable but safe as one path segment. */
export function safeUploadName(raw: string | undefined): string {
  let name = 'upload';
  try {
    name = decodeURIComponent(raw ?? '') || name;
  } catch {
    /* keep the default */
  }
  name = path.basename(name.replace(/\\/g, '/')).replace(/[^\p{L}\p{N}._ ()[\]+,'&@-]/gu, '_').replace(/^\.+/, '').slice(0, 180);
  return name || 'upload';
}

class TooLarge extends Error {}

async function receiveUpload(req: IncomingMessage, res: ServerResponse, opts: WebHostOptions): Promise<void> {
  const fail = (status: number, error: ErrorInfo) => sendJson(res, status, { error });
  if (req.headers['x-cleanplate-upload'] !== '1') return fail(400, { code: 'invalid-args', message: 'Uploads must come from the Cleanplate page.' });
  const limit = opts.uploadLimitBytes >= 1 << 20 ? `${Math.round(opts.uploadLimitBytes / (1 << 20))} MiB` : `${Math.round(opts.uploadLimitBytes / 1024)} KiB`;
  const tooLarge = { code: 'bad-input' as const, message: `The file is larger than the web host's upload limit (${limit}); open it by path, or raise CLEANPLATE_UPLOAD_LIMIT_MB.` };
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > opts.uploadLimitBytes) {
    req.resume();
    return fail(413, tooLarge);
  }
  const name = safeUploadName(req.headers['x-cleanplate-file-name'] as string | undefined);
  // One folder per upload keeps the user's file name (projects are named after it) without collisions.
  const dir = path.join(opts.importsDir, `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
  const target = path.join(dir, name);
  const partial = `${target}.part`;
  let received = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      if (received > opts.uploadLimitBytes) done(new TooLarge());
      else done(null, chunk);
    },
  });
  try {
    await fs.mkdir(dir, { recursive: true });
    await pipeline(req, limiter, createWriteStream(partial, { flags: 'wx' }));
    await fs.rename(partial, target);
    sendJson(res, 200, { path: target });
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    if (err instanceof TooLarge) return fail(413, tooLarge);
    const described = describeWriteError(err, target);
    if (described) return fail(507, { code: described.code, message: described.message });
    if (!res.headersSent && !req.destroyed) {
      opts.log.warn('upload failed', err);
      fail(500, { code: 'internal', message: 'The upload failed; please retry.' });
    }
  }
}

async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string, opts: WebHostOptions, port: number) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
  const rel = pathname === '/' ? 'index.html' : pathname.slice(1);
  const file = await resolveUnder(opts.rendererDir, rel);
  const type = file ? rendererFileType(file) : null;
  if (!file || !type) {
    if (rel === 'index.html') return sendText(res, 503, 'The renderer is not built yet; run "npm run build" and reload.');
    return sendText(res, 404, 'Not found');
  }
  const size = (await fs.stat(file)).size;
  const headers: Record<string, string> = { 'Content-Type': type, 'Content-Length': String(size), 'Cache-Control': 'no-cache' };
  if (type.startsWith('text/html')) headers['Content-Security-Policy'] = rendererCsp({ media: [], connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] });
  await streamFile(req, res, 200, headers, file, 0, size - 1);
}

interface CallMessage {
  id: string | number;
  channel: string;
  args: unknown;
}

function parseCall(data: string): CallMessage | null {
  try {
    const m = JSON.parse(data) as Partial<CallMessage>;
    if (m && (typeof m.id === 'number' || typeof m.id === 'string') && typeof m.channel === 'string') return { id: m.id, channel: m.channel, args: m.args };
  } catch {
    /* fall through */
  }
  return null;
}

/** Event-loop delay since the previous call, in milliseconds, plus this process's memory. */
function metricsReader() {
  const resolutionMs = 10;
  const delay = monitorEventLoopDelay({ resolution: resolutionMs });
  delay.enable();
  let cpu = process.cpuUsage();
  let since = performance.now();
  const read = () => {
    // The histogram records the whole interval between timer ticks; the delay is what exceeds it.
    const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - resolutionMs) * 100) / 100);
    const usage = process.cpuUsage(cpu);
    const body = {
      eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max), samples: delay.count },
      rssMb: Math.round(process.memoryUsage().rss / (1 << 20)),
      // CPU this process used over the window: tells its own work apart from waiting for a busy machine.
      cpuPercent: Math.round(((usage.user + usage.system) / 1e3 / Math.max(1, performance.now() - since)) * 1000) / 10,
    };
    delay.reset();
    cpu = process.cpuUsage();
    since = performance.now();
    return body;
  };
  return { read, stop: () => delay.disable() };
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  let port = opts.port;
  const metrics = metricsReader();
  const sockets = new Set<WebSocket>();
  // Larger messages close the socket (1009) before they are buffered or parsed.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CALL_BYTES });

  const withToken = (url: URL, headers: http.IncomingHttpHeaders) => tokenMatches(opts.token, url.searchParams.get('token') ?? (headers[TOKEN_HEADER] as string | undefined));
  const noToken = (res: ServerResponse) => sendText(res, 401, 'Unauthorized: open the address the Cleanplate host printed (it carries ?token=...).');

  const server = http.createServer((req, res) => {
    const refused = refuseReason(req.headers, port);
    if (refused) return sendText(res, 403, `Forbidden: ${refused}.`);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const pathname = url.pathname;
    const guarded = pathname === '/metrics' || pathname === '/upload' || pathname.startsWith('/media/');
    if (guarded && !withToken(url, req.headers)) {
      req.resume();
      return noToken(res);
    }
    let work: Promise<void> | void;
    if (pathname === '/healthz') work = sendJson(res, 200, { ok: true, version: opts.version });
    else if (pathname === '/metrics') work = sendJson(res, 200, metrics.read());
    else if (pathname.startsWith('/media/')) {
      work = answerCacheRequest(opts.cacheDir, pathname.slice('/media/'.length), req.method ?? 'GET', req.headers.range).then((a) =>
        'file' in a ? streamFile(req, res, a.status, a.headers, a.file, a.start, a.end) : sendText(res, a.status, a.message, a.headers),
      );
    } else if (pathname === '/upload') {
      work = req.method === 'POST' ? receiveUpload(req, res, opts) : sendText(res, 405, 'Method not allowed', { Allow: 'POST' });
    } else work = serveStatic(req, res, pathname, opts, port);
    Promise.resolve(work).catch((err) => {
      opts.log.error(`${req.method} ${pathname} failed`, err);
      if (!res.headersSent) sendText(res, 500, 'Internal error');
      else res.destroy();
    });
  });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refused = url.pathname !== '/ws' ? 'no WebSocket here' : (refuseReason(req.headers, port) ?? (withToken(url, req.headers) ? null : 'no valid token'));
    if (refused) {
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nForbidden: ${refused}.`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
      ws.on('message', (data, isBinary) => {
        const call = isBinary ? null : parseCall(data.toString());
        if (!call) {
          ws.send(JSON.stringify({ id: null, envelope: { ok: false, error: { code: 'invalid-args', message: 'Expected {"id","channel","args"} as JSON text.' } } }));
          return;
        }
        void opts.dispatch(call.channel, call.args).then((envelope: Envelope<unknown>) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ id: call.id, envelope }));
        });
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${encodeURIComponent(opts.token)}`,
    port,
    broadcast(event, payload) {
      const text = JSON.stringify({ event, payload });
      for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.send(text);
    },
    async close() {
      metrics.stop();
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
