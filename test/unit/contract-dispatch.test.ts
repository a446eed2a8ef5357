// The one contract, served: every call has a handler, and arguments that break a channel's schema
// are answered with `invalid-args` without ever reaching the handler.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { callNames } from '../../common/contract/channels';
import { UserError } from '../../common/errors';
import { createDispatcher } from '../../main/services/dispatcher';
import type { Handlers } from '../../main/services/dispatcher';
import { createServices } from '../../main/services/index';
import type { Log } from '../../main/services/log';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-dispatch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function captureLog() {
  const errors: string[] = [];
  const log: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m, e) => errors.push(`${m}: ${e instanceof Error ? e.message : String(e)}`) };
  return { log, errors };
}

function spyHandlers(): Handlers {
  return Object.fromEntries(callNames.map((name) => [name, vi.fn(async () => ({ called: name }))])) as unknown as Handlers;
}

describe('services', () => {
  it('implement a handler for every call in the contract, and nothing else', async () => {
    const services = await createServices({
      host: 'web',
      appVersion: '1.2.3',
      userDataDir: path.join(tmp, 'user'),
      sampleDir: path.join(tmp, 'no-sample'),
      emit: () => undefined,
      launchEngine: () => {
        throw new Error('no engine in this test');
      },
      dialogs: null,
      log: captureLog().log,
    });
    try {
      expect(Object.keys(services.handlers).sort()).toEqual([...callNames].sort());
      for (const name of callNames) expect(typeof services.handlers[name]).toBe('function');
      const info = await services.dispatch('app.info', {});
      expect(info).toEqual({ ok: true, value: expect.objectContaining({ version: '1.2.3', host: 'web', nativeDialogs: false, fileDrop: 'upload' }) });
      // The web host has no native dialogs: a clear refusal the page can branch on.
      expect(await services.dispatch('dialog.openVideo', {})).toEqual({ ok: false, error: { code: 'unsupported', message: expect.stringMatching(/no native file dialogs/) } });
    } finally {
      await services.dispose();
    }
  });
});

describe('dispatcher', () => {
  const invalid: unknown[] = [null, 'x', 42, [], { bogus: true }];

  it.each(callNames)('refuses bad arguments for %s before its handler runs', async (name) => {
    const handlers = spyHandlers();
    const dispatch = createDispatcher(handlers, captureLog().log);
    for (const args of invalid) {
      const envelope = await dispatch(name, args);
      expect(envelope.ok).toBe(false);
      if (!envelope.ok) {
        expect(envelope.error.code).toBe('invalid-args');
        expect(envelope.error.message).toContain(name);
        expect(envelope.error.message).not.toContain('\n');
      }
    }
    expect(handlers[name]).not.toHaveBeenCalled();
  });

  it('passes parsed arguments to the handler and wraps its result', async () => {
    const handlers = spyHandlers();
    const dispatch = createDispatcher(handlers, captureLog().log);
    expect(await dispatch('media.frame', { mediaId: 'abcdef0123', index: 7 })).toEqual({ ok: true, value: { called: 'media.frame' } });
    expect(handlers['media.frame']).toHaveBeenCalledWith({ mediaId: 'abcdef0123', index: 7 });
    // Out-of-range values are refused too, not just wrong shapes.
    expect(await dispatch('media.frame', { mediaId: 'abcdef0123', index: -1 })).toMatchObject({ ok: false, error: { code: 'invalid-args' } });
    expect(await dispatch('media.frame', { mediaId: '../../etc', index: 1 })).toMatchObject({ ok: false, error: { code: 'invalid-args' } });
    expect(handlers['media.frame']).toHaveBeenCalledTimes(1);
  });

  it('refuses unknown channels, including inherited property names', async () => {
    const handlers = spyHandlers();
    const dispatch = createDispatcher(handlers, captureLog().log);
    for (const name of ['no.such', 'constructor', '__proto__', 'toString']) {
      expect(await dispatch(name, {})).toMatchObject({ ok: false, error: { code: 'invalid-args', message: expect.stringMatching(/Unknown channel/) } });
    }
  });

  it("keeps a UserError's code and line, and hides anything else behind a generic line that is logged", async () => {
    const handlers = spyHandlers();
    handlers['project.open'] = async () => {
      throw new UserError('not-found', '/x.cleanplate does not exist; check the path.');
    };
    handlers['project.recent'] = async () => {
      throw new TypeError('secret internals at /home/someone');
    };
    const { log, errors } = captureLog();
    const dispatch = createDispatcher(handlers, log);
    expect(await dispatch('project.open', { path: '/x.cleanplate' })).toEqual({ ok: false, error: { code: 'not-found', message: '/x.cleanplate does not exist; check the path.' } });
    expect(errors).toEqual([]);
    const internal = await dispatch('project.recent', {});
    expect(internal).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(internal)).not.toContain('secret');
    expect(errors).toEqual(['project.recent failed: secret internals at /home/someone']);
  });
});
