import { describe, expect, it } from 'vitest';
import { ShapeSchema } from '../../common/project/schema';
import type { Shape, Vertex } from '../../common/project/schema';
import {
  copyKey,
  deleteKey,
  deleteVertex,
  evaluateShape,
  insertVertex,
  pasteKey,
  retimeKey,
  rotationAbout,
  scalingAbout,
  setKeyInterp,
  setShapeAt,
  setVertexAt,
  transformShapeAt,
  translation,
} from '../../common/keys';
import { nearestOnPath, segmentCubic, cubicPoint } from '../../common/mask/bezier';
import { rasterizeMask } from '../../common/mask/rasterize';
import { maskDifference } from './raster.helpers';

function v(x: number, y: number, h: Partial<Vertex> = {}): Vertex {
  return { x, y, inX: 0, inY: 0, outX: 0, outY: 0, ...h };
}

/** A shape with one vertex whose x follows `xs` at `frames` (the other vertices fixed). */
function track(frames: number[], xs: number[], interp: 'linear' | 'smooth'): Shape {
  return ShapeSchema.parse({
    id: 's',
    kind: 'polygon',
    keys: frames.map((frame, k) => ({ frame, interp, vertices: [v(xs[k]!, 0), v(0, 10), v(10, 10)] })),
  });
}
const xAt = (shape: Shape, frame: number) => evaluateShape(shape, frame)[0]!.x;

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    Object.freeze(o);
    for (const value of Object.values(o)) deepFreeze(value);
  }
  return o;
}

const square = (): Shape =>
  deepFreeze(
    ShapeSchema.parse({
      id: 'sq',
      kind: 'bezier',
      keys: [
        { frame: 0, vertices: [v(10, 10, { outX: 5, outY: -4 }), v(30, 10, { inX: -6, inY: -3 }), v(30, 30), v(10, 30, { inX: 3, inY: 4, outX: -2, outY: -7 })] },
        { frame: 10, interp: 'smooth', vertices: [v(14, 12, { outX: 8 }), v(40, 12), v(36, 34, { inX: 2, outY: 5 }), v(12, 36)] },
      ],
    }),
  );

describe('evaluateShape', () => {
  it('holds before the first key and after the last', () => {
    const s = track([5, 15], [2, 8], 'linear');
    expect(xAt(s, 0)).toBe(2);
    expect(xAt(s, 5)).toBe(2);
    expect(xAt(s, 15)).toBe(8);
    expect(xAt(s, 1000)).toBe(8);
  });

  it('interpolates linearly, exactly at the midpoint, handles included', () => {
    const s = square();
    const mid = evaluateShape(s, 5);
    expect(mid[0]).toEqual({ x: 12, y: 11, inX: 0, inY: 0, outX: 6.5, outY: -2 });
    expect(mid[2]).toEqual({ x: 33, y: 32, inX: 1, inY: 0, outX: 0, outY: 2.5 });
    expect(xAt(track([0, 4], [0, 8], 'linear'), 1)).toBe(2);
  });

  it('smooth passes through every key and stays between neighbouring key values', () => {
    const frames = [0, 10, 14, 30, 31];
    const xs = [0, 10, 30, 30, -5];
    const s = track(frames, xs, 'smooth');
    frames.forEach((f, k) => expect(xAt(s, f)).toBe(xs[k]));
    for (let k = 0; k < frames.length - 1; k++) {
      const [lo, hi] = [Math.min(xs[k]!, xs[k + 1]!), Math.max(xs[k]!, xs[k + 1]!)];
      for (let f = frames[k]!; f <= frames[k + 1]!; f += 0.25) {
        expect(xAt(s, f)).toBeGreaterThanOrEqual(lo - 1e-9);
        expect(xAt(s, f)).toBeLessThanOrEqual(hi + 1e-9);
      }
    }
    // A pause (equal neighbouring keys) stays exactly still.
    expect(xAt(s, 22)).toBe(30);
  });

  it('smooth eases in and out at the end keys and is C1 at an interior key', () => {
    const two = track([0, 8], [0, 16], 'smooth');
    expect(xAt(two, 4)).toBeCloseTo(8, 12);
    expect(xAt(two, 2)).toBeCloseTo(16 * 0.15625, 12); // smoothstep(1/4): zero tangents at both ends
    const three = track([0, 10, 30], [0, 10, 40], 'smooth');
    const h = 1e-5;
    const left = (xAt(three, 10) - xAt(three, 10 - h)) / h;
    const right = (xAt(three, 10 + h) - xAt(three, 10)) / h;
    expect(left).toBeCloseTo(right, 3);
    expect(left).toBeGreaterThan(1); // it keeps moving through the key instead of stopping
  });

  it('the key that starts a segment chooses its interpolation', () => {
    const s = ShapeSchema.parse({
      id: 's',
      kind: 'polygon',
      keys: [
        { frame: 0, interp: 'linear', vertices: [v(0, 0), v(1, 1), v(2, 0)] },
        { frame: 10, interp: 'smooth', vertices: [v(10, 0), v(1, 1), v(2, 0)] },
        { frame: 20, interp: 'linear', vertices: [v(20, 0), v(1, 1), v(2, 0)] },
      ],
    });
    expect(xAt(s, 3)).toBe(3); // linear segment 0..10
    expect(xAt(s, 13)).not.toBeCloseTo(13, 3); // smooth segment 10..20 eases towards the end key
  });
});

describe('keying rules', () => {
  it('auto-keys: editing at a frame without a key adds one there and leaves other frames alone', () => {
    const s = square();
    const before15 = evaluateShape(s, 15);
    const edited = setVertexAt(s, 4, 1, { x: 100 });
    expect(edited.keys.map((k) => k.frame)).toEqual([0, 4, 10]);
    expect(edited.keys[1]!.interp).toBe('linear'); // inherits the segment it splits (key 0's)
    expect(evaluateShape(edited, 4)[1]!.x).toBe(100);
    expect(evaluateShape(edited, 4)[0]).toEqual(evaluateShape(s, 4)[0]);
    expect(evaluateShape(edited, 0)).toEqual(evaluateShape(s, 0));
    expect(evaluateShape(edited, 15)).toEqual(before15);
    // Editing at a key replaces it; before the first key the new key takes the first key's interp.
    expect(setVertexAt(s, 10, 0, { y: 1 }).keys.map((k) => k.frame)).toEqual([0, 10]);
    const early = setShapeAt(setKeyInterp(s, 0, 'smooth'), 0, evaluateShape(s, 0));
    expect(setVertexAt(retimeKey(early, 0, 3), 1, 0, { x: 0 }).keys[0]).toMatchObject({ frame: 1, interp: 'smooth' });
  });

  it('refuses an outline with a different point count', () => {
    expect(() => setShapeAt(square(), 3, [v(0, 0), v(1, 1), v(2, 2)])).toThrow('The new outline has 3 points but the shape has 4; insert or delete points first.');
  });

  it('inserting a point keeps the outline of every key and adds the point to every key', () => {
    const s = square();
    const withPoint = insertVertex(s, 3, 0.3); // the closing segment, from vertex 3 back to vertex 0
    for (const [k, key] of withPoint.keys.entries()) {
      expect(key.vertices).toHaveLength(5);
      const original = s.keys[k]!.vertices;
      // Every point of every original segment lies on the new outline.
      for (let seg = 0; seg < 4; seg++) {
        const c = segmentCubic(original, seg, true);
        for (let t = 0; t <= 1; t += 0.05) {
          const p = cubicPoint(c, t);
          expect(nearestOnPath(key.vertices, true, true, p.x, p.y)!.distance).toBeLessThan(1e-6);
        }
      }
      const p = cubicPoint(segmentCubic(original, 3, true), 0.3);
      expect(key.vertices[4]!.x).toBeCloseTo(p.x, 12);
      expect(key.vertices[4]!.y).toBeCloseTo(p.y, 12);
    }
    // The same pixels, frame by frame.
    const asDoc = (shape: Shape) => ({
      source: { path: '/v', relativePath: null, width: 48, height: 48, fps: { num: 25, den: 1 }, frameCount: 20, rotation: 0 as const },
      range: { in: 0, out: 19 },
      layers: [{ id: 'l', name: 'l', kind: 'shape' as const, visible: true, locked: false, mode: 'add' as const, invert: false, feather: 0, dilation: 0, color: '#ff0000', activeRange: null, shapes: [shape] }],
    });
    for (const frame of [0, 5, 10]) {
      const raster = (shape: Shape) => rasterizeMask(asDoc(shape), frame, { width: 48, height: 48 });
      expect(raster(s).some((a) => a === 255)).toBe(true);
      expect(maskDifference(raster(withPoint), raster(s), 48)).toBeNull();
    }
    // Polygons split straight, with zero handles.
    const tri = track([0], [0], 'linear');
    expect(insertVertex(tri, 0, 0.5).keys[0]!.vertices[1]).toEqual(v(0, 5));
  });

  it('deletes a point from every key, down to the minimum', () => {
    const s = deleteVertex(square(), 1);
    expect(s.keys.map((k) => k.vertices.map((p) => p.x))).toEqual([
      [10, 30, 10],
      [14, 36, 12],
    ]);
    expect(() => deleteVertex(s, 0)).toThrow('A closed shape needs at least 3 points; delete the shape instead.');
    expect(() => deleteVertex(s, 7)).toThrow(/point 7 does not exist/);
  });

  it('copies a key and pastes it at another frame', () => {
    const s = square();
    const clip = copyKey(s, 10);
    const pasted = pasteKey(s, 25, clip);
    expect(pasted.keys.map((k) => k.frame)).toEqual([0, 10, 25]);
    expect(evaluateShape(pasted, 25)).toEqual(evaluateShape(s, 10));
    expect(evaluateShape(pasted, 17)).toEqual(evaluateShape(s, 10)); // held from 10 to 25
    // A copy of an in-between frame pastes what was shown there.
    expect(evaluateShape(pasteKey(s, 0, copyKey(s, 5)), 0)).toEqual(evaluateShape(s, 5));
    expect(() => pasteKey(s, 3, clip.slice(1))).toThrow('Cannot paste: the copied key has 3 points and this shape has 4.');
  });

  it('retimes keys; a collision keeps the moved key', () => {
    const s = pasteKey(square(), 20, copyKey(square(), 0));
    expect(retimeKey(s, 10, 15).keys.map((k) => k.frame)).toEqual([0, 15, 20]);
    expect(retimeKey(s, 0, 30).keys.map((k) => k.frame)).toEqual([10, 20, 30]);
    const merged = retimeKey(s, 10, 20);
    expect(merged.keys.map((k) => k.frame)).toEqual([0, 20]);
    expect(merged.keys[1]!.vertices).toEqual(s.keys[1]!.vertices);
    expect(merged.keys[1]!.interp).toBe('smooth');
    expect(() => retimeKey(s, 7, 8)).toThrow('the shape has no key at frame 7');
    expect(() => retimeKey(s, 10, -1)).toThrow(/whole number/);
  });

  it('deletes keys but never the last one, and sets a key interpolation', () => {
    const s = square();
    expect(deleteKey(s, 0).keys.map((k) => k.frame)).toEqual([10]);
    expect(() => deleteKey(deleteKey(s, 0), 10)).toThrow('A shape keeps at least one key; delete the shape instead.');
    expect(setKeyInterp(s, 0, 'smooth').keys[0]!.interp).toBe('smooth');
  });

  it('moves, scales and rotates the whole shape at a frame (handles turn with it)', () => {
    const s = square();
    const moved = transformShapeAt(s, 10, translation(5, -2));
    expect(evaluateShape(moved, 10).map((p) => [p.x, p.y, p.outX])).toEqual(evaluateShape(s, 10).map((p) => [p.x + 5, p.y - 2, p.outX]));
    const turned = transformShapeAt(s, 0, rotationAbout(20, 20, Math.PI / 2));
    const p0 = evaluateShape(turned, 0)[0]!;
    expect([p0.x, p0.y, p0.outX, p0.outY].map((n) => Math.round(n * 1e9) / 1e9)).toEqual([30, 10, 4, 5]); // (10,10) -> (30,10); handle (5,-4) -> (4,5)
    const scaled = transformShapeAt(s, 0, scalingAbout(10, 10, 2, 2));
    expect(evaluateShape(scaled, 0)[2]).toEqual(v(50, 50));
    expect(evaluateShape(scaled, 0)[0]!.outX).toBe(10);
    expect(transformShapeAt(s, 3, translation(1, 1)).keys.map((k) => k.frame)).toEqual([0, 3, 10]); // auto-key
  });

  it('never modifies the shape it is given', () => {
    const s = square(); // deep-frozen: any write would throw
    expect(() => {
      setVertexAt(s, 3, 0, { x: 1 });
      insertVertex(s, 0, 0.5);
      deleteVertex(s, 0);
      retimeKey(s, 10, 0);
      deleteKey(s, 10);
      setKeyInterp(s, 10, 'linear');
      transformShapeAt(s, 10, translation(1, 1));
    }).not.toThrow();
  });
});
