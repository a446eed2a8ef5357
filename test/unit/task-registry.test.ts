// The one task registry: every kind of work reports through the same two events, with the same
// throttling, error mapping, cancel and dispose.
import { describe, expect, it } from 'vitest';
import type { EventName } from '../../common/contract/channels';
import type { Task } from '../../common/contract/types';
import { UserError } from '../../common/errors';
import type { Log } from '../../main/services/log';
import { TaskRegistry } from '../../main/services/task-registry';

function setup() {
  const events: Array<{ name: EventName; task: Task }> = [];
  const errors: string[] = [];
  const log: Log = { info: () => {}, warn: () => {}, error: (m) => errors.push(m), debug: () => {} };
  const registry = new TaskRegistry((name, payload) => events.push({ name, task: (payload as { task: Task }).task }), log);
  return { registry, events, errors };
}

const lines = { cancelled: 'Stopped.', failed: 'It broke; the log has the details.' };
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('task registry', () => {
  it('ends every task with exactly one task.finished, carrying the line and the time it took', async () => {
    const { registry, events } = setup();
    const task = registry.run('download', { files: 0 }, async (_signal, t) => {
      t.update({ files: 3 });
      return 'Downloaded 3 files.';
    }, lines);
    expect(task).toMatchObject({ kind: 'download', state: 'running', message: null, seconds: null });
    await until(() => events.some((e) => e.name === 'task.finished'));
    const finished = events.filter((e) => e.name === 'task.finished');
    expect(finished).toHaveLength(1);
    expect(finished[0]!.task).toMatchObject({ taskId: task.taskId, state: 'done', message: 'Downloaded 3 files.', detail: { files: 3 } });
    expect(finished[0]!.task.seconds).toBeGreaterThanOrEqual(0);
    expect(registry.list().map((t) => t.state)).toEqual(['done']);
  });

  it('keeps a UserError line, hides anything else behind the kind line and logs it', async () => {
    const { registry, events, errors } = setup();
    const a = registry.run('export', { renderId: 'r', path: '/x.mp4', format: 'h264' }, async () => {
      throw new UserError('io', 'The disk is full while writing /x.mp4; free space and export again.');
    }, lines);
    const b = registry.run('export', { renderId: 'r', path: '/y.mp4', format: 'h264' }, async () => {
      throw new TypeError('x is undefined');
    }, lines);
    await until(() => events.filter((e) => e.name === 'task.finished').length === 2);
    const end = (id: string) => events.find((e) => e.name === 'task.finished' && e.task.taskId === id)!.task;
    expect(end(a.taskId)).toMatchObject({ state: 'failed', message: 'The disk is full while writing /x.mp4; free space and export again.' });
    expect(end(b.taskId)).toMatchObject({ state: 'failed', message: 'It broke; the log has the details.' });
    expect(errors).toEqual([`export task ${b.taskId} failed`]);
  });

  it('throttles progress to a few events a second and never loses the last one', async () => {
    const { registry, events } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const task = registry.run('render', { mode: 'inpaint', engine: 'classic', range: { in: 0, out: 999 }, finishedFrames: 0, reusedFrames: 0, totalFrames: 1000, device: null, previewPrefix: '', outpaint: null }, async (_s, t) => {
      for (let i = 1; i <= 1000; i++) t.progress('fill', i, 1000, 'frames');
      await gate;
      return null;
    }, lines);
    await until(() => events.filter((e) => e.name === 'task.progress').at(-1)?.task.progress?.done === 1000);
    const progress = events.filter((e) => e.name === 'task.progress' && e.task.taskId === task.taskId);
    expect(progress.length).toBeLessThanOrEqual(3);
    expect(progress.at(-1)!.task.progress).toEqual({ stage: 'fill', done: 1000, total: 1000, unit: 'frames' });
    release();
  });

  it('cancels: the work sees the abort, the task ends cancelled with the kind line, cancel resolves after it ended', async () => {
    const { registry, events } = setup();
    let sawAbort = false;
    const task = registry.run('propagate', { layerId: 'l', shapeId: null, fromFrame: 0, toFrame: 9, keys: 0 }, (signal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => ((sawAbort = true), setTimeout(() => reject(signal.reason), 30)))),
    { ...lines, queued: true });
    expect(task.state).toBe('queued');
    await new Promise((r) => setTimeout(r, 5)); // the work has begun
    await registry.cancel(task.taskId);
    expect(sawAbort).toBe(true);
    expect(registry.get(task.taskId)).toMatchObject({ state: 'cancelled', message: 'Stopped.' });
    expect(events.filter((e) => e.name === 'task.finished')).toHaveLength(1);
    await registry.cancel(task.taskId); // ended: nothing to do
    await expect(registry.cancel('nope')).rejects.toThrow('That task is not running any more.');
  });

  it('dispose cancels whatever has not ended, even work that has not begun, and waits for it', async () => {
    const { registry } = setup();
    let began = 0;
    const work = (signal: AbortSignal) => new Promise<null>((_, reject) => ((began += 1), signal.addEventListener('abort', () => reject(signal.reason))));
    const a = registry.run('download', { files: 0 }, work, lines);
    await new Promise((r) => setTimeout(r, 5));
    const b = registry.run('download', { files: 0 }, work, lines);
    await registry.dispose();
    expect([registry.get(a.taskId)?.state, registry.get(b.taskId)?.state]).toEqual(['cancelled', 'cancelled']);
    expect(began).toBe(1);
  });
});
