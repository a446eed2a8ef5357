// Per-frame fingerprints of a render's inputs (common/project/fingerprint.ts): an edit changes the
// fingerprints of exactly the frames whose mask it changes; settings that shape every frame change
// them all; the device changes none.
import { produce } from 'immer';
import { describe, expect, it } from 'vitest';
import { commands, createProject, frameFingerprints } from '../../common/project';
import type { ProjectDoc } from '../../common/project';

const square = (dx: number) => [0, 1, 2, 3].map((i) => ({ x: 100 + dx + (i === 1 || i === 2 ? 40 : 0), y: 100 + (i >= 2 ? 40 : 0) }));

function doc(): ProjectDoc {
  return produce(createProject({ path: '/clips/c.mp4', width: 640, height: 360, fps: { num: 25, den: 1 }, frameCount: 100 }, '2026-01-01T00:00:00.000Z', 't'), (d) => {
    commands.addLayer(d, { layer: { id: 'roto', name: 'Roto', kind: 'shape' } });
    commands.addShape(d, { layerId: 'roto', shape: { id: 's', kind: 'polygon', keys: [{ frame: 10, vertices: square(0) }] } });
    commands.setShapeAt(d, { layerId: 'roto', shapeId: 's', frame: 30, vertices: square(20) });
    commands.setShapeAt(d, { layerId: 'roto', shapeId: 's', frame: 60, vertices: square(50) });
  });
}

/** Frames whose fingerprint differs between two documents. */
function changed(a: ProjectDoc, b: ProjectDoc, mode: 'inpaint' | 'outpaint' = 'inpaint'): number[] {
  const fa = frameFingerprints(a, mode, 0, 99);
  const fb = frameFingerprints(b, mode, 0, 99);
  return fa.flatMap((f, i) => (f === fb[i] ? [] : [i]));
}

describe('frame fingerprints', () => {
  it('are stable, and differ where the masks differ', () => {
    const d = doc();
    expect(frameFingerprints(d, 'inpaint', 0, 99)).toEqual(frameFingerprints(structuredClone(d), 'inpaint', 0, 99));
    const f = frameFingerprints(d, 'inpaint', 0, 99);
    expect(new Set(f.slice(0, 10)).size).toBe(1); // before the first key: no mask, all the same
    expect(f[10]).not.toBe(f[0]);
    expect(f[20]).not.toBe(f[21]); // the shape moves between keys
  });

  it('moving one key makes stale only the frames between its neighbours', () => {
    const d = doc();
    const moved = produce(d, (x) => commands.setShapeAt(x, { layerId: 'roto', shapeId: 's', frame: 30, vertices: square(25) }));
    expect(changed(d, moved)).toEqual(Array.from({ length: 59 - 11 + 1 }, (_, i) => 11 + i));
  });

  it('a new layer changes only the frames it masks', () => {
    const d = doc();
    const painted = produce(d, (x) => {
      commands.addLayer(x, { layer: { id: 'paint', name: 'Paint', kind: 'brush' } });
      commands.addStroke(x, { layerId: 'paint', stroke: { id: 'k', frame: 70, hold: 3, mode: 'paint', radius: 5, points: [10, 10] } });
    });
    expect(changed(d, painted)).toEqual([70, 71, 72]);
  });

  it('hiding a layer, or changing its feather, changes its frames only', () => {
    const d = doc();
    const hidden = produce(d, (x) => commands.updateLayer(x, { layerId: 'roto', props: { visible: false } }));
    expect(changed(d, hidden)).toEqual(Array.from({ length: 51 }, (_, i) => 10 + i));
    const feathered = produce(d, (x) => commands.updateLayer(x, { layerId: 'roto', props: { feather: 3 } }));
    expect(changed(d, feathered)).toEqual(Array.from({ length: 51 }, (_, i) => 10 + i));
  });

  it('engine settings change every frame; the device none; outpainting ignores the masks', () => {
    const d = doc();
    expect(changed(d, produce(d, (x) => commands.updateEngine(x, { maskDilation: 6 })))).toHaveLength(100);
    expect(changed(d, produce(d, (x) => commands.updateEngine(x, { processingSize: { width: 320, height: 176 } })))).toHaveLength(100);
    expect(changed(d, produce(d, (x) => commands.updateEngine(x, { device: 'cpu' })))).toEqual([]);
    expect(changed(d, produce(d, (x) => commands.deleteLayer(x, { layerId: 'roto' })), 'outpaint')).toEqual([]);
    expect(changed(d, produce(d, (x) => commands.updateOutpaint(x, { scaleW: 1.5 })), 'outpaint')).toHaveLength(100);
  });
});
