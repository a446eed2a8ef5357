// The frame cache limit as a user setting, through the services both hosts serve: settings.json
// holds it, media.cacheUsage reports what the cache takes, and lowering the limit removes the least
// recently used frames at once.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Envelope } from '../../common/contract/define';
import type { FrameCacheUsage, OpenedProject } from '../../common/contract/types';
import { makeClip } from '../helpers/media';
import { startWebServices } from '../helpers/services';

const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-cache-setting-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const value = <T>(e: Envelope<unknown>): T => {
  if (!e.ok) throw new Error(e.error.message);
  return e.value as T;
};

describe('frame cache setting', () => {
  it('is kept in settings.json, applies at once, and media.cacheUsage reports the cache', async () => {
    const clip = makeClip('cache-setting', { width: 640, height: 360, frames: 120, background: 'testsrc' });
    const userData = path.join(base, 'user');
    const start = () => startWebServices(userData);
    let services = await start();
    try {
      expect(value(await services.dispatch('settings.get', {}))).toEqual({ frameCacheLimitMB: 4096 });
      const opened = value<OpenedProject>(await services.dispatch('project.newFromVideo', { videoPath: clip }));
      const frames = path.join(userData, 'cache/frames', opened.media.mediaId);
      // The background fill caches all 120 frames well within the default limit.
      await vi.waitFor(async () => expect(value<FrameCacheUsage>(await services.dispatch('media.cacheUsage', {})).frames).toBe(120), { timeout: 30_000 });
      const usage = value<FrameCacheUsage>(await services.dispatch('media.cacheUsage', {}));
      const onDisk = readdirSync(frames).reduce((s, n) => s + readFileSync(path.join(frames, n)).length, 0);
      expect(usage).toEqual({ usedBytes: onDisk, limitBytes: 4096 * 1024 * 1024, frames: 120 });

      // Out of range: refused as invalid arguments, nothing written.
      const refused = await services.dispatch('settings.update', { frameCacheLimitMB: 1 });
      expect(refused.ok).toBe(false);
      expect(existsSync(path.join(userData, 'settings.json'))).toBe(false);

      expect(value(await services.dispatch('settings.update', { frameCacheLimitMB: 512 }))).toEqual({ frameCacheLimitMB: 512 });
      expect(JSON.parse(readFileSync(path.join(userData, 'settings.json'), 'utf8'))).toEqual({ frameCacheLimitMB: 512 });
      expect(value<FrameCacheUsage>(await services.dispatch('media.cacheUsage', {})).limitBytes).toBe(512 * 1024 * 1024);
    } finally {
      await services.dispose();
    }

    // The next start reads the setting back.
    services = await start();
    try {
      expect(value(await services.dispatch('settings.get', {}))).toEqual({ frameCacheLimitMB: 512 });
      expect(value<FrameCacheUsage>(await services.dispatch('media.cacheUsage', {})).limitBytes).toBe(512 * 1024 * 1024);
    } finally {
      await services.dispose();
    }
  });
});
