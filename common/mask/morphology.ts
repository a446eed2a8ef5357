/**
 * Binary morphology on single-channel masks (one byte per pixel, row-major), all exact:
 * - `dilateCross`: the engines' hole dilation, identical to scipy.ndimage.binary_dilation with its
 *   default 3x3 cross repeated N times (what ProPainter's --mask_dilation does), in O(pixels) via an
 *   L1 distance transform;
 * - `dilateDisk` / `erodeDisk`: the rasterizer's per-layer grow and shrink by a Euclidean disk, as
 *   native fills of each horizontal run widened per row offset (cost ~ runs x radius, memset speed);
 * - `featherOutward`: the rasterizer's soft edge, from a Euclidean distance transform that is exact up
 *   to the feather width (squaredDistanceWithin).
 * Nothing outside the bounding box of the inside pixels, grown by the radius, is touched.
 * Distances are measured between pixel centres. A pixel is "inside" when its value is >= 128 (for the
 * 0/255 masks the rasterizer makes, any non-zero pixel). The optional `within` box, when a caller
 * knows one, must contain every inside pixel (null: there are none); it saves a scan of the whole mask.
 */

/** Pixel rectangle [x0, x1) x [y0, y1). */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const INSIDE = 128;

/**
 * scipy.ndimage.binary_dilation(mask != 0, iterations=N) with the default structure (the 3x3 cross,
 * border value 0): pixel p is set when some non-zero input pixel lies within city-block (L1) distance N
 * of it. Computed as an exact two-pass L1 distance transform instead of N passes. N <= 0 returns the
 * binarized input (unlike scipy, where N < 1 means "repeat until nothing changes"). Output is 0/1.
 */
export function dilateCross(mask: Uint8Array, width: number, height: number, iterations: number): Uint8Array {
  checkSize(mask, width, height);
  const out = new Uint8Array(width * height);
  if (iterations <= 0) {
    for (let i = 0; i < out.length; i++) out[i] = mask[i] !== 0 ? 1 : 0;
    return out;
  }
  // Only the non-zero pixels' bounding box grown by N can change; an L1 path between two pixels stays
  // in their bounding box, so distances computed inside this region are exact.
  const seeds = nonZeroBox(mask, width, height);
  if (!seeds) return out;
  const box = growBox(seeds, iterations, width, height);
  const bw = box.x1 - box.x0;
  const far = bw + box.y1 - box.y0 + iterations + 1;
  const dist = new Int32Array(bw * (box.y1 - box.y0));
  // Forward pass (from the top-left), then backward (from the bottom-right): exact for L1.
  for (let y = box.y0, j = 0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++, j++) {
      let d = mask[y * width + x] !== 0 ? 0 : far;
      if (d !== 0) {
        if (x > box.x0 && dist[j - 1]! + 1 < d) d = dist[j - 1]! + 1;
        if (y > box.y0 && dist[j - bw]! + 1 < d) d = dist[j - bw]! + 1;
      }
      dist[j] = d;
    }
  }
  for (let y = box.y1 - 1, j = dist.length - 1; y >= box.y0; y--) {
    for (let x = box.x1 - 1; x >= box.x0; x--, j--) {
      let d = dist[j]!;
      if (x < box.x1 - 1 && dist[j + 1]! + 1 < d) d = dist[j + 1]! + 1;
      if (y < box.y1 - 1 && dist[j + bw]! + 1 < d) d = dist[j + bw]! + 1;
      dist[j] = d;
      if (d <= iterations) out[y * width + x] = 1;
    }
  }
  return out;
}

function nonZeroBox(mask: Uint8Array, width: number, height: number): Box | null {
  let x0 = width;
  let y0 = -1;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = row;
    const end = row + width;
    while (first < end && mask[first] === 0) first++;
    if (first === end) continue;
    let last = end - 1;
    while (mask[last] === 0) last--;
    x0 = Math.min(x0, first - row);
    x1 = Math.max(x1, last - row + 1);
    if (y0 < 0) y0 = y;
    y1 = y + 1;
  }
  return y0 < 0 ? null : { x0, y0, x1, y1 };
}

/** Bounding box of the inside pixels (value >= 128), or null when there are none. */
export function insideBox(mask: Uint8Array, width: number, height: number): Box | null {
  let x0 = width;
  let y0 = height;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    for (let x = 0; x < width; x++) {
      if (mask[row + x]! >= INSIDE) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    let last = width - 1;
    while (mask[row + last]! < INSIDE) last--;
    if (first < x0) x0 = first;
    if (last + 1 > x1) x1 = last + 1;
    if (y < y0) y0 = y;
    y1 = y + 1;
  }
  return x1 > x0 ? { x0, y0, x1, y1 } : null;
}

export function growBox(box: Box, by: number, width: number, height: number): Box {
  return { x0: Math.max(0, box.x0 - by), y0: Math.max(0, box.y0 - by), x1: Math.min(width, box.x1 + by), y1: Math.min(height, box.y1 + by) };
}

/**
 * Squared Euclidean distance from every pixel of `box` to the nearest pixel of `box` whose membership
 * (value >= 128) equals `toInside`, exact up to `reach`; any value > reach^2 means "farther than reach".
 * Row pass: distance along the row to the nearest seed (capped). Column step: the minimum over rows
 * dy away of dy^2 + row distance^2, stopping once dy^2 alone exceeds the best so far, and skipped
 * where no row within reach has a seed within reach; so pixels on, near or far from seeds cost
 * little and none costs more than 2 * reach. Memory is read row by row.
 */
export function squaredDistanceWithin(mask: Uint8Array, width: number, box: Box, toInside: boolean, reach: number): Int32Array {
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const reachRows = Math.floor(reach);
  const cap = reachRows + 1;
  const rowDist = new Int32Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    const src = (box.y0 + y) * width + box.x0;
    const row = y * bw;
    let seed = -cap;
    for (let x = 0; x < bw; x++) {
      if (mask[src + x]! >= INSIDE === toInside) seed = x;
      rowDist[row + x] = Math.min(cap, x - seed);
    }
    seed = bw + cap;
    for (let x = bw - 1; x >= 0; x--) {
      if (rowDist[row + x] === 0) seed = x;
      else if (seed - x < rowDist[row + x]!) rowDist[row + x] = seed - x;
    }
  }
  // Vertical distance to the nearest row whose row distance is within reach, same column: where it
  // is beyond reach, so is the pixel, and the column step can skip it.
  const d2 = new Int32Array(bw * bh);
  const nearRow = new Int32Array(bw).fill(-cap);
  for (let y = 0; y < bh; y++) {
    for (let x = 0, j = y * bw; x < bw; x++, j++) {
      if (rowDist[j]! <= reachRows) nearRow[x] = y;
      d2[j] = y - nearRow[x]!;
    }
  }
  nearRow.fill(bh + cap);
  const far = cap * cap + 1;
  for (let y = bh - 1; y >= 0; y--) {
    for (let x = 0, j = y * bw; x < bw; x++, j++) {
      if (rowDist[j]! <= reachRows) nearRow[x] = y;
      if (d2[j]! > reachRows && nearRow[x]! - y > reachRows) {
        d2[j] = far;
        continue;
      }
      let best = rowDist[j]! * rowDist[j]!;
      for (let dy = 1; dy <= reachRows && dy * dy < best; dy++) {
        if (y >= dy) {
          const h = rowDist[j - dy * bw]!;
          if (dy * dy + h * h < best) best = dy * dy + h * h;
        }
        if (y + dy < bh) {
          const h = rowDist[j + dy * bw]!;
          if (dy * dy + h * h < best) best = dy * dy + h * h;
        }
      }
      d2[j] = best;
    }
  }
  return d2;
}

/**
 * Grows the inside region by `radius` pixels: a pixel becomes 255 when an inside pixel lies within
 * Euclidean distance <= radius of it (radius 1 = the 4-neighbour cross, 1.5 = the 3x3 square).
 * Returns a new 0/255 mask.
 */
export function dilateDisk(mask: Uint8Array, width: number, height: number, radius: number, within?: Box | null): Uint8Array {
  checkSize(mask, width, height);
  const inside = within === undefined ? insideBox(mask, width, height) : within;
  const out = binarize(mask, width, inside);
  if (!inside || radius <= 0) return out;
  stampDisks(out, width, runsOf(mask, width, inside, true), radius, { x0: 0, y0: 0, x1: width, y1: height }, 255);
  return out;
}

/**
 * Shrinks the inside region by `radius` pixels: a pixel stays 255 only when no outside pixel lies within
 * Euclidean distance <= radius of it. The frame border does not erode (a mask touching the edge stays
 * at the edge), as a mask that covers an object leaving the frame should.
 */
export function erodeDisk(mask: Uint8Array, width: number, height: number, radius: number, within?: Box | null): Uint8Array {
  checkSize(mask, width, height);
  const inside = within === undefined ? insideBox(mask, width, height) : within;
  const out = binarize(mask, width, inside);
  if (!inside || radius <= 0) return out;
  // One ring of outside pixels around the inside box is enough: any farther outside pixel is at least
  // as far from every inside pixel as its projection onto that ring.
  stampDisks(out, width, runsOf(mask, width, growBox(inside, 1, width, height), false), radius, inside, 0);
  return out;
}

/** Horizontal runs [start, end) of pixels with the given membership, per row of `box`, in image x. */
interface Runs {
  y0: number;
  /** Runs of row y0 + r are start/end[first[r] .. first[r + 1]). */
  first: Int32Array;
  start: Int32Array;
  end: Int32Array;
}

function runsOf(mask: Uint8Array, width: number, box: Box, inside: boolean): Runs {
  const rows = box.y1 - box.y0;
  const first = new Int32Array(rows + 1);
  const start: number[] = [];
  const end: number[] = [];
  for (let r = 0; r < rows; r++) {
    first[r] = start.length;
    const row = (box.y0 + r) * width;
    let x = box.x0;
    while (x < box.x1) {
      while (x < box.x1 && mask[row + x]! >= INSIDE !== inside) x++;
      if (x === box.x1) break;
      const a = x;
      while (x < box.x1 && mask[row + x]! >= INSIDE === inside) x++;
      start.push(a);
      end.push(x);
    }
  }
  first[rows] = start.length;
  return { y0: box.y0, first, start: Int32Array.from(start), end: Int32Array.from(end) };
}

/**
 * Writes `value` at every pixel of `clip` within distance <= radius of a run pixel: row dy away from a
 * run [a, b), that is [a - w, b + w) with w = floor(sqrt(radius^2 - dy^2)), exact for integer offsets.
 * Native fills, one per run and row offset.
 */
function stampDisks(out: Uint8Array, width: number, runs: Runs, radius: number, clip: Box, value: number): void {
  const reach = Math.floor(radius);
  const halfWidths = Int32Array.from({ length: reach + 1 }, (_, dy) => Math.floor(Math.sqrt(radius * radius - dy * dy) + 1e-9));
  const rows = runs.first.length - 1;
  for (let r = 0; r < rows; r++) {
    const from = runs.first[r]!;
    const to = runs.first[r + 1]!;
    if (from === to) continue;
    const sy = runs.y0 + r;
    for (let y = Math.max(clip.y0, sy - reach); y < Math.min(clip.y1, sy + reach + 1); y++) {
      const w = halfWidths[Math.abs(y - sy)]!;
      const row = y * width;
      for (let k = from; k < to; k++) {
        const a = Math.max(clip.x0, runs.start[k]! - w);
        const b = Math.min(clip.x1, runs.end[k]! + w);
        if (a < b) out.fill(value, row + a, row + b);
      }
    }
  }
}

/**
 * Soft edge of width `feather` pixels *outside* the inside region: inside pixels keep their value and
 * outside pixels get max(value, 255 * falloff((d - 0.5) / feather)), d being the distance to the nearest
 * inside pixel centre (d - 0.5 approximates the distance to the region's edge) and falloff a smoothstep
 * from 1 to 0, Gaussian-like at both ends. Outward rather than centred on the edge: a feathered
 * removal mask must never let the object's own edge pixels show through the fill.
 * Non-increasing with distance from the region. Modifies and returns `mask`.
 */
export function featherOutward(mask: Uint8Array, width: number, height: number, feather: number, within?: Box | null): Uint8Array {
  checkSize(mask, width, height);
  const inside = within === undefined ? insideBox(mask, width, height) : within;
  if (!inside || feather <= 0) return mask;
  const box = growBox(inside, Math.ceil(feather + 0.5), width, height);
  const d2 = squaredDistanceWithin(mask, width, box, true, feather + 0.5);
  const reach2 = (feather + 0.5) * (feather + 0.5);
  for (let y = box.y0, j = 0; y < box.y1; y++) {
    for (let x = box.x0, i = y * width + box.x0; x < box.x1; x++, i++, j++) {
      if (d2[j]! >= reach2) continue;
      const t = (Math.sqrt(d2[j]!) - 0.5) / feather;
      const s = t <= 0 ? 1 : 1 - t;
      const a = Math.round(255 * s * s * (3 - 2 * s));
      if (a > mask[i]!) mask[i] = a;
    }
  }
  return mask;
}

function binarize(mask: Uint8Array, width: number, box: Box | null): Uint8Array {
  const out = new Uint8Array(mask.length);
  if (!box) return out;
  for (let y = box.y0; y < box.y1; y++) {
    for (let i = y * width + box.x0, end = y * width + box.x1; i < end; i++) out[i] = mask[i]! >= INSIDE ? 255 : 0;
  }
  return out;
}

function checkSize(mask: Uint8Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || mask.length !== width * height)
    throw new RangeError(`mask of ${mask.length} bytes is not ${width}x${height} (one byte per pixel)`);
}
