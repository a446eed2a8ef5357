// The renderer's web bridge against the real web host: typed calls, envelopes unwrapped into
// ContractError, events, calls queued while connecting, and reconnecting after the host restarts
// (calls in flight then fail with one clear line, except harmless ones, which are sent again), with
// the connection state going offline and back online.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { startWebHost } from '../../main/host/web-host';
import type { WebHost } from '../../main/host/web-host';
import { createServices } from '../../main/services/index';
import type { Services } from '../../main/services/index';
import { createLog } from '../../main/services/log';
import type { CallName } from '../../common/contract/channels';

// Node 20 has no WebSocket global; `ws` implements the same browser API the bridge uses.
(globalThis as { WebSocket?: unknown }).WebSocket ??= NodeWebSocket;
const { createWebBridge } = await import('../../renderer/bridge/web-client');

const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-bridge-'));
const log = createLog(null, { quiet: true });
let services: Services;
let host: WebHost;
let port = 0;

async function startHost(): Promise<void> {
  host = await startWebHost({ port, rendererDir: base, cacheDir: services.paths.cache, importsDir: services.paths.imports, dispatch: services.dispatch, uploadLimitBytes: 1 << 20, log, version: '1.0.0', token: 'bridge-secret' });
  port = host.port;
}

beforeAll(async () => {
  services = await createServices({
    host: 'web',
    appVersion: '1.0.0',
    userDataDir: path.join(base, 'user'),
    sampleDir: path.join(base, 'none'),
    emit: (n, p) => host?.broadcast(n, p),
    launchEngine: () => {
      throw new Error('no engine here');
    },
    dialogs: null,
    log,
  });
  await startHost();
});
afterAll(async () => {
  await host?.close();
  await services?.dispose();
  rmSync(base, { recursive: true, force: true });
});

function unwrap(bridge: ReturnType<typeof createWebBridge>, group: string, method: string, args: unknown) {
  const fn = (bridge.calls as unknown as Record<string, Record<string, (a: unknown) => Promise<unknown>>>)[group]![method]!;
  return fn(args);
}

describe('web bridge', () => {
  it('queues calls made while connecting and answers them once open', async () => {
    const bridge = createWebBridge({ host: `127.0.0.1:${port}`, protocol: 'http:' }, 'bridge-secret');
    const [info, recent, bad] = await Promise.all([unwrap(bridge, 'app', 'info', {}), unwrap(bridge, 'project', 'recent', {}), unwrap(bridge, 'project', 'open', { path: '' })]);
    expect(info).toMatchObject({ ok: true, value: { host: 'web', version: '1.0.0' } });
    expect(recent).toEqual({ ok: true, value: [] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-args' } });
  });

  it('delivers events to subscribers until they unsubscribe', async () => {
    const bridge = createWebBridge({ host: `127.0.0.1:${port}`, protocol: 'http:' }, 'bridge-secret');
    await unwrap(bridge, 'app', 'info', {}); // connected
    const got: unknown[] = [];
    const off = bridge.on('app.command', (p) => got.push(p));
    host.broadcast('app.command', { command: 'undo' });
    await expect.poll(() => got.length).toBe(1);
    off();
    host.broadcast('app.command', { command: 'redo' });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([{ command: 'undo' }]);
  });

  it('reconnects after the host restarts: a call in flight fails with a clear line, a harmless one goes through', async () => {
    const bridge = createWebBridge({ host: `127.0.0.1:${port}`, protocol: 'http:' }, 'bridge-secret');
    await unwrap(bridge, 'app', 'info', {});
    expect(bridge.connection.state()).toBe('online');
    const states: string[] = [];
    bridge.connection.subscribe((s) => states.push(s));
    // Calls still running when the host goes away: opening a project (not sent twice) and the recent list (a read).
    const slowOpen = services.handlers['project.open'];
    const slowRecent = services.handlers['project.recent'];
    (services.handlers as Record<CallName, unknown>)['project.open'] = () => new Promise(() => undefined);
    (services.handlers as Record<CallName, unknown>)['project.recent'] = () => new Promise(() => undefined);
    const opening = unwrap(bridge, 'project', 'open', { path: '/x.cleanplate' });
    const reading = unwrap(bridge, 'project', 'recent', {});
    await new Promise((r) => setTimeout(r, 50));
    await host.close();
    expect(await opening).toEqual({ ok: false, error: { code: 'io', message: expect.stringMatching(/connection to the Cleanplate host was lost/) } });
    expect(bridge.connection.state()).toBe('offline');
    (services.handlers as Record<CallName, unknown>)['project.open'] = slowOpen;
    (services.handlers as Record<CallName, unknown>)['project.recent'] = slowRecent;
    const whileDown = unwrap(bridge, 'app', 'info', {}); // queued until the host is back
    await startHost();
    expect(await whileDown).toMatchObject({ ok: true, value: { host: 'web' } });
    expect(await reading).toEqual({ ok: true, value: [] });
    expect(states).toEqual(['offline', 'online']);
  });
});
