// The app's "Download models…" through the models service: a download task fetching the (tiny)
// release weights from a local HTTP server, with task.progress events (bytes, speed, the check of
// each file), the status saying it is downloading while it runs, a finished line that says plainly
// the graphs are not built, cancellation, and the cleanup of a killed process's temporaries when
// the service starts.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../common/contract/channels';
import type { Task } from '../../common/contract/types';
import { buildGraphs } from '../../main/models';
import { generateStandIns } from '../../models/fixtures';
import { ModelsService } from '../../main/services/models-service';
import { createLog } from '../../main/services/log';
import { TaskRegistry } from '../../main/services/task-registry';
import { tinyManifest, tinyReleaseDir } from '../helpers/pth';

let root: string;
let server: Server;
let baseUrl: string;
/** Requests held open until released, to catch the service mid-download. */
let holding: ServerResponse[] = [];
let hold = false;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'cleanplate-svc-models-'));
  server = createServer((req, res) => {
    const body = readFileSync(path.join(tinyReleaseDir, path.basename(req.url!)));
    res.writeHead(200, { 'Content-Length': body.length });
    if (hold) {
      res.write(body.subarray(0, 100));
      holding.push(res);
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  for (const res of holding) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

type Event = { name: EventName; payload: EventPayload<EventName> };

function service(name: string) {
  const events: Event[] = [];
  const userData = path.join(root, name);
  const tasks = new TaskRegistry((n, payload) => void events.push({ name: n, payload } as Event), createLog(null, { quiet: true }));
  // The tiny weights have the served layout, not ProPainter's: a stand-in builder writes the graphs
  // where the app's engine process would build them (model-build.ts).
  const svc = new ModelsService(userData, tasks, () => tinyManifest(baseUrl), (dir, opts) =>
    buildGraphs(dir, async (_weights, outDir, o) => {
      o.onProgress?.({ step: 'stand-ins', done: 0, total: 1 });
      generateStandIns(outDir);
    }, opts),
  );
  const finished = () =>
    new Promise<Task>((resolve) => {
      const poll = setInterval(() => {
        const done = events.find((e) => e.name === 'task.finished');
        if (done) {
          clearInterval(poll);
          resolve((done.payload as EventPayload<'task.finished'>).task);
        }
      }, 20);
    });
  return { svc, tasks, handlers: svc.handlers(), events, finished, dir: svc.dir };
}

describe('ModelsService downloads', () => {
  it('downloads as a task with progress (bytes, speed, the check of each file), then builds the graphs through its build step', async () => {
    const { handlers, events, finished } = service('fresh');
    const { taskId, kind } = await handlers['models.download']({ acceptLicense: true });
    expect(kind).toBe('download');
    const done = await finished();
    expect(done).toMatchObject({
      taskId,
      state: 'done',
      detail: { files: 3 },
      message: 'Downloaded and verified 3 file(s) and built 19 graph file(s); ProPainter is ready.',
    });
    const progress = events.filter((e) => e.name === 'task.progress').map((e) => (e.payload as EventPayload<'task.progress'>).task);
    expect(progress.every((t) => t.taskId === taskId)).toBe(true);
    // The last file's check, then the build (progress events are throttled; checks and the last one are kept).
    expect(progress.some((t) => t.progress?.stage === 'checking ProPainter.pth' && (t.detail as { phase?: string } | null)?.phase === 'verify')).toBe(true);
    expect(progress.at(-1)!.detail).toMatchObject({ phase: 'build' });
    const status = await handlers['models.status'](undefined as never);
    expect(status.stage).toBe('ready');
  });

  it('reports "downloading" with the file, speed and progress while it runs, and cancels cleanly', async () => {
    const { handlers, tasks, finished } = service('cancel');
    hold = true;
    const { taskId } = await handlers['models.download']({ acceptLicense: true });
    await expect.poll(() => holding.length).toBe(1);
    await expect.poll(async () => (await handlers['models.status'](undefined as never)).engines.find((e) => e.id === 'propainter')!.detail).toMatch(/^downloading: raft-things\.pth/);
    expect((await handlers['models.status'](undefined as never)).stage).toBe('downloading');
    expect(() => handlers['models.download']({ acceptLicense: true })).toThrow('A model download is already running; wait for it or cancel it first.');
    await tasks.cancel(taskId);
    expect(await finished()).toMatchObject({ taskId, state: 'cancelled', message: 'Download cancelled; run it again to resume.' });
    hold = false;
    for (const res of holding.splice(0)) res.destroy();
    expect((await handlers['models.status'](undefined as never)).stage).toBe('partial');
  });

  it('removes what a killed process left in the models folder when it starts', () => {
    const dir = path.join(root, 'stale', 'models');
    mkdirSync(dir, { recursive: true });
    const stale = path.join(dir, `manifest.json.${2 ** 22 + 7}.tmp`);
    writeFileSync(stale, '{');
    writeFileSync(path.join(dir, 'ProPainter.pth.partial'), 'resume me');
    service('stale');
    return expect.poll(() => existsSync(stale)).toBe(false).then(() => expect(existsSync(path.join(dir, 'ProPainter.pth.partial'))).toBe(true));
  });
});
