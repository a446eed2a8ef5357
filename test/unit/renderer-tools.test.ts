// The tool state machines, driven with synthetic pointer events against a real store: a stroke or a
// drag is one undo step, Escape cancels, samples closer than a screen pixel merge, pens close paths,
// and editing a shape where it has no key adds one.
import { describe, expect, it } from 'vitest';
import { evaluateShape } from '../../common/keys';
import { rasterizeMask } from '../../common/mask/rasterize';
import type { BrushLayer, ShapeLayer } from '../../common/project/schema';
import { createBrushTool } from '../../renderer/tools/brush';
import { createEraserTool } from '../../renderer/tools/eraser';
import { createBezierTool } from '../../renderer/tools/bezier';
import { createPolygonTool } from '../../renderer/tools/polygon';
import { createSelectTool } from '../../renderer/tools/select';
import { createOverlayStore } from '../../renderer/tools/types';
import type { ToolEnv, ToolPointer } from '../../renderer/tools/types';
import { editorWithProject } from './renderer-fixtures';

function harness(zoom = 1) {
  const { store, ops } = editorWithProject(100);
  const scheduled: (() => void)[] = [];
  const notices: string[] = [];
  let id = 0;
  const env: ToolEnv = {
    ops,
    overlay: createOverlayStore(),
    zoom: () => zoom,
    newId: (p) => `${p}-${++id}`,
    schedule: (cb) => void scheduled.push(cb),
    notify: (t) => void notices.push(t),
    pan: () => undefined,
  };
  const runFrame = () => scheduled.splice(0).forEach((f) => f());
  const undoCount = () => store.getState().history!.past.length;
  return { store, ops, env, runFrame, notices, undoCount };
}

const at = (x: number, y: number, extra: Partial<ToolPointer> = {}): ToolPointer => ({ x, y, sx: x, sy: y, button: 0, shift: false, alt: false, mod: false, ...extra });

function masked(mask: Uint8Array): number {
  return mask.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
}

describe('brush tool', () => {
  it('paints one stroke as one undo step on a new brush layer, drawn live per animation frame', () => {
    const h = harness();
    const brush = createBrushTool(h.env);
    h.ops.setSession({ brushRadius: 6, frame: 10 });
    brush.down(at(100, 100));
    expect(brush.state()).toBe('painting');
    for (let x = 101; x <= 160; x++) brush.move(at(x, 100));
    // Nothing new reaches the overlay until the animation frame runs.
    expect(h.env.overlay.getState().stroke!.points).toEqual([100, 100]);
    h.runFrame();
    expect(h.env.overlay.getState().stroke!.points.length).toBe(2 * 61);
    expect(h.undoCount()).toBe(0);
    brush.up(at(160, 100));
    expect(brush.state()).toBe('idle');
    expect(h.env.overlay.getState().stroke).toBeNull();
    expect(h.undoCount()).toBe(1);
    const layer = h.ops.doc()!.layers[0] as BrushLayer;
    expect(layer.kind).toBe('brush');
    expect(layer.strokes).toHaveLength(1);
    expect(layer.strokes[0]).toMatchObject({ frame: 10, hold: 1, mode: 'paint', radius: 6 });
    // What the stroke removes: a 60 x 12 capsule on its own frame only.
    const doc = h.ops.doc()!;
    const n = masked(rasterizeMask(doc, 10, { width: 640, height: 360 }));
    expect(n).toBeGreaterThan(60 * 12 * 0.95);
    expect(n).toBeLessThan(60 * 12 + Math.PI * 36 + 20);
    expect(masked(rasterizeMask(doc, 11, { width: 640, height: 360 }))).toBe(0);
    h.ops.undo();
    expect(h.ops.doc()!.layers).toHaveLength(0);
  });

  it('merges samples closer than one screen pixel', () => {
    const h = harness(4); // 4 screen px per source px: 0.25 source px is one screen pixel
    const brush = createBrushTool(h.env);
    brush.down(at(10, 10));
    brush.move(at(10.1, 10), [at(10.05, 10), at(10.1, 10)]);
    brush.move(at(10.3, 10));
    brush.move(at(10.4, 10));
    h.runFrame();
    expect(h.env.overlay.getState().stroke!.points).toEqual([10, 10, 10.3, 10]);
  });

  it('Escape drops the stroke in progress without an edit', () => {
    const h = harness();
    const brush = createBrushTool(h.env);
    brush.down(at(10, 10));
    brush.move(at(50, 10));
    h.runFrame();
    expect(brush.key('escape')).toBe(true);
    brush.up(at(50, 10));
    expect(brush.state()).toBe('idle');
    expect(h.undoCount()).toBe(0);
    expect(h.ops.doc()!.layers).toHaveLength(0);
  });

  it('applies the hold setting and refuses a locked layer with a message', () => {
    const h = harness();
    const brush = createBrushTool(h.env);
    h.ops.setSession({ brushHold: { kind: 'out' }, frame: 20 });
    brush.down(at(30, 30));
    brush.up(at(30, 30));
    const layer = h.ops.doc()!.layers[0] as BrushLayer;
    expect(layer.strokes[0]!.hold).toBe('out');
    expect(masked(rasterizeMask(h.ops.doc()!, 99, { width: 640, height: 360 }))).toBeGreaterThan(0);
    h.ops.edit('lock', (d) => void (d.layers[0]!.locked = true));
    brush.down(at(60, 60));
    expect(brush.state()).toBe('idle');
    expect(h.notices[0]).toMatch(/locked/);
  });

  it('the eraser lowers paint and never creates a layer', () => {
    const h = harness();
    const eraser = createEraserTool(h.env);
    eraser.down(at(10, 10));
    expect(eraser.state()).toBe('idle');
    expect(h.notices[0]).toMatch(/nothing|no brush paint/i);
    const brush = createBrushTool(h.env);
    h.ops.setSession({ brushRadius: 10 });
    brush.down(at(100, 100));
    brush.up(at(100, 100));
    const before = masked(rasterizeMask(h.ops.doc()!, 0, { width: 640, height: 360 }));
    h.ops.setSession({ brushRadius: 5 });
    eraser.down(at(100, 100));
    eraser.up(at(100, 100));
    const after = masked(rasterizeMask(h.ops.doc()!, 0, { width: 640, height: 360 }));
    expect(after).toBeLessThan(before - 60);
    expect((h.ops.doc()!.layers[0] as BrushLayer).strokes.map((s) => s.mode)).toEqual(['paint', 'erase']);
  });
});

describe('pen tools', () => {
  it('polygon: clicks add points, clicking the first point closes the shape as one edit keyed at the frame', () => {
    const h = harness();
    const pen = createPolygonTool(h.env);
    h.ops.setSession({ frame: 7 });
    for (const [x, y] of [
      [100, 100],
      [200, 100],
      [200, 200],
      [100, 200],
    ]) {
      pen.down(at(x!, y!));
      pen.up(at(x!, y!));
    }
    expect(pen.state()).toBe('placing');
    expect(h.env.overlay.getState().pen!.vertices).toHaveLength(4);
    pen.move(at(102, 98));
    expect(h.env.overlay.getState().pen!.closing).toBe(true);
    pen.down(at(102, 98));
    expect(pen.state()).toBe('idle');
    expect(h.undoCount()).toBe(1);
    const layer = h.ops.doc()!.layers[0] as ShapeLayer;
    expect(layer.kind).toBe('shape');
    expect(layer.shapes[0]!.keys).toHaveLength(1);
    expect(layer.shapes[0]!.keys[0]!.frame).toBe(7);
    expect(h.ops.session().selection.shapeId).toBe(layer.shapes[0]!.id);
    // The 100 x 100 square covers exactly 10 000 pixels.
    expect(masked(rasterizeMask(h.ops.doc()!, 7, { width: 640, height: 360 }))).toBe(10000);
  });

  it('polygon: Backspace removes the last point, Enter closes, Escape drops the path', () => {
    const h = harness();
    const pen = createPolygonTool(h.env);
    for (const x of [10, 50, 90, 130]) pen.down(at(x, x === 50 ? 80 : 10));
    pen.key('backspace');
    expect(h.env.overlay.getState().pen!.vertices).toHaveLength(3);
    pen.key('enter');
    expect(h.undoCount()).toBe(1);
    pen.down(at(300, 300));
    pen.down(at(320, 300));
    pen.key('escape');
    expect(pen.state()).toBe('idle');
    expect(h.env.overlay.getState().pen).toBeNull();
    expect(h.undoCount()).toBe(1);
  });

  it('bezier: dragging from a new point pulls symmetric handles', () => {
    const h = harness();
    const pen = createBezierTool(h.env);
    pen.down(at(100, 100));
    expect(pen.state()).toBe('draggingHandle');
    pen.move(at(130, 110));
    pen.up(at(130, 110));
    pen.down(at(200, 100));
    pen.up(at(200, 100));
    pen.down(at(150, 200));
    pen.up(at(150, 200));
    pen.key('enter');
    const shape = (h.ops.doc()!.layers[0] as ShapeLayer).shapes[0]!;
    expect(shape.kind).toBe('bezier');
    expect(shape.keys[0]!.vertices[0]).toEqual({ x: 100, y: 100, outX: 30, outY: 10, inX: -30, inY: -10 });
    expect(shape.keys[0]!.vertices[1]).toMatchObject({ outX: 0, outY: 0 });
  });

  it('clicking the selected shape outline with a pen inserts a point in every key', () => {
    const h = harness();
    const pen = createPolygonTool(h.env);
    for (const [x, y] of [
      [100, 100],
      [200, 100],
      [200, 200],
    ])
      pen.down(at(x!, y!));
    pen.key('enter');
    const id = h.ops.session().selection.shapeId!;
    h.ops.setSession({ frame: 50 });
    const select = createSelectTool(h.env);
    select.down(at(200, 200));
    select.move(at(210, 220));
    select.up(at(210, 220));
    pen.down(at(150, 100)); // on the top edge
    const shape = (h.ops.doc()!.layers[0] as ShapeLayer).shapes.find((s) => s.id === id)!;
    expect(shape.keys.map((k) => k.vertices.length)).toEqual([4, 4]);
    expect(shape.keys[0]!.vertices[1]).toMatchObject({ x: 150, y: 100 });
    expect(pen.state()).toBe('idle');
  });
});

describe('select tool', () => {
  function withSquare() {
    const h = harness();
    const pen = createPolygonTool(h.env);
    for (const [x, y] of [
      [100, 100],
      [200, 100],
      [200, 200],
      [100, 200],
    ])
      pen.down(at(x!, y!));
    pen.key('enter');
    const layer = h.ops.doc()!.layers[0] as ShapeLayer;
    return { ...h, layerId: layer.id, shapeId: layer.shapes[0]!.id, select: createSelectTool(h.env) };
  }
  const shapeOf = (h: ReturnType<typeof withSquare>) => (h.ops.doc()!.layers[0] as ShapeLayer).shapes[0]!;

  it('dragging a point at a frame without a key adds a key there, as one undo step', () => {
    const h = withSquare();
    h.ops.setSession({ frame: 30 });
    h.select.down(at(201, 201));
    expect(h.select.state()).toBe('draggingVertex');
    for (let i = 1; i <= 20; i++) h.select.move(at(201 + i, 201 + i));
    h.select.up(at(221, 221));
    expect(h.undoCount()).toBe(2);
    const shape = shapeOf(h);
    expect(shape.keys.map((k) => k.frame)).toEqual([0, 30]);
    expect(shape.keys[1]!.vertices[2]).toMatchObject({ x: 220, y: 220 });
    expect(evaluateShape(shape, 15)[2]).toMatchObject({ x: 210, y: 210 }); // linear in between
    h.ops.undo();
    expect(shapeOf(h).keys).toHaveLength(1);
  });

  it('outside its layer’s frames a shape is not picked, unless it is the selected one (shown as a ghost)', () => {
    const h = withSquare(); // keyed at frame 0 only: its layer masks frame 0
    h.ops.setSession({ frame: 30, selection: { shapeId: null, vertex: null } });
    h.select.down(at(150, 150));
    expect(h.select.state()).toBe('idle');
    expect(h.ops.session().selection.shapeId).toBeNull();
    // Selected (just drawn, or picked on a frame where it masks), it can be moved here: that keys it
    // at frame 30 and so extends the frames the layer masks.
    h.ops.setSession({ selection: { shapeId: h.shapeId, vertex: null } });
    h.select.down(at(150, 150));
    expect(h.select.state()).toBe('translating');
    h.select.move(at(160, 150));
    h.select.up(at(160, 150));
    expect(shapeOf(h).keys.map((k) => k.frame)).toEqual([0, 30]);
    expect(rasterizeMask(h.ops.doc()!, 20, { width: 640, height: 360 }).some((v) => v > 0)).toBe(true);
  });

  it('Escape during a drag returns to where it started', () => {
    const h = withSquare();
    h.select.down(at(150, 150));
    expect(h.select.state()).toBe('translating');
    h.select.move(at(180, 190));
    expect(shapeOf(h).keys[0]!.vertices[0]).toMatchObject({ x: 130, y: 140 });
    h.select.key('escape');
    expect(h.select.state()).toBe('idle');
    expect(shapeOf(h).keys[0]!.vertices[0]).toMatchObject({ x: 100, y: 100 });
    h.select.up(at(180, 190));
    expect(h.undoCount()).toBe(1);
  });

  it('moves the whole shape, and the transformer scales it about a point as one step', () => {
    const h = withSquare();
    h.select.down(at(150, 150));
    h.select.move(at(160, 150));
    h.select.up(at(160, 150));
    expect(shapeOf(h).keys[0]!.vertices[0]).toMatchObject({ x: 110, y: 100 });
    h.select.transformStart();
    h.select.transformUpdate([1.5, 0, 0, 1.5, -50, -50]);
    h.select.transformUpdate([2, 0, 0, 2, -110, -100]);
    h.select.transformEnd();
    expect(shapeOf(h).keys[0]!.vertices[0]).toMatchObject({ x: 110, y: 100 });
    expect(shapeOf(h).keys[0]!.vertices[2]).toMatchObject({ x: 310, y: 300 });
    expect(h.undoCount()).toBe(3);
  });

  it('Alt+click on the outline inserts a point; clicking empty space clears the selection', () => {
    const h = withSquare();
    h.ops.setSession({ selection: { shapeId: h.shapeId, vertex: null } });
    h.select.down(at(200, 150, { alt: true }));
    expect(shapeOf(h).keys[0]!.vertices).toHaveLength(5);
    expect(h.ops.session().selection.vertex).toBe(2);
    h.select.down(at(500, 300));
    expect(h.ops.session().selection.shapeId).toBeNull();
  });
});
