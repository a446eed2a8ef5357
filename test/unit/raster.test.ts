import { describe, expect, it } from 'vitest';
import { layerActiveRange } from '../../common/project/active-range';
import { LayerSchema } from '../../common/project/schema';
import type { Layer, ProjectDoc, Vertex } from '../../common/project/schema';
import { fillPolygon, rasterizeLayer, rasterizeMask, stampPolyline } from '../../common/mask/rasterize';
import type { RasterOptions } from '../../common/mask/rasterize';
import { maskDifference } from './raster.helpers';
import { rng } from '../helpers/random';

type MaskDoc = Pick<ProjectDoc, 'layers' | 'source' | 'range'>;

function doc(layers: unknown[], source = { width: 10, height: 10 }, out = 9): MaskDoc {
  return {
    source: { path: '/x.mp4', relativePath: null, width: source.width, height: source.height, fps: { num: 25, den: 1 }, frameCount: 100, rotation: 0 },
    range: { in: 0, out },
    layers: layers.map((l) => LayerSchema.parse(l)),
  };
}

let nextId = 0;
const id = () => `id${nextId++}`;

function shapeLayer(shapes: unknown[], extra: Record<string, unknown> = {}): unknown {
  return { id: id(), name: 'shapes', kind: 'shape', shapes, ...extra };
}
function brushLayer(strokes: unknown[], extra: Record<string, unknown> = {}): unknown {
  return { id: id(), name: 'brush', kind: 'brush', strokes, ...extra };
}
function poly(points: [number, number][], opts: { closed?: boolean; frame?: number; kind?: 'polygon' | 'bezier' } = {}): unknown {
  return {
    id: id(),
    kind: opts.kind ?? 'polygon',
    closed: opts.closed ?? true,
    keys: [{ frame: opts.frame ?? 0, vertices: points.map(([x, y]) => ({ x, y })) }],
  };
}
function rect(x0: number, y0: number, x1: number, y1: number): unknown {
  return poly([
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ]);
}
function stroke(points: number[], extra: Record<string, unknown> = {}): unknown {
  return { id: id(), frame: 0, mode: 'paint', radius: 1, points, ...extra };
}

/** The mask as rows of '#' (255), '.' (0) and '+' (in between), for readable exact expectations. */
function picture(mask: Uint8Array, width: number): string[] {
  const rows: string[] = [];
  for (let y = 0; y < mask.length / width; y++)
    rows.push(Array.from(mask.subarray(y * width, (y + 1) * width), (v) => (v === 255 ? '#' : v === 0 ? '.' : '+')).join(''));
  return rows;
}
function pixelsSet(mask: Uint8Array): number {
  return mask.reduce((n, v) => n + (v === 255 ? 1 : 0), 0);
}

const size10: RasterOptions = { width: 10, height: 10 };

function distanceToPolyline(px: number, py: number, pts: number[]): number {
  let best = Infinity;
  for (let i = 0; i < Math.max(1, pts.length / 2 - 1); i++) {
    const ax = pts[2 * i]!;
    const ay = pts[2 * i + 1]!;
    const bx = pts.length > 2 ? pts[2 * i + 2]! : ax;
    const by = pts.length > 2 ? pts[2 * i + 3]! : ay;
    const len2 = (bx - ax) ** 2 + (by - ay) ** 2;
    const t = len2 ? Math.min(1, Math.max(0, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / len2)) : 0;
    best = Math.min(best, Math.hypot(px - ax - t * (bx - ax), py - ay - t * (by - ay)));
  }
  return best;
}

/** Winding number of a closed polygon around a point (the textbook crossing count with directions). */
function winding(px: number, py: number, pts: number[]): number {
  let w = 0;
  const n = pts.length / 2;
  for (let i = 0; i < n; i++) {
    const [x0, y0, x1, y1] = [pts[2 * i]!, pts[2 * i + 1]!, pts[(2 * i + 2) % (2 * n)]!, pts[(2 * i + 3) % (2 * n)]!];
    const side = (x1 - x0) * (py - y0) - (px - x0) * (y1 - y0);
    if (y0 <= py && y1 > py && side > 0) w++;
    else if (y1 <= py && y0 > py && side < 0) w--;
  }
  return w;
}

describe('rasterizeMask: polygons and sampling', () => {
  it('a 4x4 square covers exactly its 16 pixels', () => {
    expect(picture(rasterizeMask(doc([shapeLayer([rect(3, 3, 7, 7)])]), 0, size10), 10)).toEqual([
      '..........',
      '..........',
      '..........',
      '...####...',
      '...####...',
      '...####...',
      '...####...',
      '..........',
      '..........',
      '..........',
    ]);
  });

  it('edges through pixel centres count on the left/top only, so the area stays exact', () => {
    const mask = rasterizeMask(doc([shapeLayer([rect(2.5, 2.5, 6.5, 6.5)])]), 0, size10);
    expect(picture(mask, 10).slice(1, 7)).toEqual(['..........', '..####....', '..####....', '..####....', '..####....', '..........']);
    // Two squares sharing an edge neither overlap nor leave a gap.
    const pair = rasterizeMask(doc([shapeLayer([rect(1, 1, 4.5, 5), rect(4.5, 1, 8, 5)])]), 0, size10);
    expect(pixelsSet(pair)).toBe(7 * 4);
  });

  it('fills self-intersections with the non-zero rule', () => {
    // A pentagram: even-odd would leave the centre pentagon empty.
    const star: [number, number][] = [];
    for (let k = 0; k < 5; k++) {
      const a = -Math.PI / 2 + (k * 4 * Math.PI) / 5;
      star.push([50 + 45 * Math.cos(a), 50 + 45 * Math.sin(a)]);
    }
    const mask = rasterizeMask(doc([shapeLayer([poly(star)])], { width: 100, height: 100 }), 0, { width: 100, height: 100 });
    expect(mask[50 * 100 + 50]).toBe(255);
    expect(mask[8 * 100 + 50]).toBe(255); // the top point
    expect(mask[20 * 100 + 20]).toBe(0); // between two points
    // A square traced twice winds twice: still filled.
    const twice = rasterizeMask(doc([shapeLayer([poly([[3, 3], [7, 3], [7, 7], [3, 7], [3, 3], [7, 3], [7, 7], [3, 7]])])]), 0, size10);
    expect(pixelsSet(twice)).toBe(16);
  });

  it('scales geometry from the source size to the output size', () => {
    const mask = rasterizeMask(doc([shapeLayer([rect(30, 30, 70, 70)])], { width: 100, height: 100 }), 0, size10);
    expect(picture(mask, 10)).toEqual(picture(rasterizeMask(doc([shapeLayer([rect(3, 3, 7, 7)])]), 0, size10), 10));
    // Non-uniform: 200x100 source into 10x10.
    const wide = rasterizeMask(doc([shapeLayer([rect(60, 30, 140, 70)])], { width: 200, height: 100 }), 0, size10);
    expect(pixelsSet(wide)).toBe(16);
  });

  it('flattens bezier segments to sub-pixel accuracy (a circle from four cubics)', () => {
    const k = 0.5522847498 * 20;
    const c = (x: number, y: number, inX: number, inY: number, outX: number, outY: number): Vertex => ({ x, y, inX, inY, outX, outY });
    const circle = {
      id: id(),
      kind: 'bezier',
      closed: true,
      keys: [{ frame: 0, vertices: [c(32, 12, -k, 0, k, 0), c(52, 32, 0, -k, 0, k), c(32, 52, k, 0, -k, 0), c(12, 32, 0, k, 0, -k)] }],
    };
    const mask = rasterizeMask(doc([shapeLayer([circle])], { width: 64, height: 64 }), 0, { width: 64, height: 64 });
    const wrong: string[] = [];
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++) {
        const r = Math.hypot(x + 0.5 - 32, y + 0.5 - 32);
        // The cubic circle deviates from a true circle by 0.027 % of the radius; allow for that.
        if ((r < 19.9 && mask[y * 64 + x] !== 255) || (r > 20.1 && mask[y * 64 + x] !== 0)) wrong.push(`(${x},${y})`);
      }
    expect(wrong).toEqual([]);
  });

  it('ignores handles on polygon shapes and strokes open shapes instead of filling them', () => {
    const vertices = [
      { x: 1, y: 1, outX: 5, outY: 5 },
      { x: 8, y: 1, inX: -5, inY: 5 },
      { x: 8, y: 8 },
      { x: 1, y: 8 },
    ];
    const asPolygon = { id: id(), kind: 'polygon', keys: [{ frame: 0, vertices }] };
    expect(pixelsSet(rasterizeMask(doc([shapeLayer([asPolygon])]), 0, size10))).toBe(49);
    const open = rasterizeMask(doc([shapeLayer([poly([[1, 1.5], [8, 1.5], [8, 8.5]], { closed: false })])]), 0, size10);
    expect(picture(open, 10)).toEqual([
      '..........',
      '#########.', // centres within 0.5 of the line, its round cap at x = 1 included
      '.......##.',
      '.......##.',
      '.......##.',
      '.......##.',
      '.......##.',
      '.......##.',
      '.......##.',
      '..........',
    ]);
  });
});

describe('scan conversion against brute force', () => {
  it('fillPolygon equals the non-zero winding test at every pixel centre (random polygons)', () => {
    const random = rng(5);
    for (let trial = 0; trial < 40; trial++) {
      const pts = Array.from({ length: 2 * (3 + Math.floor(random() * 9)) }, () => random() * 44 - 2);
      const mask = new Uint8Array(40 * 40);
      fillPolygon(mask, 40, 40, Float64Array.from(pts));
      const expected = new Uint8Array(40 * 40);
      for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) expected[y * 40 + x] = winding(x + 0.5, y + 0.5, pts) !== 0 ? 255 : 0;
      expect(maskDifference(mask, expected, 40), `polygon ${pts.map((v) => v.toFixed(3)).join(',')}`).toBeNull();
    }
  });

  it('stampPolyline equals the distance-to-polyline profile at every pixel centre (random strokes)', () => {
    const random = rng(9);
    for (let trial = 0; trial < 40; trial++) {
      const pts = Array.from({ length: 2 * (1 + Math.floor(random() * 8)) }, () => random() * 40);
      const outer = 0.5 + random() * 8;
      const inner = trial % 3 === 0 ? outer : random() * outer;
      const mask = new Uint8Array(40 * 40);
      stampPolyline(mask, 40, 40, Float64Array.from(pts), inner, outer, false);
      const expected = new Uint8Array(40 * 40);
      for (let y = 0; y < 40; y++)
        for (let x = 0; x < 40; x++) {
          const d = distanceToPolyline(x + 0.5, y + 0.5, pts);
          expected[y * 40 + x] = d <= inner ? 255 : d >= outer ? 0 : Math.round((255 * (outer - d)) / (outer - inner));
        }
      expect(maskDifference(mask, expected, 40), `stroke ${pts.map((v) => v.toFixed(3)).join(',')} r=${inner}..${outer}`).toBeNull();
      // Erasing the same stroke from a full mask leaves exactly the complement.
      const full = new Uint8Array(40 * 40).fill(255);
      stampPolyline(full, 40, 40, Float64Array.from(pts), inner, outer, true);
      expect(maskDifference(full, expected.map((v) => 255 - v), 40)).toBeNull();
    }
  });
});

describe('rasterizeMask: brush strokes', () => {
  it('a dot of radius 1.5 covers the pixel centres within 1.5', () => {
    expect(picture(rasterizeMask(doc([brushLayer([stroke([5.5, 5.5], { radius: 1.5 })])]), 0, size10), 10).slice(3, 8)).toEqual([
      '..........',
      '....###...',
      '....###...',
      '....###...',
      '..........',
    ]);
    // Centred on a pixel corner: the four nearest centres are at 0.71, the next at 1.58.
    expect(picture(rasterizeMask(doc([brushLayer([stroke([5, 5], { radius: 1.5 })])]), 0, size10), 10).slice(3, 7)).toEqual([
      '..........',
      '....##....',
      '....##....',
      '..........',
    ]);
  });

  it('a stroke is a capsule along its polyline', () => {
    expect(picture(rasterizeMask(doc([brushLayer([stroke([2, 5.5, 8, 5.5], { radius: 1 })])]), 0, size10), 10).slice(3, 8)).toEqual([
      '..........',
      '..######..',
      '.########.',
      '..######..',
      '..........',
    ]);
  });

  it('erase lowers what strokes before it painted, and later paint wins again', () => {
    const paint = stroke([1, 5.5, 9, 5.5], { radius: 2 });
    const erase = stroke([5.5, 0, 5.5, 10], { radius: 1, mode: 'erase' });
    const erased = picture(rasterizeMask(doc([brushLayer([paint, erase])]), 0, size10), 10);
    expect(erased.slice(3, 8)).toEqual(['.###...##.', '####...###', '####...###', '####...###', '.###...##.']);
    const repainted = rasterizeMask(doc([brushLayer([paint, erase, paint])]), 0, size10);
    expect(picture(repainted, 10)).toEqual(picture(rasterizeMask(doc([brushLayer([paint])]), 0, size10), 10));
  });

  it('hardness fades the outer part of the radius linearly', () => {
    const mask = rasterizeMask(doc([brushLayer([stroke([10.5, 10.5], { radius: 4, hardness: 0.5 })])], { width: 21, height: 21 }), 0, { width: 21, height: 21 });
    const at = (dx: number, dy: number) => mask[(10 + dy) * 21 + 10 + dx];
    expect(at(0, 0)).toBe(255);
    expect(at(2, 0)).toBe(255); // d = 2 = hardness * radius
    expect(at(3, 0)).toBe(128); // 255 * (4 - 3) / 2
    expect(at(4, 0)).toBe(0);
    expect(at(2, 2)).toBe(Math.round((255 * (4 - Math.SQRT2 * 2)) / 2));
  });

  it('strokes apply on their frame, for `hold` frames, or up to the out point', () => {
    const layers = [brushLayer([stroke([2, 2], { frame: 3, hold: 2, radius: 1 }), stroke([7, 7], { frame: 4, hold: 'out', radius: 1 })])];
    const d = doc(layers, { width: 10, height: 10 }, 6);
    const shown = (f: number) => [rasterizeMask(d, f, size10)[2 * 10 + 2] === 255, rasterizeMask(d, f, size10)[7 * 10 + 7] === 255];
    expect([2, 3, 4, 5, 6, 7].map(shown)).toEqual([
      [false, false],
      [true, false],
      [true, true],
      [false, true],
      [false, true],
      [false, false],
    ]);
  });
});

describe('rasterizeMask: layer options and combination', () => {
  it('a subtract layer removes from the layers before it, not after it', () => {
    const outer = shapeLayer([rect(2, 2, 8, 8)]);
    const hole = shapeLayer([rect(4, 4, 6, 6)], { mode: 'subtract' });
    expect(pixelsSet(rasterizeMask(doc([outer, hole]), 0, size10))).toBe(36 - 4);
    expect(pixelsSet(rasterizeMask(doc([hole, outer]), 0, size10))).toBe(36);
  });

  it('invert flips a layer, and hidden layers are skipped', () => {
    expect(pixelsSet(rasterizeMask(doc([shapeLayer([rect(3, 3, 7, 7)], { invert: true })]), 0, size10))).toBe(100 - 16);
    expect(pixelsSet(rasterizeMask(doc([shapeLayer([rect(3, 3, 7, 7)], { visible: false })]), 0, size10))).toBe(0);
  });

  it('dilation by 1 grows a shape by the 4-neighbour cross; -1 shrinks it', () => {
    expect(picture(rasterizeMask(doc([shapeLayer([rect(3, 3, 7, 7)], { dilation: 1 })]), 0, size10), 10).slice(1, 9)).toEqual([
      '..........',
      '...####...',
      '..######..',
      '..######..',
      '..######..',
      '..######..',
      '...####...',
      '..........',
    ]);
    expect(pixelsSet(rasterizeMask(doc([shapeLayer([rect(3, 3, 7, 7)], { dilation: -1 })]), 0, size10))).toBe(4);
    // Scaled: 2 source pixels on a 20x20 source are 1 output pixel at 10x10.
    const scaled = rasterizeMask(doc([shapeLayer([rect(6, 6, 14, 14)], { dilation: 2 })], { width: 20, height: 20 }), 0, size10);
    expect(pixelsSet(scaled)).toBe(16 + 16);
  });

  it('dilation widens brush strokes (erase strokes narrow)', () => {
    const grown = rasterizeMask(doc([brushLayer([stroke([5.5, 5.5], { radius: 1.5 })], { dilation: 1 })]), 0, size10);
    const wider = rasterizeMask(doc([brushLayer([stroke([5.5, 5.5], { radius: 2.5 })])]), 0, size10);
    expect(grown).toEqual(wider);
    const erased = doc([brushLayer([stroke([1, 5.5, 9, 5.5], { radius: 3 }), stroke([5.5, 0, 5.5, 10], { radius: 1.5, mode: 'erase' })], { dilation: 1 })]);
    // Paint radius 3 + 1 = 4; erase radius 1.5 - 1 = 0.5 now reaches column 5's centres only.
    const mask = rasterizeMask(erased, 0, size10);
    expect(Array.from({ length: 10 }, (_, y) => mask[y * 10 + 4])).toEqual([0, 255, 255, 255, 255, 255, 255, 255, 255, 255]);
    expect(Array.from({ length: 10 }, (_, y) => mask[y * 10 + 5])).toEqual(new Array(10).fill(0));
  });

  it('feather softens the outside of the edge monotonically and keeps the inside', () => {
    const mask = rasterizeMask(doc([shapeLayer([rect(5, 5, 15, 15)], { feather: 4 })], { width: 30, height: 20 }), 0, { width: 30, height: 20 });
    const row = Array.from(mask.subarray(10 * 30, 11 * 30));
    expect(row.slice(5, 15).every((v) => v === 255)).toBe(true);
    for (let x = 15; x < 30; x++) expect(row[x]!).toBeLessThanOrEqual(row[x - 1]!);
    for (let x = 4; x >= 0; x--) expect(row[x]!).toBeLessThanOrEqual(row[x + 1]!);
    expect(row[15]! > 0 && row[15]! < 255).toBe(true);
    expect(row.slice(20)).toEqual(new Array(10).fill(0));
  });

  it('bitmap layers scale by nearest neighbour and treat any non-zero value as 255', () => {
    const bitmapLayer = { id: id(), name: 'imported', kind: 'bitmap', source: { kind: 'png', path: '/m.png', frameCount: 1, width: 4, height: 2 } };
    const data = Uint8Array.from([1, 0, 0, 7, 0, 200, 0, 0]);
    const bitmaps = () => ({ data, width: 4, height: 2 });
    const up = rasterizeMask(doc([bitmapLayer], { width: 8, height: 4 }), 0, { width: 8, height: 4, bitmaps });
    expect(picture(up, 8)).toEqual(['##....##', '##....##', '..##....', '..##....']);
    const down = rasterizeMask(doc([bitmapLayer], { width: 8, height: 4 }), 0, { width: 2, height: 1, bitmaps });
    expect(Array.from(down)).toEqual([255, 0]); // samples source (1, 1) = 200 and (3, 1) = 0
    expect(pixelsSet(rasterizeMask(doc([bitmapLayer]), 0, size10))).toBe(0); // no provider: nothing
  });

  it('keyed shapes are evaluated at the frame', () => {
    const moving = {
      id: id(),
      kind: 'polygon',
      keys: [
        { frame: 0, vertices: [{ x: 0, y: 3 }, { x: 4, y: 3 }, { x: 4, y: 7 }, { x: 0, y: 7 }] },
        { frame: 10, vertices: [{ x: 6, y: 3 }, { x: 10, y: 3 }, { x: 10, y: 7 }, { x: 6, y: 7 }] },
      ],
    };
    const d = doc([shapeLayer([moving], { activeRange: { in: 0, out: 99 } })]);
    expect(picture(rasterizeMask(d, 5, size10), 10)[4]).toBe('...####...');
    // Past its last key (within the layer's active range) the shape holds that key.
    expect(picture(rasterizeMask(d, 20, size10), 10)[4]).toBe('......####');
  });

  describe('active range', () => {
    const square = (frame: number) => poly([[2, 2], [6, 2], [6, 6], [2, 6]], { frame });
    const keyed = () => ({
      id: id(),
      kind: 'polygon',
      keys: [
        { frame: 36, vertices: [{ x: 2, y: 2 }, { x: 6, y: 2 }, { x: 6, y: 6 }, { x: 2, y: 6 }] },
        { frame: 68, vertices: [{ x: 3, y: 2 }, { x: 7, y: 2 }, { x: 7, y: 6 }, { x: 3, y: 6 }] },
      ],
    });

    it('a shape layer masks only from its first key to its last by default', () => {
      const d = doc([shapeLayer([keyed()])]);
      expect([0, 35, 36, 50, 68, 69, 99].map((f) => pixelsSet(rasterizeMask(d, f, size10)))).toEqual([0, 0, 16, 16, 16, 0, 0]);
    });

    it('an explicit range replaces the keys’ range, holding the first and last key outside them', () => {
      const d = doc([shapeLayer([keyed()], { activeRange: { in: 10, out: 80 } })]);
      expect([9, 10, 36, 80, 81].map((f) => pixelsSet(rasterizeMask(d, f, size10)))).toEqual([0, 16, 16, 16, 0]);
      const narrow = doc([shapeLayer([keyed()], { activeRange: { in: 40, out: 50 } })]);
      expect([39, 40, 50, 51, 68].map((f) => pixelsSet(rasterizeMask(narrow, f, size10)))).toEqual([0, 16, 16, 0, 0]);
    });

    it('outside its range an inverted layer masks nothing and a subtract layer subtracts nothing', () => {
      const inverted = doc([shapeLayer([square(20)], { invert: true })]);
      expect(pixelsSet(rasterizeMask(inverted, 20, size10))).toBe(100 - 16);
      expect(pixelsSet(rasterizeMask(inverted, 21, size10))).toBe(0);
      const base = shapeLayer([rect(0, 0, 10, 10)], { activeRange: { in: 0, out: 99 } });
      const cut = doc([base, shapeLayer([square(20)], { mode: 'subtract' })]);
      expect(pixelsSet(rasterizeMask(cut, 20, size10))).toBe(100 - 16);
      expect(pixelsSet(rasterizeMask(cut, 21, size10))).toBe(100);
    });

    it('a brush layer’s default range is its strokes’ frames; an explicit range cuts a held stroke short', () => {
      const strokes = [{ id: id(), frame: 10, hold: 'out', mode: 'paint', radius: 2, points: [5, 5] }];
      expect([9, 10, 50, 99].map((f) => pixelsSet(rasterizeMask(doc([brushLayer(strokes)], undefined, 99), f, size10)) > 0)).toEqual([false, true, true, true]);
      const cut = doc([brushLayer(strokes, { activeRange: { in: 0, out: 40 } })], undefined, 99);
      expect([10, 40, 41].map((f) => pixelsSet(rasterizeMask(cut, f, size10)) > 0)).toEqual([true, true, false]);
    });

    it('a layer with no keys at all is active nowhere', () => {
      expect(layerActiveRange(LayerSchema.parse(shapeLayer([])) as Layer, 9)).toBeNull();
      expect(layerActiveRange(LayerSchema.parse(brushLayer([], { invert: true })) as Layer, 9)).toBeNull();
      expect(pixelsSet(rasterizeMask(doc([brushLayer([], { invert: true })]), 0, size10))).toBe(0);
    });
  });

  it('rasterizeLayer returns one layer with its own options applied, whatever its mode', () => {
    const layer = LayerSchema.parse(shapeLayer([rect(3, 3, 7, 7)], { mode: 'subtract', invert: true })) as Layer;
    const alpha = rasterizeLayer(layer, 0, { ...size10, source: { width: 10, height: 10 }, range: { out: 9 } });
    expect(pixelsSet(alpha)).toBe(84);
  });

  it('refuses a non-integer output size', () => {
    expect(() => rasterizeMask(doc([]), 0, { width: 10.5, height: 4 })).toThrow(/positive integers/);
  });
});
