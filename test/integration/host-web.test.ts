// The web host in-process on a free port, with the real services: request guards (Host, Origin,
// Sec-Fetch-Site) and the per-run secret, /media confined to the cache with byte ranges, uploads, and the WebSocket
// contract round trip with pushed events.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_CALL_BYTES, MAX_DOCUMENT_BYTES } from '../../common/contract/define';
import { startWebHost } from '../../main/host/web-host';
import type { WebHost } from '../../main/host/web-host';
import { createServices } from '../../main/services/index';
import type { Services } from '../../main/services/index';
import { createLog } from '../../main/services/log';

const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-host-'));
const TOKEN = 'per-run-secret-for-tests';
/** A path with this run's secret, as the page sends it. */
const t = (p: string) => `${p}${p.includes('?') ? '&' : '?'}token=${TOKEN}`;
const rendererDir = path.join(base, 'renderer');
let services: Services;
let host: WebHost;

beforeAll(async () => {
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Cleanplate</title>');
  writeFileSync(path.join(base, 'secret.jpg'), 'outside the cache');
  const log = createLog(null, { quiet: true });
  services = await createServices({
    host: 'web',
    appVersion: '9.9.9',
    userDataDir: path.join(base, 'user'),
    sampleDir: path.join(base, 'no-sample'),
    emit: (name, payload) => host?.broadcast(name, payload),
    launchEngine: () => {
      throw new Error('no engine in this test');
    },
    dialogs: null,
    log,
  });
  host = await startWebHost({
    port: 0,
    rendererDir,
    cacheDir: services.paths.cache,
    importsDir: services.paths.imports,
    dispatch: services.dispatch,
    uploadLimitBytes: 64 * 1024,
    log,
    version: '9.9.9',
    token: TOKEN,
  });
  mkdirSync(path.join(services.paths.cache, 'thumbs', 'ab12'), { recursive: true });
  writeFileSync(path.join(services.paths.cache, 'thumbs', 'ab12', '000003.jpg'), Buffer.from(Array.from({ length: 300 }, (_, i) => i & 255)));
});

afterAll(async () => {
  await host?.close();
  await services?.dispose();
  rmSync(base, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(urlPath: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: host.port, path: urlPath, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${host.port}`, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function connect(origin?: string, token: string | null = TOKEN): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws${token === null ? '' : `?token=${encodeURIComponent(token)}`}`, origin ? { origin } : {});
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('web host', () => {
  it('answers /healthz and serves the renderer with a CSP', async () => {
    const health = await request('/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body.toString())).toEqual({ ok: true, version: '9.9.9' });
    const metrics = JSON.parse((await request(t('/metrics'))).body.toString());
    expect(metrics.eventLoopDelayMs.p99).toBeGreaterThanOrEqual(0);
    expect(metrics.rssMb).toBeGreaterThan(10);
    const page = await request('/');
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('<title>Cleanplate</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it.each([
    ['a foreign Host (DNS rebinding)', { host: 'evil.example:80' }],
    ['our port under another name', { host: 'evil.example' }],
    ['another port', { host: '127.0.0.1:1' }],
    ['a foreign Origin (CSRF)', { origin: 'http://evil.example' }],
    ['a same-site page on another port', { origin: 'http://127.0.0.1:1' }],
    ['a cross-site subresource load', { 'sec-fetch-site': 'cross-site' }],
  ])('refuses %s', async (_name, headers) => {
    for (const p of ['/healthz', '/', t('/media/thumbs/ab12/000003.jpg')]) {
      const r = await request(p, { headers: headers as Record<string, string> });
      expect(r.status).toBe(403);
    }
  });

  it('accepts localhost and its own origin', async () => {
    expect((await request('/healthz', { headers: { host: `localhost:${host.port}`, origin: `http://localhost:${host.port}` } })).status).toBe(200);
    expect((await request('/healthz', { headers: { origin: `http://127.0.0.1:${host.port}`, 'sec-fetch-site': 'same-origin' } })).status).toBe(200);
  });

  it('serves cache files with ranges and refuses everything outside the cache', async () => {
    const whole = await request(t('/media/thumbs/ab12/000003.jpg'));
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toBe('image/jpeg');
    expect(whole.body.length).toBe(300);
    const part = await request(t('/media/thumbs/ab12/000003.jpg'), { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 10-19/300');
    expect([...part.body]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect((await request(t('/media/thumbs/ab12/000003.jpg'), { headers: { range: 'bytes=300-' } })).status).toBe(416);
    for (const p of ['/media/../../secret.jpg', '/media/%2e%2e/%2e%2e/secret.jpg', `/media/${encodeURIComponent(path.join(base, 'secret.jpg'))}`, '/media/../user/recent.json']) {
      const r = await request(t(p));
      expect(r.status).toBe(404);
      expect(r.body.toString()).not.toContain('outside the cache');
    }
  });

  it('stores an upload under imports/ and enforces the size limit', async () => {
    const content = Buffer.alloc(5000, 7);
    const ok = await request(t('/upload'), { method: 'POST', body: content, headers: { 'x-cleanplate-upload': '1', 'x-cleanplate-file-name': encodeURIComponent('../My clip (1).mp4'), 'content-type': 'application/octet-stream' } });
    expect(ok.status).toBe(200);
    const stored = JSON.parse(ok.body.toString()).path as string;
    expect(stored.startsWith(services.paths.imports + path.sep)).toBe(true);
    expect(path.basename(stored)).toBe('My clip (1).mp4');
    expect(readFileSync(stored)).toEqual(content);

    const big = await request(t('/upload'), { method: 'POST', body: Buffer.alloc(100 * 1024), headers: { 'x-cleanplate-upload': '1', 'x-cleanplate-file-name': 'big.mp4' } });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body.toString()).error.message).toBe("The file is larger than the web host's upload limit (64 KiB); open it by path, or raise CLEANPLATE_UPLOAD_LIMIT_MB.");

    // Without the page's header (a plain cross-site form cannot set one) nothing is stored.
    expect((await request(t('/upload'), { method: 'POST', body: content })).status).toBe(400);
    expect((await request(t('/upload'), { method: 'POST', body: content, headers: { 'x-cleanplate-upload': '1', origin: 'http://evil.example' } })).status).toBe(403);
  });

  it('carries contract calls over the WebSocket and pushes events', async () => {
    const ws = await connect(`http://127.0.0.1:${host.port}`);
    const replies: unknown[] = [];
    const got = new Promise<void>((resolve) =>
      ws.on('message', (data) => {
        replies.push(JSON.parse(data.toString()));
        if (replies.length === 4) resolve();
      }),
    );
    ws.send(JSON.stringify({ id: 1, channel: 'app.info', args: {} }));
    ws.send(JSON.stringify({ id: 2, channel: 'project.open', args: { path: 42 } }));
    ws.send('not json');
    await new Promise((r) => setTimeout(r, 100));
    host.broadcast('app.command', { command: 'save' });
    await got;
    ws.close();
    expect(replies).toContainEqual({ id: 1, envelope: { ok: true, value: expect.objectContaining({ version: '9.9.9', host: 'web', nativeDialogs: false }) } });
    expect(replies).toContainEqual({ id: 2, envelope: { ok: false, error: { code: 'invalid-args', message: expect.stringContaining('project.open') } } });
    expect(replies).toContainEqual({ id: null, envelope: { ok: false, error: expect.objectContaining({ code: 'invalid-args' }) } });
    expect(replies).toContainEqual({ event: 'app.command', payload: { command: 'save' } });
  });

  it('closes a socket that sends a message larger than any real call, before parsing it', async () => {
    const ws = await connect(`http://127.0.0.1:${host.port}`);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(Buffer.alloc(MAX_CALL_BYTES + 1, 0x20));
    expect(await closed).toBe(1009); // "message too big"
    // A document at the limit still fits in one call.
    expect(MAX_CALL_BYTES - MAX_DOCUMENT_BYTES).toBeGreaterThanOrEqual(1 << 20);
  });

  it('refuses a WebSocket from a foreign origin', async () => {
    await expect(connect('http://evil.example')).rejects.toThrow(/403/);
  });

  it('refuses a local program without the per-run secret: WebSocket, media, uploads and metrics', async () => {
    // A program sends no Origin at all: without the secret it gets nothing but the page.
    await expect(connect(undefined, null)).rejects.toThrow(/403/);
    await expect(connect(undefined, 'guessed')).rejects.toThrow(/403/);
    await expect(connect(undefined, `${TOKEN}x`)).rejects.toThrow(/403/);
    for (const p of ['/media/thumbs/ab12/000003.jpg', '/media/thumbs/ab12/000003.jpg?token=nope', '/metrics']) {
      const r = await request(p);
      expect(r.status, p).toBe(401);
      expect(r.body.toString()).toContain('open the address the Cleanplate host printed');
    }
    const upload = await request('/upload', { method: 'POST', body: Buffer.alloc(10), headers: { 'x-cleanplate-upload': '1', 'x-cleanplate-file-name': 'sneaky.mp4' } });
    expect(upload.status).toBe(401);
    expect(existsSync(services.paths.imports) ? readdirSync(services.paths.imports).some((d) => readdirSync(path.join(services.paths.imports, d)).includes('sneaky.mp4')) : false).toBe(false);
    // The header carries it as well as the query; the printed URL carries it.
    expect((await request('/metrics', { headers: { 'x-cleanplate-token': TOKEN } })).status).toBe(200);
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${TOKEN}`);
    // The page itself and the liveness check need no secret (the page takes it from its address).
    expect((await request('/')).status).toBe(200);
    expect((await request('/healthz')).status).toBe(200);
  });

  it('never serves the user-data folder as static files', async () => {
    expect(existsSync(path.join(base, 'user', 'cache'))).toBe(true);
    expect((await request('/../user/recent.json')).status).toBe(404);
    expect((await request('/%2e%2e/secret.jpg')).status).toBe(404);
  });
});
