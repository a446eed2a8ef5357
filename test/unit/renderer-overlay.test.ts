// The viewer's mask overlay is the one rasterizer's output (what you see is what gets removed),
// coloured by layer and cached by document version; the frame source prefetches in the direction of
// travel and keeps decoded frames within a byte budget.
import { describe, expect, it } from 'vitest';
import { rasterizeMask } from '../../common/mask/rasterize';
import type { ProjectDoc } from '../../common/project/schema';
import { FrameSource } from '../../renderer/media/images';
import { MaskOverlay } from '../../renderer/media/maskOverlay';
import { editorWithProject } from './renderer-fixtures';

function square(id: string, x: number, y: number, size: number, frame = 0) {
  return {
    id,
    kind: 'polygon' as const,
    closed: true,
    keys: [
      {
        frame,
        interp: 'linear' as const,
        vertices: [
          { x, y, inX: 0, inY: 0, outX: 0, outY: 0 },
          { x: x + size, y, inX: 0, inY: 0, outX: 0, outY: 0 },
          { x: x + size, y: y + size, inX: 0, inY: 0, outX: 0, outY: 0 },
          { x, y: y + size, inX: 0, inY: 0, outX: 0, outY: 0 },
        ],
      },
    ],
  };
}

function layer(id: string, color: string, mode: 'add' | 'subtract', shapes: ReturnType<typeof square>[]) {
  return { id, name: id, kind: 'shape' as const, visible: true, locked: false, mode, invert: false, feather: 0, dilation: 0, color, shapes };
}

function docWithLayers(): ProjectDoc {
  const { ops } = editorWithProject(10);
  ops.edit('layers', (d) => {
    d.layers.push(layer('red', '#ff0000', 'add', [square('a', 10, 10, 40)]) as never);
    d.layers.push(layer('blue', '#0000ff', 'add', [square('b', 30, 30, 40)]) as never);
    d.layers.push(layer('hole', '#00ff00', 'subtract', [square('c', 60, 60, 5)]) as never);
  });
  return ops.doc()!;
}

describe('mask overlay', () => {
  it('has exactly the rasterizer alpha, coloured by the top add layer covering each pixel', () => {
    const doc = docWithLayers();
    const overlay = new MaskOverlay();
    const img = overlay.render(doc, 0, 160, 90);
    const mask = rasterizeMask(doc, 0, { width: 160, height: 90 });
    const alpha = Uint8Array.from({ length: 160 * 90 }, (_, i) => img.rgba[i * 4 + 3]!);
    expect(Buffer.from(alpha).equals(Buffer.from(mask))).toBe(true);
    expect(img.maskedPixels).toBe(mask.filter((v) => v > 0).length);
    // The 640x360 project is drawn at a quarter: source (20, 20) is pixel (5, 5), red only.
    const px = (x: number, y: number) => Array.from(img.rgba.slice((y * 160 + x) * 4, (y * 160 + x) * 4 + 4));
    expect(px(5, 5)).toEqual([255, 0, 0, 255]);
    expect(px(10, 10)).toEqual([0, 0, 255, 255]); // in both squares: blue, drawn later, wins
    expect(px(15, 15)).toEqual([0, 0, 0, 0]); // the subtract layer's hole
    expect(px(1, 1)).toEqual([0, 0, 0, 0]);
  });

  it('reuses a frame while the document is unchanged and recomputes after an edit', () => {
    const { ops } = editorWithProject(10);
    ops.edit('layer', (d) => void d.layers.push(layer('red', '#ff0000', 'add', [square('a', 10, 10, 40)]) as never));
    const overlay = new MaskOverlay();
    const first = overlay.mask(ops.doc()!, 0, 64, 36);
    expect(overlay.mask(ops.doc()!, 0, 64, 36)).toBe(first);
    ops.setSession({ frame: 3 }); // session changes keep the document identical
    expect(overlay.mask(ops.doc()!, 0, 64, 36)).toBe(first);
    ops.edit('move', (d) => void (d.layers[0]!.kind === 'shape' && (d.layers[0]!.shapes[0]!.keys[0]!.vertices[0]!.x = 0)));
    const second = overlay.mask(ops.doc()!, 0, 64, 36);
    expect(second).not.toBe(first);
    expect(second.filter((v) => v > 0).length).toBeGreaterThan(first.filter((v) => v > 0).length);
  });
});

describe('frame source', () => {
  function fakeSource(frameCount: number, budgetFrames: number) {
    const requested: number[] = [];
    const closed: string[] = [];
    const src = new FrameSource({
      frameCount,
      frameRef: async (i) => {
        requested.push(i);
        return `frames/x/${i}.jpg`;
      },
      url: (ref) => ref,
      budgetBytes: budgetFrames * 4 * 10 * 10,
      lookahead: 4,
      concurrency: 1,
      load: async (url) => ({ width: 10, height: 10, close: () => void closed.push(url) }) as unknown as ImageBitmap,
    });
    const settle = () => new Promise((r) => setTimeout(r, 0));
    return { src, requested, closed, settle };
  }

  it('loads the focused frame first, then the frames ahead in the direction of travel', async () => {
    const f = fakeSource(100, 50);
    f.src.focus(50, 1);
    for (let i = 0; i < 20; i++) await f.settle();
    expect(f.requested).toEqual([50, 51, 49, 52, 48, 53, 54]);
    f.src.focus(20, -1);
    for (let i = 0; i < 20; i++) await f.settle();
    expect(f.requested.slice(7)).toEqual([20, 19, 21, 18, 22, 17, 16]);
    expect(f.src.image(20)).not.toBeNull();
  });

  it('keeps decoded frames within its byte budget, releasing the least recently used', async () => {
    const f = fakeSource(100, 3);
    const ready: number[] = [];
    f.src.onReady((i) => ready.push(i));
    for (const i of [1, 2, 3, 4]) {
      f.src.focus(i, 0);
      for (let k = 0; k < 10; k++) await f.settle();
    }
    expect(ready.slice(0, 4)).toEqual([1, 2, 0, 3]);
    expect(f.closed.length).toBeGreaterThan(0);
    expect(f.src.image(4)).not.toBeNull();
    expect(f.src.image(0)).toBeNull();
  });
});
