// The host's log (issue 12, item 10): a maintained logger writing main.log without blocking, rotated
// by size; engine processes' stdout and stderr in it line by line with the task as prefix (so a
// job's stack trace is where its message says the details are); every ffmpeg command at debug level.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProjectDoc } from '../../common/project/schema';
import { probeMedia } from '../../main/media/index';
import { onToolCommand } from '../../main/media/process';
import { createLog, LOG_MAX_BYTES } from '../../main/services/log';
import { nodeEngineLauncher } from '../../main/services/node-engine';
import { makeClip, repoRoot } from '../helpers/media';

const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-log-'));
const engineModule = path.join(repoRoot, 'dist/engine/engine.cjs');
afterAll(() => {
  onToolCommand(null);
  rmSync(base, { recursive: true, force: true });
});

async function logText(file: string, until: (text: string) => boolean): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (until(text)) return text;
    await new Promise((r) => setTimeout(r, 20));
  }
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

describe('log', () => {
  it('writes main.log in the logs folder and rotates it at its size limit', async () => {
    expect(LOG_MAX_BYTES).toBe(5 << 20);
    const dir = path.join(base, 'rotate');
    const log = createLog(dir, { quiet: true, maxBytes: 20_000 });
    for (let i = 0; i < 300; i++) log.info(`line ${i} ${'x'.repeat(80)}`);
    const main = path.join(dir, 'main.log');
    const text = await logText(main, (t) => t.includes('line 299'));
    expect(text).toMatch(/^\S+ info line \d+ x+$/m);
    expect(existsSync(path.join(dir, 'main.old.log'))).toBe(false);
    log.info('after the burst'); // the file is over its limit: this entry starts a new one
    expect(await logText(main, (t) => t.includes('after the burst') && !t.includes('line 299'))).toMatch(/info after the burst\n$/);
    expect(readFileSync(path.join(dir, 'main.old.log'), 'utf8')).toContain('line 299');
    expect(statSync(main).size).toBeLessThan(200);
  });

  it('has every ffmpeg/ffprobe command line at debug level', async () => {
    const dir = path.join(base, 'commands');
    const log = createLog(dir, { quiet: true });
    onToolCommand((line) => log.debug(`ffmpeg: ${line}`));
    const clip = makeClip('log-clip', { width: 64, height: 48, frames: 3 });
    await probeMedia(clip);
    const text = await logText(path.join(dir, 'main.log'), (t) => t.includes(clip));
    expect(text).toMatch(new RegExp(`debug ffmpeg: \\S*ffprobe .*${clip.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    onToolCommand(null);
  });

  it("puts an engine process's stdout and stderr into the log, each line prefixed with its task", async () => {
    if (!existsSync(engineModule)) spawnSync('flock', ['/tmp/cleanplate-build.lock', process.execPath, 'scripts/build.mjs', 'engine'], { cwd: repoRoot, stdio: 'inherit' });
    const dir = path.join(base, 'engine');
    const log = createLog(dir, { quiet: true });
    const conn = nodeEngineLauncher(engineModule, log)('t42');
    const failed = new Promise<string>((resolve) => conn.onMessage((m) => m.type === 'error' && resolve(m.error.message)));
    const exited = new Promise<void>((resolve) => conn.onExit(() => resolve()));
    await new Promise<void>((resolve) => conn.onMessage((m) => m.type === 'ready' && resolve()));
    // A broken request is a bug, not the person's input: one generic line back, the stack in the log.
    conn.send({ type: 'exportMasks', jobId: 'x', doc: {} as ProjectDoc, dir: path.join(base, 'never') });
    expect(await failed).toMatch(/the log has the details/);
    conn.kill();
    await exited;
    const text = await logText(path.join(dir, 'main.log'), (t) => /warn engine t42: +at /.test(t));
    expect(text).toMatch(/warn engine t42: engine: job x failed: TypeError/);
    expect(text).toMatch(/warn engine t42: +at /); // the stack, line by line
  });

  it('has the engine’s ffmpeg command lines too, prefixed with the task', async () => {
    const dir = path.join(base, 'engine-commands');
    const log = createLog(dir, { quiet: true });
    const conn = nodeEngineLauncher(engineModule, log)('t43');
    const clip = makeClip('log-clip', { width: 64, height: 48, frames: 3 });
    const done = new Promise<void>((resolve) => conn.onMessage((m) => (m.type === 'masksExported' || m.type === 'error') && resolve()));
    await new Promise<void>((resolve) => conn.onMessage((m) => m.type === 'ready' && resolve()));
    const doc = { source: { path: clip, relativePath: null, width: 64, height: 48, fps: { num: 25, den: 1 }, frameCount: 3, rotation: 0 }, layers: [] } as unknown as ProjectDoc;
    conn.send({ type: 'exportMasks', jobId: 'm', doc, dir: path.join(base, 'masks-out') });
    await done;
    conn.kill();
    const text = await logText(path.join(dir, 'main.log'), (t) => t.includes('debug engine t43: ffmpeg: '));
    expect(text).toMatch(/debug engine t43: ffmpeg: \S*ffmpeg .*-f rawvideo -pix_fmt gray/);
  });
});
