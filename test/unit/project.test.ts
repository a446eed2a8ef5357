import { describe, expect, it } from 'vitest';
import { CURRENT_PROJECT_VERSION, createProject, restore, serializeProject } from '../../common/project';
import type { ProjectDoc } from '../../common/project';
import { rasterizeMask } from '../../common/mask/rasterize';
import { maskDifference } from './raster.helpers';

const source = { path: '/clips/bmx.mp4', width: 432, height: 240, fps: { num: 30000, den: 1001 }, frameCount: 80 };

/** A current document as JSON, with two layers. */
function current(): Record<string, any> {
  const doc = createProject(source, '2025-01-02T03:04:05.000Z', '0.1.0');
  return JSON.parse(
    JSON.stringify({
      ...doc,
      layers: [
        { id: 'l1', name: 'Brush 1', kind: 'brush', strokes: [{ id: 'k1', frame: 3, mode: 'paint', radius: 12, points: [10, 10, 50, 40] }] },
        {
          id: 'l2',
          name: 'Shape 1',
          kind: 'shape',
          shapes: [
            {
              id: 's1',
              kind: 'polygon',
              keys: [
                { frame: 0, vertices: [{ x: 100, y: 100 }, { x: 200, y: 100 }, { x: 150, y: 200 }, { x: 120, y: 180 }] },
                { frame: 20, vertices: [{ x: 110, y: 100 }, { x: 210, y: 100 }, { x: 160, y: 200 }, { x: 130, y: 180 }] },
              ],
            },
          ],
        },
      ],
    }),
  );
}

/** A pre-release (version 1) file: decimal fps, `type` instead of `kind`, strokes without hold/hardness. */
const version1 = {
  format: 'cleanplate',
  version: 1,
  source: { path: '/clips/old.mov', width: 1920, height: 1080, fps: 29.97, frameCount: 300 },
  range: { in: 10, out: 200 },
  layers: [
    { id: 'a', name: 'Paint', type: 'brush', visible: true, mode: 'add', strokes: [{ id: 'st', frame: 12, mode: 'paint', radius: 20, points: [5, 5, 60, 70] }] },
    { id: 'b', name: 'Roto', type: 'shape', invert: true, shapes: [{ id: 'sh', kind: 'bezier', keys: [{ frame: 0, vertices: [{ x: 1, y: 1 }, { x: 9, y: 1 }, { x: 5, y: 9 }] }] }] },
  ],
  engine: { id: 'classic', maskDilation: 6 },
};

function failure(json: unknown): string {
  const r = restore(json);
  if (r.ok) throw new Error('expected restore to fail');
  return r.message;
}

describe('restore', () => {
  it('accepts a current document, fills defaults and reports no migration', () => {
    const r = restore(current());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.migratedFrom).toBeNull();
    expect(r.doc.layers[0]).toMatchObject({ kind: 'brush', visible: true, feather: 0, dilation: 0, strokes: [{ hold: 1, hardness: 1 }] });
    expect(r.doc.engine.propainter.neighborLength).toBe(10);
    expect(r.doc.range).toEqual({ in: 0, out: 79 });
  });

  it('migrates a version-1 file to the current version', () => {
    const input = JSON.parse(JSON.stringify(version1));
    const r = restore(input);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.migratedFrom).toBe(1);
    expect(r.doc.version).toBe(CURRENT_PROJECT_VERSION);
    expect(r.doc.source.fps).toEqual({ num: 30000, den: 1001 });
    expect(r.doc.layers.map((l) => [l.kind, l.feather, l.dilation])).toEqual([
      ['brush', 0, 0],
      ['shape', 0, 0],
    ]);
    expect(r.doc.layers[0]).not.toHaveProperty('type');
    const stroke = r.doc.layers[0]!.kind === 'brush' ? r.doc.layers[0]!.strokes[0]! : null;
    expect(stroke).toMatchObject({ hold: 1, hardness: 1, radius: 20 });
    expect(r.doc.layers[1]!.invert).toBe(true);
    expect(r.doc.engine.maskDilation).toBe(6);
    expect(input).toEqual(version1); // the input is not modified
    // The migrated document is a normal current one: it saves and restores unchanged.
    const again = restore(JSON.parse(serializeProject(r.doc)));
    expect(again.ok && again.doc).toEqual(r.doc);
    expect(again.ok && again.migratedFrom).toBeNull();
  });

  it('reports a version-1 problem against the migrated field', () => {
    expect(failure({ ...version1, source: { ...version1.source, fps: -3 } })).toBe('source.fps: Invalid input: expected object, received number');
    expect(failure({ ...version1, layers: [{ ...version1.layers[0], type: 'paint' }] })).toMatch(/^layers\[0\]\.kind: Invalid discriminator value/);
  });

  it('migrates a version-2 file so that every layer masks the same frames as before', () => {
    // Version 2 had no active ranges: a shape held its first key before it and its last key after it.
    const input = { ...current(), version: 2, layers: current().layers.map(({ activeRange, ...layer }: Record<string, unknown>) => (void activeRange, layer)) };
    input.layers.push({ id: 'l3', name: 'Inverted', kind: 'brush', invert: true, strokes: [] });
    const r = restore(input);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.migratedFrom).toBe(2);
    expect(r.doc.layers.map((l) => l.activeRange)).toEqual([
      { in: 0, out: 79 },
      { in: 0, out: 79 },
      { in: 0, out: 79 },
    ]);
    const size = { width: 108, height: 60 };
    // After the shape's last key (20) it still masks, as version 2 did; so does the inverted empty layer.
    const withoutInverted = { ...r.doc, layers: r.doc.layers.slice(0, 2) };
    expect(rasterizeMask(withoutInverted, 79, size).some((v) => v === 255)).toBe(true);
    expect(rasterizeMask(r.doc, 79, size).every((v) => v === 255)).toBe(true);
    // A new document follows its keys instead: nothing after the last key.
    const fresh = restore(current());
    expect(fresh.ok && fresh.doc.layers.every((l) => l.activeRange === null)).toBe(true);
    if (fresh.ok) expect(rasterizeMask({ ...fresh.doc, layers: fresh.doc.layers.slice(1) }, 79, size).every((v) => v === 0)).toBe(true);
  });

  it('refuses a file from a newer Cleanplate, and files that are not projects', () => {
    const newer = CURRENT_PROJECT_VERSION + 1;
    expect(failure({ ...current(), version: newer })).toBe(
      `this project was saved by a newer Cleanplate (project version ${newer}; this one reads up to ${CURRENT_PROJECT_VERSION}): update Cleanplate to open it`,
    );
    expect(failure([])).toBe('not a Cleanplate project: expected a JSON object');
    expect(failure(null)).toBe('not a Cleanplate project: expected a JSON object');
    expect(failure({ format: 'premiere', version: 2 })).toBe('not a Cleanplate project: format is "premiere", expected "cleanplate"');
    expect(failure({ format: 'cleanplate' })).toBe('version: expected a whole number from 1, got nothing');
    expect(failure({ format: 'cleanplate', version: 1.5 })).toBe('version: expected a whole number from 1, got 1.5');
  });

  it('names the field and the problem in one line', () => {
    const missing = current();
    delete missing.source.width;
    expect(failure(missing)).toBe('source.width: missing (expected number)');
    const badRadius = current();
    badRadius.layers[0].strokes[0].radius = -2;
    expect(failure(badRadius)).toBe('layers[0].strokes[0].radius: Too small: expected number to be >0');
    const oddPoints = current();
    oddPoints.layers[0].strokes[0].points = [1, 2, 3];
    expect(failure(oddPoints)).toBe('layers[0].strokes[0].points: points must hold x,y pairs');
  });

  it('checks the invariants: equal point counts, sorted unique key frames, range, unique ids', () => {
    const counts = current();
    counts.layers[1].shapes[0].keys[1].vertices.push({ x: 1, y: 1 });
    expect(failure(counts)).toBe('layers[1].shapes[0].keys: keys have different point counts (4 and 5)');
    const unsorted = current();
    unsorted.layers[1].shapes[0].keys[1].frame = 0;
    expect(failure(unsorted)).toBe('layers[1].shapes[0].keys: key frames must increase without repeats (frame 0 follows frame 0)');
    const range = current();
    range.range = { in: 5, out: 80 };
    expect(failure(range)).toBe('range.out: the out point is past the last frame (79)');
    const backwards = current();
    backwards.range = { in: 9, out: 4 };
    expect(failure(backwards)).toBe('range: the in point is after the out point');
    const dup = current();
    dup.layers[1].shapes[0].id = 'k1';
    expect(failure(dup)).toBe('layers[1].shapes[0].id: duplicate id "k1" (already used by layers[0].strokes[0])');
    const dupLayer = current();
    dupLayer.layers[1].id = 'l1';
    expect(failure(dupLayer)).toBe('layers[1].id: duplicate id "l1" (already used by layers[0])');
  });
});

describe('createProject and serializeProject', () => {
  it('creates a whole-clip project without layers, from the caller’s time and version', () => {
    const doc = createProject(source, '2025-01-02T03:04:05.000Z', '1.2.3');
    expect(doc).toMatchObject({
      format: 'cleanplate',
      version: CURRENT_PROJECT_VERSION,
      source: { ...source, relativePath: null, rotation: 0 },
      range: { in: 0, out: 79 },
      layers: [],
      meta: { createdAt: '2025-01-02T03:04:05.000Z', modifiedAt: '2025-01-02T03:04:05.000Z', appVersion: '1.2.3' },
    });
    expect(createProject(source, 'x', 'y')).toEqual(createProject(source, 'x', 'y'));
    expect(() => createProject({ ...source, frameCount: 0 }, 'x', 'y')).toThrow('Cannot make a project for this video: source.frameCount: Too small: expected number to be >=1');
  });

  it('serializes stably: schema key order, pretty, final newline, whatever order the keys were set in', () => {
    const r = restore(current());
    if (!r.ok) throw new Error(r.message);
    const text = serializeProject(r.doc);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "format": "cleanplate",');
    const shuffled = JSON.parse(text, (_k, value) =>
      value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).reverse()) : value,
    ) as ProjectDoc;
    expect(Object.keys(shuffled)[0]).not.toBe('format');
    expect(serializeProject(shuffled)).toBe(text);
    expect(() => serializeProject({ ...r.doc, range: { in: 0, out: 500 } })).toThrow(/refusing to save an invalid project: range.out/);
  });

  it('round-trips through text to the same masks, to the pixel', () => {
    const doc = current();
    doc.layers[0].strokes[0].points = [10.123456789, 10.987654321, 50.5, 40.25];
    doc.layers[0].feather = 3.3;
    const r = restore(doc);
    if (!r.ok) throw new Error(r.message);
    const again = restore(JSON.parse(serializeProject(r.doc)));
    if (!again.ok) throw new Error(again.message);
    for (const frame of [0, 3, 10, 20])
      expect(maskDifference(rasterizeMask(again.doc, frame, { width: 216, height: 120 }), rasterizeMask(r.doc, frame, { width: 216, height: 120 }), 216)).toBeNull();
  });
});
