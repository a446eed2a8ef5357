// The timeline's drags (renderer/timeline/drags.ts) driven with synthetic presses against a real
// store, like the viewer's tools: scrubbing moves only the playhead; a handle dragged is one undo
// step; a handle clicked without dragging moves the playhead (so the in point at frame 0 does not
// swallow clicks on the ruler); Escape returns to the mark.
import { describe, expect, it } from 'vitest';
import { commands } from '../../common/project';
import { createTimelineDrags } from '../../renderer/timeline/drags';
import { editorWithProject } from './renderer-fixtures';

/** 4 px per frame: frame f covers x in [4f, 4f + 4). */
const PPF = 4;
const xOf = (frame: number) => frame * PPF + PPF / 2;

function harness() {
  const { store, ops } = editorWithProject(100);
  const drags = createTimelineDrags({ ops, pxPerFrame: () => PPF });
  const undoCount = () => store.getState().history!.past.length;
  const labels = () => store.getState().history!.past.map((e) => e.label);
  return { store, ops, drags, undoCount, labels };
}

/** A shape layer keyed at 36 and 68, as the newcomer's polygon was. */
function withKeyedShape(h: ReturnType<typeof harness>) {
  const square = (dx: number) => [0, 1, 2, 3].map((i) => ({ x: 100 + dx + (i === 1 || i === 2 ? 50 : 0), y: 100 + (i >= 2 ? 50 : 0) }));
  h.ops.edit('setup', (d) => {
    commands.addLayer(d as never, { layer: { id: 'roto', name: 'Shape 1', kind: 'shape' } });
    commands.addShape(d as never, { layerId: 'roto', shape: { id: 's', kind: 'polygon', keys: [{ frame: 36, vertices: square(0) }] } });
    commands.setShapeAt(d as never, { layerId: 'roto', shapeId: 's', frame: 68, vertices: square(40) });
  });
}

describe('timeline drags', () => {
  it('scrubs frame-accurately without touching the document', () => {
    const h = harness();
    h.ops.setSession({ rate: 1 });
    h.drags.down({ kind: 'scrub' }, xOf(42));
    expect(h.drags.state()).toBe('scrubbing');
    expect(h.ops.session().frame).toBe(42);
    expect(h.ops.session().rate).toBe(0); // a press stops playback
    h.drags.move(xOf(57));
    expect(h.ops.session().frame).toBe(57);
    h.drags.move(-50);
    expect(h.ops.session().frame).toBe(0);
    h.drags.up(-50);
    expect(h.drags.state()).toBe('idle');
    expect(h.undoCount()).toBe(0);
  });

  it('a click on the in point (at frame 0) moves the playhead instead of grabbing the handle', () => {
    const h = harness();
    h.ops.setFrame(50);
    h.drags.down({ kind: 'range-edge', edge: 'in' }, xOf(1));
    h.drags.move(xOf(1) + 1.5); // a tremor of the hand is not a drag
    h.drags.up(xOf(1) + 1.5);
    expect(h.ops.session().frame).toBe(1);
    expect(h.ops.doc()!.range).toEqual({ in: 0, out: 99 });
    expect(h.undoCount()).toBe(0);
  });

  it('drags the in and out points as one undo step each, never past each other', () => {
    const h = harness();
    h.drags.down({ kind: 'range-edge', edge: 'in' }, 1);
    for (let x = 1; x <= 1 + 20 * PPF; x += 3) h.drags.move(x);
    expect(h.drags.state()).toBe('dragging');
    expect(h.ops.inGesture()).toBe(true);
    h.drags.up(1 + 20 * PPF);
    expect(h.ops.doc()!.range).toEqual({ in: 20, out: 99 });
    expect(h.labels()).toEqual(['Move in point']);
    h.drags.down({ kind: 'range-edge', edge: 'out' }, xOf(99));
    h.drags.move(xOf(5));
    h.drags.up(xOf(5));
    expect(h.ops.doc()!.range).toEqual({ in: 20, out: 20 });
    expect(h.labels()).toEqual(['Move in point', 'Move out point']);
    h.ops.undo();
    expect(h.ops.doc()!.range).toEqual({ in: 20, out: 99 });
  });

  it('retimes a key marker with its playhead, jumps to it on a click, and Escape cancels', () => {
    const h = harness();
    withKeyedShape(h);
    const keys = () => (h.ops.doc()!.layers[0] as { shapes: { keys: { frame: number }[] }[] }).shapes[0]!.keys.map((k) => k.frame);
    const before = h.undoCount();
    h.drags.down({ kind: 'key', layerId: 'roto', frame: 68 }, xOf(68));
    h.drags.up(xOf(68));
    expect(h.ops.session().frame).toBe(68);
    expect(h.ops.session().activeLayerId).toBe('roto');
    expect(h.undoCount()).toBe(before);

    h.drags.down({ kind: 'key', layerId: 'roto', frame: 68 }, xOf(68));
    h.drags.move(xOf(75));
    expect(h.drags.view.getState().key).toEqual({ layerId: 'roto', from: 68, to: 75 });
    h.drags.move(xOf(80));
    h.drags.up(xOf(80));
    expect(keys()).toEqual([36, 80]);
    expect(h.ops.session().frame).toBe(80);
    expect(h.labels().at(-1)).toBe('Retime key');
    expect(h.undoCount()).toBe(before + 1);
    expect(h.drags.view.getState().key).toBeNull();

    h.drags.down({ kind: 'key', layerId: 'roto', frame: 80 }, xOf(80));
    h.drags.move(xOf(90));
    expect(keys()).toEqual([36, 90]);
    h.drags.cancel();
    expect(keys()).toEqual([36, 80]);
    expect(h.ops.inGesture()).toBe(false);
    expect(h.undoCount()).toBe(before + 1);
  });

  it('drags the ends of a layer’s active range: from its keys to an explicit range, one undo step', () => {
    const h = harness();
    withKeyedShape(h);
    const range = () => h.ops.doc()!.layers[0]!.activeRange;
    expect(range()).toBeNull(); // follows its keys: 36..68
    h.drags.down({ kind: 'layer-edge', layerId: 'roto', edge: 'out' }, (68 + 1) * PPF);
    h.drags.move((68 + 1) * PPF + 12 * PPF);
    h.drags.up((68 + 1) * PPF + 12 * PPF);
    expect(range()).toEqual({ in: 36, out: 80 });
    expect(h.labels().at(-1)).toBe('Layer frames');
    // The in end cannot pass the out end.
    h.drags.down({ kind: 'layer-edge', layerId: 'roto', edge: 'in' }, 36 * PPF);
    h.drags.move(95 * PPF);
    h.drags.up(95 * PPF);
    expect(range()).toEqual({ in: 80, out: 80 });
    h.ops.undo();
    h.ops.undo();
    expect(range()).toBeNull();
  });
});
