// Nothing left behind after kill -9 (issue 12, item 4): ffmpeg and engine children die with their
// parent, a killed export's temporary is removed before the next write of that target, and what a
// killed save left is gone after the next start.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { OpenedProject, Task } from '../../common/contract/types';
import { exportVideo, probeMedia } from '../../main/media/index';
import { createServices } from '../../main/services/index';
import { createLog } from '../../main/services/log';
import { makeClip, repoRoot, runFfmpeg } from '../helpers/media';

const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-kill-'));
const server = path.join(repoRoot, 'dist/host/server.cjs');
let video: string;

beforeAll(() => {
  if (!existsSync(server) || !existsSync(path.join(repoRoot, 'dist/engine/engine.cjs')))
    spawnSync('flock', ['/tmp/cleanplate-build.lock', process.execPath, 'scripts/build.mjs', 'host', 'engine'], { cwd: repoRoot, stdio: 'inherit' });
  // A lossless intermediate long enough that its export runs for several seconds.
  video = path.join(base, 'intermediate.mkv');
  runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=s=480x270:r=25:d=40', '-c:v', 'ffv1', '-y', video]);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Processes (any parent) whose command line mentions `text`, from /proc. */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z/.test(stat)) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

async function gone(check: () => number[], ms: number): Promise<number[]> {
  const until = Date.now() + ms;
  let left = check();
  while (left.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    left = check();
  }
  return left;
}

function waitForLine(child: ChildProcess, text: string | RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const m = buffer.match(text);
      if (m) resolve(m[0]);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before "${String(text)}"`)));
  });
}

const exited = (child: ChildProcess) => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));

describe.skipIf(process.platform !== 'linux')('kill -9', () => {
  it('an export: its ffmpeg dies with it, and the next export to that target removes the partial file', async () => {
    const outDir = path.join(base, 'export');
    mkdirSync(outDir);
    const out = path.join(outDir, 'clean.mp4');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'export-child.ts'), video, out], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    await waitForLine(child, 'progress');
    const partial = `.clean.${child.pid}.partial.mp4`;
    expect(readdirSync(outDir)).toContain(partial);
    expect(processesMentioning(partial).length).toBe(1); // its ffmpeg, writing
    child.kill('SIGKILL');
    await exited(child);
    // Without a watcher the transcode would run on for seconds, writing the partial file.
    expect(await gone(() => processesMentioning(partial), 1500)).toEqual([]);
    expect(readdirSync(outDir)).toEqual([partial]); // what kill -9 leaves: the temporary name only

    const short = path.join(base, 'short.mkv');
    runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=s=64x48:r=25:d=0.4', '-c:v', 'ffv1', '-y', short]);
    await exportVideo({ video: short, audioFrom: null, out, format: 'h264', crf: 30 });
    expect(readdirSync(outDir)).toEqual(['clean.mp4']);
    expect((await probeMedia(out)).frameCount).toBe(10);
  });

  it('the web host: its engine process and that engine’s ffmpeg die with it', async () => {
    const userData = path.join(base, 'host-user');
    const token = 'kill-test-secret';
    const host = spawn(process.execPath, [server], { env: { ...process.env, CLEANPLATE_PORT: '0', CLEANPLATE_USER_DATA: userData, CLEANPLATE_TOKEN: token }, stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const url = await waitForLine(host, /http:\/\/127\.0\.0\.1:\d+\//);
      const ws = new WebSocket(`${url.replace('http', 'ws')}ws?token=${token}`);
      await new Promise((r) => ws.once('open', r));
      let id = 0;
      const call = <T>(channel: string, args: unknown) =>
        new Promise<T>((resolve, reject) => {
          const mine = ++id;
          ws.on('message', (m) => {
            const reply = JSON.parse(m.toString());
            if (reply.id === mine) (reply.envelope.ok ? resolve(reply.envelope.value) : reject(new Error(reply.envelope.error.message)));
          });
          ws.send(JSON.stringify({ id: mine, channel, args }));
        });
      const clip = makeClip('kill-long', { width: 320, height: 180, frames: 250, square: { size: 24, x0: 20, y0: 40, dx: 1, dy: 0 } });
      const opened = await call<OpenedProject>('project.newFromVideo', { videoPath: clip });
      const task = await call<Task>('job.start', { doc: opened.doc, mode: 'inpaint' });
      // The engine runs (its own process) with ffmpeg children decoding and encoding.
      // The job's files (result-<taskId>.mkv, runs/<taskId>/) are named after its task (main/services/result-store.ts).
      const engineDir = task.taskId;
      const engines = await (async () => {
        for (let i = 0; i < 600; i++) {
          const e = processesMentioning('engine.cjs').filter((pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(host.pid));
          if (e.length && processesMentioning(engineDir).length) return e;
          await new Promise((r) => setTimeout(r, 50));
        }
        return [];
      })();
      expect(engines).toHaveLength(1);
      expect(processesMentioning(engineDir).length).toBeGreaterThan(0); // ffmpeg writing the job's result
      ws.terminate();
      host.kill('SIGKILL');
      await exited(host);
      expect(await gone(() => [...engines.filter((pid) => processesMentioning('engine.cjs').includes(pid)), ...processesMentioning(engineDir)], 3000)).toEqual([]);
    } finally {
      if (host.exitCode === null && host.signalCode === null) host.kill('SIGKILL');
    }
  });

  it('a save: what it left next to the project is gone after the next start', async () => {
    const userData = path.join(base, 'save-user');
    const projects = path.join(base, 'projects');
    mkdirSync(projects);
    const log = createLog(null, { quiet: true });
    const ctx = { host: 'web' as const, appVersion: '0.1.0', userDataDir: userData, sampleDir: path.join(base, 'none'), emit: () => undefined, launchEngine: () => { throw new Error('none'); }, dialogs: null, log };
    const first = await createServices(ctx);
    const clip = makeClip('kill-save', { width: 64, height: 48, frames: 3 });
    const opened = (await first.dispatch('project.newFromVideo', { videoPath: clip })) as { ok: true; value: OpenedProject };
    const target = path.join(projects, 'shot.cleanplate');
    expect((await first.dispatch('project.save', { doc: opened.value.doc, path: target })).ok).toBe(true);
    await first.dispose();

    // A save killed mid-write leaves its temporary (named with the writer's pid, now dead).
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const leftovers = [path.join(projects, `.shot.cleanplate.${dead}.0badc0de.tmp`), path.join(userData, `.recent.json.${dead}.0badc0de.tmp`), path.join(userData, 'autosave', `.x.json.${dead}.0badc0de.tmp`)];
    for (const f of leftovers) writeFileSync(f, '{"half": ');
    // A live writer's temporary, and a file of the user's that merely looks similar, stay.
    const live = path.join(projects, `.shot.cleanplate.${process.pid}.0badc0de.tmp`);
    const users = path.join(projects, 'notes.2024.txt');
    writeFileSync(live, 'in progress');
    writeFileSync(users, 'mine');

    const second = await createServices(ctx);
    await second.dispose();
    for (const f of leftovers) expect(existsSync(f), f).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(users)).toBe(true);
    expect(readdirSync(projects).sort()).toEqual([path.basename(live), 'notes.2024.txt', 'shot.cleanplate'].sort());
  });
});
