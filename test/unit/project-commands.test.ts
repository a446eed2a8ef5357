import { applyPatches, enablePatches, produce, produceWithPatches } from 'immer';
import { describe, expect, it } from 'vitest';
import { commands, createProject, ProjectDocSchema } from '../../common/project';
import type { CommandArgs, CommandName, ProjectDoc } from '../../common/project';
import { copyKey, evaluateShape, rotationAbout, translation } from '../../common/keys';
import { rasterizeMask } from '../../common/mask/rasterize';
import { maskDifference } from './raster.helpers';

enablePatches();

const source = { path: '/clips/bmx.mp4', width: 432, height: 240, fps: { num: 25, den: 1 }, frameCount: 80 };
const tri = [
  { x: 100, y: 50 },
  { x: 200, y: 60 },
  { x: 150, y: 160 },
];

/** A project with a brush layer (one stroke) and a shape layer (one keyed triangle). */
function base(): ProjectDoc {
  return produce(createProject(source, '2025-01-01T00:00:00.000Z', '0.1.0'), (d) => {
    commands.addLayer(d, { layer: { id: 'brush', name: 'Brush 1', kind: 'brush' } });
    commands.addLayer(d, { layer: { id: 'roto', name: 'Shape 1', kind: 'shape', color: '#34c759' } });
    commands.addStroke(d, { layerId: 'brush', stroke: { id: 'k1', frame: 4, mode: 'paint', radius: 10, points: [20, 20, 60, 30] } });
    commands.addShape(d, { layerId: 'roto', shape: { id: 'tri', kind: 'bezier', keys: [{ frame: 0, vertices: tri }] } });
    commands.setShapeAt(d, { layerId: 'roto', shapeId: 'tri', frame: 10, vertices: tri.map((p) => ({ ...p, x: p.x + 40 })) });
  });
}

/** Applies one command the way the editor does and checks its undo/redo patches round-trip. */
function run<K extends CommandName>(doc: ProjectDoc, name: K, args: CommandArgs<K>): ProjectDoc {
  const [next, patches, inverse] = produceWithPatches(doc, (d) => {
    (commands[name] as (d: ProjectDoc, a: CommandArgs<K>) => void)(d, args);
  });
  expect(applyPatches(next, inverse), `undo ${name}`).toEqual(doc);
  expect(applyPatches(doc, patches), `redo ${name}`).toEqual(next);
  const valid = ProjectDocSchema.safeParse(next);
  expect(valid.success && valid.data, `${name} keeps the document valid`).toEqual(next);
  return next;
}

function refusal(doc: ProjectDoc, fn: (d: ProjectDoc) => void): string {
  try {
    produce(doc, fn);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('layer commands', () => {
  it('add, rename, hide, lock, set mode/invert/feather/dilation/colour, reorder, delete — each undoable', () => {
    let doc = base();
    doc = run(doc, 'addLayer', { layer: { id: 'cut', name: 'Cut', kind: 'shape', mode: 'subtract' }, index: 0 });
    expect(doc.layers.map((l) => l.id)).toEqual(['cut', 'brush', 'roto']);
    doc = run(doc, 'updateLayer', { layerId: 'brush', props: { name: 'Rider', visible: false, locked: true } });
    doc = run(doc, 'updateLayer', { layerId: 'roto', props: { mode: 'subtract', invert: true, feather: 2.5, dilation: -3, color: '#0a84ff' } });
    expect(doc.layers[1]).toMatchObject({ name: 'Rider', visible: false, locked: true, feather: 0 });
    expect(doc.layers[2]).toMatchObject({ mode: 'subtract', invert: true, feather: 2.5, dilation: -3, color: '#0a84ff' });
    doc = run(doc, 'moveLayer', { layerId: 'cut', toIndex: 2 });
    expect(doc.layers.map((l) => l.id)).toEqual(['brush', 'roto', 'cut']);
    doc = run(doc, 'deleteLayer', { layerId: 'roto' });
    expect(doc.layers.map((l) => l.id)).toEqual(['brush', 'cut']);
  });

  it('adds a bitmap layer for an imported mask', () => {
    const doc = run(base(), 'addBitmapLayer', { id: 'imp', name: 'masks', source: { kind: 'png-sequence', path: '/m', frameCount: 80, width: 432, height: 240 } });
    expect(doc.layers[2]).toMatchObject({ id: 'imp', kind: 'bitmap', visible: true, mode: 'add', source: { kind: 'png-sequence' } });
  });

  it('refuses bad values, unknown layers, taken ids and locked content with one line', () => {
    const doc = base();
    expect(refusal(doc, (d) => commands.updateLayer(d, { layerId: 'brush', props: { feather: -1 } }))).toBe('layer.feather: Too small: expected number to be >=0');
    expect(refusal(doc, (d) => commands.updateLayer(d, { layerId: 'brush', props: { color: 'red' } }))).toMatch(/^layer\.color: /);
    expect(refusal(doc, (d) => commands.updateLayer(d, { layerId: 'brush', props: { kind: 'shape' } as never }))).toBe('layer property "kind" cannot be changed this way');
    expect(refusal(doc, (d) => commands.deleteLayer(d, { layerId: 'nope' }))).toBe('the project has no layer "nope"');
    expect(refusal(doc, (d) => commands.addLayer(d, { layer: { id: 'tri', name: 'x', kind: 'brush' } }))).toBe('id "tri" is already used in this project');
    expect(refusal(doc, (d) => commands.moveLayer(d, { layerId: 'brush', toIndex: 2 }))).toBe('layer position 2 is outside 0..1');
    const locked = produce(doc, (d) => commands.updateLayer(d, { layerId: 'brush', props: { locked: true } }));
    const stroke = { id: 'k2', frame: 0, mode: 'paint' as const, radius: 3, points: [1, 1] };
    expect(refusal(locked, (d) => commands.addStroke(d, { layerId: 'brush', stroke }))).toBe('Layer "Brush 1" is locked: unlock it to edit it.');
    expect(refusal(doc, (d) => commands.addStroke(d, { layerId: 'roto', stroke }))).toBe('layer "Shape 1" is a shape layer, not a brush layer');
  });
});

describe('brush and shape commands', () => {
  it('a stroke is one command, with defaults, and can be deleted', () => {
    let doc = run(base(), 'addStroke', { layerId: 'brush', stroke: { id: 'k2', frame: 7, hold: 'out', mode: 'erase', radius: 4, points: [30, 25] } });
    const layer = doc.layers[0]!;
    expect(layer.kind === 'brush' && layer.strokes[1]).toEqual({ id: 'k2', frame: 7, hold: 'out', mode: 'erase', radius: 4, hardness: 1, points: [30, 25] });
    doc = run(doc, 'deleteStroke', { layerId: 'brush', strokeId: 'k1' });
    expect(doc.layers[0]!.kind === 'brush' && doc.layers[0]!.strokes.map((s) => s.id)).toEqual(['k2']);
  });

  it('every key edit goes through the keying rules and undoes exactly', () => {
    const ref = { layerId: 'roto', shapeId: 'tri' };
    const shapeOf = (d: ProjectDoc) => (d.layers[1]!.kind === 'shape' ? d.layers[1]!.shapes[0]! : null)!;
    let doc = base();
    doc = run(doc, 'setVertexAt', { ...ref, frame: 5, index: 0, change: { outX: 10, outY: 5 } }); // auto-key at 5
    expect(shapeOf(doc).keys.map((k) => k.frame)).toEqual([0, 5, 10]);
    doc = run(doc, 'insertVertex', { ...ref, segment: 0, t: 0.5 });
    expect(shapeOf(doc).keys.every((k) => k.vertices.length === 4)).toBe(true);
    doc = run(doc, 'transformShape', { ...ref, frame: 10, matrix: rotationAbout(150, 100, 0.3) });
    doc = run(doc, 'transformShape', { ...ref, frame: 12, matrix: translation(5, 5) });
    doc = run(doc, 'setKeyInterp', { ...ref, frame: 5, interp: 'smooth' });
    doc = run(doc, 'pasteKey', { ...ref, frame: 30, vertices: copyKey(shapeOf(doc), 0) });
    expect(evaluateShape(shapeOf(doc), 30)).toEqual(evaluateShape(shapeOf(doc), 0));
    doc = run(doc, 'retimeKey', { ...ref, from: 30, to: 12 }); // onto an existing key: the moved one wins
    expect(shapeOf(doc).keys.map((k) => k.frame)).toEqual([0, 5, 10, 12]);
    doc = run(doc, 'deleteKey', { ...ref, frame: 5 });
    doc = run(doc, 'deleteVertex', { ...ref, index: 1 });
    expect(shapeOf(doc).keys.map((k) => k.vertices.length)).toEqual([3, 3, 3]);
    doc = run(doc, 'setShapeClosed', { ...ref, closed: false });
    doc = run(doc, 'setShapeAt', { ...ref, frame: 40, vertices: tri });
    doc = run(doc, 'deleteShape', ref);
    expect(doc.layers[1]!.kind === 'shape' && doc.layers[1]!.shapes).toEqual([]);
  });

  it('moves a layer key marker: shape keys and strokes at that frame', () => {
    let doc = run(base(), 'retimeLayerKeys', { layerId: 'roto', from: 10, to: 20 });
    expect(doc.layers[1]!.kind === 'shape' && doc.layers[1]!.shapes[0]!.keys.map((k) => k.frame)).toEqual([0, 20]);
    doc = run(doc, 'retimeLayerKeys', { layerId: 'brush', from: 4, to: 6 });
    expect(doc.layers[0]!.kind === 'brush' && doc.layers[0]!.strokes[0]!.frame).toBe(6);
  });

  it('refuses shape edits that would break the invariants', () => {
    const doc = base();
    const ref = { layerId: 'roto', shapeId: 'tri' };
    expect(refusal(doc, (d) => commands.setShapeAt(d, { ...ref, frame: 3, vertices: tri.slice(0, 2) }))).toBe(
      'The new outline has 2 points but the shape has 3; insert or delete points first.',
    );
    expect(refusal(doc, (d) => commands.deleteVertex(d, { ...ref, index: 0 }))).toBe('A closed shape needs at least 3 points; delete the shape instead.');
    expect(refusal(doc, (d) => commands.addShape(d, { layerId: 'roto', shape: { id: 'two', kind: 'polygon', keys: [{ frame: 0, vertices: tri.slice(0, 2) }] } }))).toBe(
      'A closed shape needs at least 3 points.',
    );
    expect(
      refusal(doc, (d) =>
        commands.addShape(d, {
          layerId: 'roto',
          shape: { id: 'bad', kind: 'polygon', keys: [{ frame: 5, vertices: tri }, { frame: 5, vertices: tri }] },
        }),
      ),
    ).toBe('shape.keys: key frames must increase without repeats (frame 5 follows frame 5)');
    expect(refusal(doc, (d) => commands.deleteShape(d, { layerId: 'roto', shapeId: 'zzz' }))).toBe('layer "Shape 1" has no shape "zzz"');
  });

  it('an edit shows in the rasterized mask, and its undo restores the mask to the pixel', () => {
    const doc = base();
    const [next, , inverse] = produceWithPatches(doc, (d) => commands.updateLayer(d, { layerId: 'roto', props: { dilation: 6, feather: 4 } }));
    const mask = (d: ProjectDoc) => rasterizeMask(d, 5, { width: 216, height: 120 });
    expect(maskDifference(mask(next), mask(doc), 216)).not.toBeNull();
    expect(maskDifference(mask(applyPatches(next, inverse)), mask(doc), 216)).toBeNull();
  });
});

describe('document commands', () => {
  it('sets the range within the clip and refuses anything else', () => {
    const doc = run(base(), 'setRange', { in: 5, out: 60 });
    expect(doc.range).toEqual({ in: 5, out: 60 });
    expect(refusal(doc, (d) => commands.setRange(d, { in: 10, out: 80 }))).toBe('The range 10..80 must lie within frames 0..79 with the in point first.');
    expect(refusal(doc, (d) => commands.setRange(d, { in: 10, out: 9 }))).toMatch(/in point first/);
  });

  it('changes engine, outpaint and export settings by merging and validating', () => {
    let doc = run(base(), 'updateEngine', { id: 'propainter', propainter: { neighborLength: 6 }, processingSize: { width: 640, height: 360 } });
    expect(doc.engine).toMatchObject({ id: 'propainter', maskDilation: 4, processingSize: { width: 640, height: 360 }, propainter: { neighborLength: 6, refStride: 10 } });
    doc = run(doc, 'updateOutpaint', { enabled: true, scaleW: 1.5 });
    expect(doc.outpaint).toEqual({ enabled: true, scaleH: 1, scaleW: 1.5 });
    doc = run(doc, 'updateExport', { format: 'prores', path: '/out/clean.mov' });
    expect(doc.export).toEqual({ format: 'prores', crf: 18, path: '/out/clean.mov' });
    expect(refusal(doc, (d) => commands.updateEngine(d, { maskDilation: 99 }))).toBe('engine.maskDilation: Too big: expected number to be <=32');
    expect(refusal(doc, (d) => commands.updateExport(d, { crf: 52 }))).toMatch(/^export\.crf: Too big/);
  });
});

describe('layer active range', () => {
  it('sets, widens with new keys, and returns to following the keys', () => {
    let doc = run(base(), 'setLayerRange', { layerId: 'roto', range: { in: 2, out: 6 } });
    expect(doc.layers[1]!.activeRange).toEqual({ in: 2, out: 6 });
    // The triangle is keyed at 0 and 10, but masks only frames 2..6 now.
    const size = { width: 108, height: 60 };
    const rotoOnly = (d: ProjectDoc) => ({ ...d, layers: d.layers.filter((l) => l.id === 'roto') });
    expect([1, 2, 6, 7].map((f) => rasterizeMask(rotoOnly(doc), f, size).some((v) => v > 0))).toEqual([false, true, true, false]);
    // A key added outside the range (propagation, paste, retime) widens it, so new work is never hidden.
    doc = run(doc, 'setShapeAt', { layerId: 'roto', shapeId: 'tri', frame: 30, vertices: tri });
    expect(doc.layers[1]!.activeRange).toEqual({ in: 2, out: 30 });
    doc = run(doc, 'retimeLayerKeys', { layerId: 'roto', from: 0, to: 1 });
    expect(doc.layers[1]!.activeRange).toEqual({ in: 1, out: 30 });
    doc = run(doc, 'addStroke', { layerId: 'brush', stroke: { id: 'k2', frame: 50, mode: 'paint', radius: 4, points: [5, 5] } });
    expect(doc.layers[0]!.activeRange).toBeNull(); // following its keys: nothing to widen
    doc = run(doc, 'setLayerRange', { layerId: 'roto', range: null });
    expect(doc.layers[1]!.activeRange).toBeNull();
    expect(rasterizeMask(rotoOnly(doc), 31, size).some((v) => v > 0)).toBe(false);
  });

  it('refuses a range outside the clip, backwards, or on a locked layer', () => {
    expect(refusal(base(), (d) => commands.setLayerRange(d, { layerId: 'roto', range: { in: 5, out: 80 } }))).toBe("A layer's frames 5..80 must lie within 0..79 with the first frame first.");
    expect(refusal(base(), (d) => commands.setLayerRange(d, { layerId: 'roto', range: { in: 6, out: 5 } }))).toMatch(/6\.\.5 must lie within 0\.\.79/);
    const locked = produce(base(), (d) => commands.updateLayer(d, { layerId: 'roto', props: { locked: true } }));
    expect(refusal(locked, (d) => commands.setLayerRange(d, { layerId: 'roto', range: null }))).toBe('Layer "Shape 1" is locked: unlock it to change its frames.');
  });
});
