// The editor's "propagate mask" on a generated clip: a roto shape and a brush stroke placed on a
// moving square must follow it, forward and backward, with keys where asked.
import { describe, expect, it } from 'vitest';
import { CURRENT_PROJECT_VERSION, ProjectDocSchema, type ProjectDoc, type Vertex } from '../../common/project/schema';
import { keySchedule, propagateMask, type PropagatedKeyPatch } from '../../main/engine/mask-propagation';
import { makeClip, squareAt } from '../helpers/media';

const W = 192;
const H = 112;
const FRAMES = 30;
// A flat square over a texture panning the other way: only its edges and corners say how it moves.
const square = { size: 28, x0: 30, y0: 36, dx: 3, dy: 1, color: 'green' };

function docFor(clip: string, layers: unknown[]): ProjectDoc {
  return ProjectDocSchema.parse({
    format: 'cleanplate',
    version: CURRENT_PROJECT_VERSION,
    source: { path: clip, width: W, height: H, fps: { num: 25, den: 1 }, frameCount: FRAMES },
    range: { in: 0, out: FRAMES - 1 },
    layers,
  });
}

/** The square's corners at frame n, `inset` px inside it. */
function corners(n: number, inset = 3): Vertex[] {
  const { x, y } = squareAt(square, n);
  const s = square.size;
  return [
    [x + inset, y + inset],
    [x + s - inset, y + inset],
    [x + s - inset, y + s - inset],
    [x + inset, y + s - inset],
  ].map(([vx, vy]) => ({ x: vx!, y: vy!, inX: 0, inY: 0, outX: 0, outY: 0 }));
}

async function run(doc: ProjectDoc, layerId: string, shapeId: string | null, fromFrame: number, toFrame: number, keyEvery: number) {
  const keys: Array<{ frame: number; patch: PropagatedKeyPatch }> = [];
  const progress: number[] = [];
  await propagateMask({ doc, layerId, shapeId, fromFrame, toFrame, keyEvery }, { key: (frame, patch) => keys.push({ frame, patch }), progress: (_s, done) => progress.push(done) }, new AbortController().signal);
  return { keys, progress };
}

describe('mask propagation', () => {
  it('schedules keys every N frames and at the target, each brush key held until the next', () => {
    expect([...keySchedule(10, 30, 5)]).toEqual([[15, 5], [20, 5], [25, 5], [30, 1]]);
    expect([...keySchedule(0, 12, 5)]).toEqual([[5, 5], [10, 2], [12, 1]]);
    expect([...keySchedule(12, 0, 5)].sort((a, b) => a[0] - b[0])).toEqual([[0, 2], [2, 5], [7, 5]]);
  });

  it('moves a roto shape with the object, forward and backward', async () => {
    const clip = makeClip('propagate-square', { width: W, height: H, frames: FRAMES, square, panSpeed: 1 });
    const doc = docFor(clip, [{ id: 'L', name: 'roto', kind: 'shape', shapes: [{ id: 'S', kind: 'polygon', keys: [{ frame: 0, vertices: corners(0) }] }] }]);
    const forward = await run(doc, 'L', 'S', 0, 24, 8);
    expect(forward.keys.map((k) => k.frame)).toEqual([8, 16, 24]);
    expect(forward.progress.at(-1)).toBe(24);
    for (const { frame, patch } of forward.keys) {
      const got = (patch as { vertices: Vertex[] }).vertices;
      const want = corners(frame);
      const err = Math.max(...got.map((v, i) => Math.hypot(v.x - want[i]!.x, v.y - want[i]!.y)));
      const travelled = Math.hypot(3 * frame, frame);
      console.log(`forward key ${frame}: worst vertex ${err.toFixed(2)} px from the square's corner (moved ${travelled.toFixed(0)} px)`);
      // Measured 0.5, 1.7 and 3.1 px after 25, 51 and 76 px on this flat square.
      expect(err).toBeLessThan(1 + 0.04 * travelled);
    }

    const backDoc = docFor(clip, [{ id: 'L', name: 'roto', kind: 'shape', shapes: [{ id: 'S', kind: 'polygon', keys: [{ frame: 20, vertices: corners(20) }] }] }]);
    const backward = await run(backDoc, 'L', 'S', 20, 5, 10);
    expect(backward.keys.map((k) => k.frame)).toEqual([10, 5]);
    const last = (backward.keys[1]!.patch as { vertices: Vertex[] }).vertices;
    const err = Math.max(...last.map((v, i) => Math.hypot(v.x - corners(5)[i]!.x, v.y - corners(5)[i]!.y)));
    expect(err).toBeLessThan(1 + 0.04 * Math.hypot(45, 15));
  });

  it('moves brush strokes painted on the object, as new strokes from each key frame', async () => {
    const clip = makeClip('propagate-square', { width: W, height: H, frames: FRAMES, square, panSpeed: 1 });
    const c = squareAt(square, 4);
    const stroke = { id: 'b1', frame: 4, hold: 1, mode: 'paint', radius: 6, hardness: 1, points: [c.x + 8, c.y + 14, c.x + 20, c.y + 14] };
    const doc = docFor(clip, [{ id: 'B', name: 'brush', kind: 'brush', strokes: [stroke] }]);
    const { keys } = await run(doc, 'B', null, 4, 16, 6);
    expect(keys.map((k) => k.frame)).toEqual([10, 16]);
    const at10 = (keys[0]!.patch as { strokes: Array<{ id: string; frame: number; hold: number; points: number[]; radius: number }> }).strokes;
    expect(at10).toHaveLength(1);
    expect(at10[0]).toMatchObject({ id: 'b1~10', frame: 10, hold: 6, radius: 6 });
    const moved = squareAt(square, 10);
    // Inside a flat square the flow is weakest (measured within 0.4 px after 19 px of motion).
    expect(Math.hypot(at10[0]!.points[0]! - (moved.x + 8), at10[0]!.points[1]! - (moved.y + 14))).toBeLessThan(1.5);
    expect(Math.hypot(at10[0]!.points[2]! - (moved.x + 20), at10[0]!.points[3]! - (moved.y + 14))).toBeLessThan(1.5);
  });

  it('refuses a shape layer without a selected shape, in one line', async () => {
    const clip = makeClip('propagate-square', { width: W, height: H, frames: FRAMES, square, panSpeed: 1 });
    const doc = docFor(clip, [{ id: 'L', name: 'roto', kind: 'shape', shapes: [{ id: 'S', kind: 'polygon', keys: [{ frame: 0, vertices: corners(0) }] }] }]);
    await expect(run(doc, 'L', null, 0, 5, 5)).rejects.toThrow(/Select one shape of "roto"/);
  });
});
