/**
 * THE rasterizer: project mask layers + frame index + output size -> alpha mask (one byte per pixel,
 * row-major, 0..255, 255 = remove). The viewer's overlay and the engines' input both call it, so what
 * the user sees is what gets removed.
 *
 * Definitions (every test in test/unit/raster*.test.ts relies on them):
 * - Coordinates: geometry is in source pixels of the displayed frame and is scaled by
 *   sx = width / source.width, sy = height / source.height. Lengths (brush radius, dilation, feather,
 *   the open-path line) scale by sqrt(sx * sy); outputs keep the source's aspect ratio up to rounding.
 * - Sampling: pixel (x, y) is inside a shape when its centre (x + 0.5, y + 0.5) is. A centre exactly on
 *   a filled edge counts on left and top edges and not on right and bottom ones, so adjacent shapes
 *   neither overlap nor leave gaps (a 4x4 square covers exactly 16 pixels).
 * - Fill rule: non-zero winding; a self-intersecting shape is filled wherever the outline winds around
 *   (a loop drawn twice over stays filled, unlike even-odd).
 * - Curves: bezier segments are flattened adaptively to within 0.05 output pixels (Wang's formula).
 * - Open shapes are stroked, not filled: a line of radius 0.5 source pixels (never thinner than 0.5
 *   output pixels, so it stays connected), to be thickened with the layer's dilation (e.g. wires).
 * - Brush strokes are capsules along their polyline (a single point is a dot) of radius r: alpha 255 up
 *   to hardness * r from the line, falling linearly to 0 at r. Strokes apply in list order: 'paint'
 *   raises the layer (max), 'erase' lowers it (min with 255 - stroke). A stroke applies on frames
 *   frame ... frame + hold - 1, or frame ... max(frame, range.out) with hold 'out'.
 * - Layer dilation (source pixels, scaled): shape and bitmap layers grow/shrink by a Euclidean disk
 *   (morphology.ts). Brush layers grow by widening each stroke instead (paint radius + d, erase radius
 *   - d), which equals a true dilation for painted strokes and keeps soft brush edges soft.
 * - Feather (source pixels, scaled): a soft edge outside the layer's half-alpha contour
 *   (morphology.ts featherOutward); the inside keeps full strength.
 * - Invert flips the layer after dilation and feather.
 * - Layers combine in list order starting from an empty mask: 'add' takes the max, 'subtract' the min
 *   with 255 - layer; hidden layers are skipped. So a subtract layer removes from the layers before it.
 * - Bitmap layers read their frame from `opts.bitmaps` (one byte per pixel at the bitmap's own size),
 *   scaled by nearest neighbour; any non-zero pixel is 255. No provider or no frame = nothing.
 * - Outside its active range (project/active-range.ts: by default its first to its last key) a layer
 *   is 0 everywhere, inverted or not: it adds nothing and subtracts nothing.
 */
import { layerActiveAt } from '../project/active-range';
import type { BitmapLayer, BrushLayer, Layer, ProjectDoc, ShapeLayer } from '../project/schema';
import { evaluateShape } from '../keys/evaluate';
import { flattenPath } from './bezier';
import { dilateDisk, erodeDisk, featherOutward, growBox } from './morphology';
import type { Box } from './morphology';

export interface BitmapFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface RasterOptions {
  width: number;
  height: number;
  /** Supplies a bitmap layer's mask at a source frame (the provider maps frames to its own files). */
  bitmaps?: (layer: BitmapLayer, frame: number) => BitmapFrame | null;
}

export interface LayerRasterOptions extends RasterOptions {
  /** Size the geometry is stored at: the project's source size. */
  source: { width: number; height: number };
  /** The out point, for brush strokes held 'out'. */
  range: { out: number };
}

/** Flattening tolerance for curves, in output pixels. */
const CURVE_TOLERANCE = 0.05;
/** Open paths are stroked at this radius in source pixels (see the header). */
const OPEN_PATH_RADIUS = 0.5;

/** The combined removal mask of all visible layers at `frame`, `opts.width` x `opts.height`. */
export function rasterizeMask(doc: Pick<ProjectDoc, 'layers' | 'source' | 'range'>, frame: number, opts: RasterOptions): Uint8Array {
  checkOutputSize(opts);
  const { width } = opts;
  const layerOpts: LayerRasterOptions = { ...opts, source: doc.source, range: doc.range };
  let out: Uint8Array | null = null;
  for (const layer of doc.layers) {
    if (!layer.visible) continue;
    if (layer.mode === 'subtract' && !out) continue; // nothing to subtract from yet
    const { alpha, box } = layerCoverage(layer, frame, layerOpts);
    if (!box) continue; // outside its box a layer is 0: adds nothing, subtracts nothing
    if (!out) {
      out = alpha; // the first add layer is the mask so far
      continue;
    }
    for (let y = box.y0; y < box.y1; y++) {
      const end = y * width + box.x1;
      if (layer.mode === 'add') {
        for (let i = y * width + box.x0; i < end; i++) if (alpha[i]! > out[i]!) out[i] = alpha[i]!;
      } else {
        for (let i = y * width + box.x0; i < end; i++) if (255 - alpha[i]! < out[i]!) out[i] = 255 - alpha[i]!;
      }
    }
  }
  return out ?? new Uint8Array(opts.width * opts.height);
}

/**
 * One layer's own alpha at `frame` (its dilation, feather and invert applied; its mode and visibility
 * are the caller's business). The viewer can draw layers in their colours with it.
 */
export function rasterizeLayer(layer: Layer, frame: number, opts: LayerRasterOptions): Uint8Array {
  checkOutputSize(opts);
  return layerCoverage(layer, frame, opts).alpha;
}

/** A layer's alpha and a box outside which it is 0 (null: 0 everywhere). */
function layerCoverage(layer: Layer, frame: number, opts: LayerRasterOptions): { alpha: Uint8Array; box: Box | null } {
  const { width, height } = opts;
  const sx = width / opts.source.width;
  const sy = height / opts.source.height;
  const scale = Math.sqrt(sx * sy);
  const dilation = layer.dilation * scale;
  const alpha = new Uint8Array(width * height);
  if (!layerActiveAt(layer, frame, opts.range.out)) return { alpha, box: null };
  const dirty = new Dirty();
  let result: Uint8Array = alpha;
  if (layer.kind === 'brush') brushAlpha(alpha, dirty, layer, frame, opts.range.out, width, height, sx, sy, scale, dilation);
  else {
    if (layer.kind === 'shape') shapeAlpha(alpha, dirty, layer, frame, width, height, sx, sy, scale);
    else bitmapAlpha(alpha, dirty, layer, frame, opts);
    if (dilation > 0) {
      result = dilateDisk(alpha, width, height, dilation, dirty.box());
      dirty.grow(Math.floor(dilation));
    } else if (dilation < 0) result = erodeDisk(alpha, width, height, -dilation, dirty.box());
  }
  let box = dirty.box(width, height);
  if (layer.feather > 0 && box) {
    const feather = layer.feather * scale;
    featherOutward(result, width, height, feather, box);
    box = growBox(box, Math.ceil(feather + 0.5), width, height);
  }
  if (layer.invert) {
    for (let i = 0; i < result.length; i++) result[i] = 255 - result[i]!;
    box = { x0: 0, y0: 0, x1: width, y1: height };
  }
  return { alpha: result, box };
}

/** Whether a brush stroke drawn at `strokeFrame` with `hold` shows on `frame`. */
export function strokeAppliesAt(stroke: { frame: number; hold: number | 'out' }, frame: number, outPoint: number): boolean {
  const last = stroke.hold === 'out' ? Math.max(stroke.frame, outPoint) : stroke.frame + stroke.hold - 1;
  return frame >= stroke.frame && frame <= last;
}

/** Accumulates the rectangle of pixels a layer wrote. */
class Dirty {
  x0 = Infinity;
  y0 = Infinity;
  x1 = -Infinity;
  y1 = -Infinity;
  /** Pixels x0..x1 (inclusive) of row y were written. */
  add(y: number, x0: number, x1: number): void {
    if (x0 < this.x0) this.x0 = x0;
    if (x1 + 1 > this.x1) this.x1 = x1 + 1;
    if (y < this.y0) this.y0 = y;
    if (y + 1 > this.y1) this.y1 = y + 1;
  }
  grow(by: number): void {
    this.x0 -= by;
    this.y0 -= by;
    this.x1 += by;
    this.y1 += by;
  }
  box(width = Infinity, height = Infinity): Box | null {
    if (this.x1 <= this.x0) return null;
    return { x0: Math.max(0, this.x0), y0: Math.max(0, this.y0), x1: Math.min(width, this.x1), y1: Math.min(height, this.y1) };
  }
}

function brushAlpha(
  alpha: Uint8Array,
  dirty: Dirty,
  layer: BrushLayer,
  frame: number,
  outPoint: number,
  width: number,
  height: number,
  sx: number,
  sy: number,
  scale: number,
  dilation: number,
): void {
  for (const stroke of layer.strokes) {
    if (!strokeAppliesAt(stroke, frame, outPoint)) continue;
    const grow = stroke.mode === 'paint' ? dilation : -dilation;
    const outer = stroke.radius * scale + grow;
    if (outer <= 0) continue;
    const inner = Math.max(0, stroke.radius * stroke.hardness * scale + grow);
    const pts = new Float64Array(stroke.points.length);
    for (let i = 0; i < pts.length; i += 2) {
      pts[i] = stroke.points[i]! * sx;
      pts[i + 1] = stroke.points[i + 1]! * sy;
    }
    stampPolyline(alpha, width, height, pts, inner, outer, stroke.mode === 'erase', dirty);
  }
}

function shapeAlpha(alpha: Uint8Array, dirty: Dirty, layer: ShapeLayer, frame: number, width: number, height: number, sx: number, sy: number, scale: number): void {
  for (const shape of layer.shapes) {
    const vertices = evaluateShape(shape, frame);
    const pts = flattenPath(vertices, shape.closed, shape.kind === 'bezier', sx, sy, CURVE_TOLERANCE);
    if (shape.closed) fillPolygon(alpha, width, height, pts, dirty);
    else {
      const r = Math.max(OPEN_PATH_RADIUS * scale, 0.5);
      stampPolyline(alpha, width, height, pts, r, r, false, dirty);
    }
  }
}

function bitmapAlpha(alpha: Uint8Array, dirty: Dirty, layer: BitmapLayer, frame: number, opts: RasterOptions): void {
  const { width, height } = opts;
  const bitmap = opts.bitmaps?.(layer, frame);
  if (!bitmap) return;
  const { data, width: bw, height: bh } = bitmap;
  if (data.length !== bw * bh) throw new RangeError(`bitmap for layer "${layer.name}" has ${data.length} bytes, expected ${bw}x${bh} (one byte per pixel)`);
  const columns = new Int32Array(width);
  for (let x = 0; x < width; x++) columns[x] = Math.min(bw - 1, Math.floor(((x + 0.5) * bw) / width));
  for (let y = 0; y < height; y++) {
    const src = Math.min(bh - 1, Math.floor(((y + 0.5) * bh) / height)) * bw;
    const row = y * width;
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x++) {
      if (data[src + columns[x]!] === 0) continue;
      alpha[row + x] = 255;
      if (first < 0) first = x;
      last = x;
    }
    if (first >= 0) dirty.add(y, first, last);
  }
}

/**
 * Fills a closed polyline (flat x, y array in output pixels) with the non-zero rule, sampling pixel
 * centres; sets covered pixels to 255. Scanline with edges bucketed by their first row.
 */
export function fillPolygon(alpha: Uint8Array, width: number, height: number, pts: Float64Array, dirty?: Dirty): void {
  const n = pts.length / 2;
  if (n < 3) return;
  // Edge e: rows [rowStart, rowEnd), x at the first row's centre, dx per row, winding direction.
  const rowStart = new Int32Array(n);
  const rowEnd = new Int32Array(n);
  const xAt = new Float64Array(n);
  const slope = new Float64Array(n);
  const dir = new Int8Array(n);
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    let x0 = pts[2 * i]!;
    let y0 = pts[2 * i + 1]!;
    let x1 = pts[2 * j]!;
    let y1 = pts[2 * j + 1]!;
    if (y0 === y1) continue;
    let d = 1;
    if (y0 > y1) {
      [x0, y0, x1, y1] = [x1, y1, x0, y0];
      d = -1;
    }
    // Rows whose centre c = y + 0.5 satisfies y0 <= c < y1 (half-open: a shared vertex counts once).
    const first = Math.max(0, Math.ceil(y0 - 0.5));
    const end = Math.min(height, Math.ceil(y1 - 0.5));
    if (first >= end) continue;
    const m = (x1 - x0) / (y1 - y0);
    rowStart[edges] = first;
    rowEnd[edges] = end;
    xAt[edges] = x0 + (first + 0.5 - y0) * m;
    slope[edges] = m;
    dir[edges] = d;
    edges++;
  }
  if (edges === 0) return;
  const order = Array.from({ length: edges }, (_, i) => i).sort((a, b) => rowStart[a]! - rowStart[b]!);
  let next = 0;
  let active: number[] = [];
  const crossX = new Float64Array(edges);
  const crossD = new Int8Array(edges);
  const byX: number[] = [];
  for (let y = rowStart[order[0]!]!; y < height; y++) {
    while (next < order.length && rowStart[order[next]!]! === y) active.push(order[next++]!);
    active = active.filter((e) => rowEnd[e]! > y);
    if (active.length === 0) {
      if (next >= order.length) break;
      y = rowStart[order[next]!]! - 1; // skip the empty rows up to the next edge
      continue;
    }
    byX.length = active.length;
    for (let k = 0; k < active.length; k++) {
      const e = active[k]!;
      crossX[k] = xAt[e]! + (y - rowStart[e]!) * slope[e]!;
      crossD[k] = dir[e]!;
      byX[k] = k;
    }
    byX.sort((a, b) => crossX[a]! - crossX[b]!);
    let winding = 0;
    const row = y * width;
    for (let k = 0; k < byX.length - 1; k++) {
      winding += crossD[byX[k]!]!;
      if (winding === 0) continue;
      // Pixels whose centre c satisfies xa <= c < xb.
      const from = Math.max(0, Math.ceil(crossX[byX[k]!]! - 0.5));
      const to = Math.min(width, Math.ceil(crossX[byX[k + 1]!]! - 0.5));
      if (from >= to) continue;
      alpha.fill(255, row + from, row + to);
      dirty?.add(y, from, to - 1);
    }
  }
}

/** Scratch for capsuleRowSpan's result: [lo, hi]. */
const span = new Float64Array(2);

/**
 * Stamps capsules along a polyline (flat x, y array in output pixels): alpha 255 within `inner` of the
 * line, linear to 0 at `outer`. Paint takes the max with the layer, erase the min with 255 - alpha; both
 * are order-independent over the stroke's segments, so overlapping segments need no scratch buffer.
 * Per row, the part within `inner` is filled at once; distances are computed only in the soft ring.
 */
export function stampPolyline(
  alpha: Uint8Array,
  width: number,
  height: number,
  pts: Float64Array,
  inner: number,
  outer: number,
  erase: boolean,
  dirty?: Dirty,
): void {
  const n = pts.length / 2;
  if (n === 0) return;
  const hard = inner >= outer;
  const ramp = outer - inner;
  const full = erase ? 0 : 255;
  for (let s = 0; s < Math.max(1, n - 1); s++) {
    const ax = pts[2 * s]!;
    const ay = pts[2 * s + 1]!;
    const bx = n > 1 ? pts[2 * s + 2]! : ax;
    const by = n > 1 ? pts[2 * s + 3]! : ay;
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const y0 = Math.max(0, Math.ceil(Math.min(ay, by) - outer - 0.5));
    const y1 = Math.min(height - 1, Math.floor(Math.max(ay, by) + outer - 0.5));
    for (let y = y0; y <= y1; y++) {
      const cy = y + 0.5;
      if (!capsuleRowSpan(ax, ay, bx, by, outer, cy, s === 0)) continue;
      const x0 = Math.max(0, Math.ceil(span[0]! - 0.5));
      const x1 = Math.min(width - 1, Math.floor(span[1]! - 0.5));
      if (x0 > x1) continue;
      const row = y * width;
      if (!erase) dirty?.add(y, x0, x1);
      // The core, within `inner` of the line: one fill.
      let core0 = x1 + 1;
      let core1 = x1;
      if (hard || (inner > 0 && capsuleRowSpan(ax, ay, bx, by, inner, cy, s === 0))) {
        core0 = hard ? x0 : Math.max(x0, Math.ceil(span[0]! - 0.5));
        core1 = hard ? x1 : Math.min(x1, Math.floor(span[1]! - 0.5));
        if (core0 <= core1) alpha.fill(full, row + core0, row + core1 + 1);
        else core0 = x1 + 1;
      }
      // The soft ring on either side of the core.
      for (let x = x0; x <= x1; x++) {
        if (x === core0) {
          x = core1;
          continue;
        }
        const i = row + x;
        if (alpha[i] === full) continue;
        const cx = x + 0.5;
        let t = len2 === 0 ? 0 : ((cx - ax) * dx + (cy - ay) * dy) / len2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = cx - ax - t * dx;
        const ey = cy - ay - t * dy;
        const d = Math.sqrt(ex * ex + ey * ey);
        const a = d <= inner ? 255 : Math.round((255 * Math.max(0, outer - d)) / ramp);
        if (erase) {
          if (255 - a < alpha[i]!) alpha[i] = 255 - a;
        } else if (a > alpha[i]!) alpha[i] = a;
      }
    }
  }
}

/**
 * The x interval where the horizontal line y = cy meets the capsule of radius r around segment a-b
 * (points within distance <= r), written to `span`; false when they do not meet. The capsule is
 * convex, so this is the hull of its two end discs' and its band's intervals. Without `startCap` the
 * disc at a is left out (still convex): on a polyline the previous segment ends at a, and every point
 * of that disc outside this segment's band is at least as near to the previous segment.
 */
function capsuleRowSpan(ax: number, ay: number, bx: number, by: number, r: number, cy: number, startCap: boolean): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  let h2 = r * r - (cy - ay) * (cy - ay);
  if (startCap && h2 >= 0) {
    const h = Math.sqrt(h2);
    lo = ax - h;
    hi = ax + h;
  }
  h2 = r * r - (cy - by) * (cy - by);
  if (h2 >= 0) {
    const h = Math.sqrt(h2);
    lo = Math.min(lo, bx - h);
    hi = Math.max(hi, bx + h);
  }
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  if (len2 > 0) {
    // The band: 0 <= (p - a).d <= |d|^2 and |(p - a) x d| <= r |d|, each linear in x on this row.
    let blo = -Infinity;
    let bhi = Infinity;
    const along = (cy - ay) * dy;
    if (dx === 0) {
      if (along < 0 || along > len2) blo = Infinity;
    } else {
      const p = ax - along / dx;
      const q = ax + (len2 - along) / dx;
      blo = Math.max(blo, Math.min(p, q));
      bhi = Math.min(bhi, Math.max(p, q));
    }
    const across = dx * (cy - ay);
    const rl = r * Math.sqrt(len2);
    if (dy === 0) {
      if (Math.abs(across) > rl) blo = Infinity;
    } else {
      const p = ax + (across - rl) / dy;
      const q = ax + (across + rl) / dy;
      blo = Math.max(blo, Math.min(p, q));
      bhi = Math.min(bhi, Math.max(p, q));
    }
    if (blo <= bhi) {
      lo = Math.min(lo, blo);
      hi = Math.max(hi, bhi);
    }
  }
  span[0] = lo;
  span[1] = hi;
  return lo <= hi;
}

function checkOutputSize(opts: RasterOptions): void {
  if (!Number.isInteger(opts.width) || !Number.isInteger(opts.height) || opts.width <= 0 || opts.height <= 0)
    throw new RangeError(`raster size must be positive integers, got ${opts.width}x${opts.height}`);
}
