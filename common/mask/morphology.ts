/**
 * Binary morphology on single-channel masks (one byte per pixel, row-major), all O(pixels) whatever
 * the radius:
 * - `dilateCross`: the engines' hole dilation, identical to scipy.ndimage.binary_dilation with its
 *   default 3x3 cross repeated N times (what ProPainter's --mask_dilation does);
 * - `dilateDisk` / `erodeDisk` / `featherOutward`: the rasterizer's per-layer grow, shrink and soft
 *   edge, built on an exact Euclidean distance transform (Felzenszwalb & Huttenlocher, "Distance
 *   Transforms of Sampled Functions", 2012).
 * Distances are measured between pixel centres. A pixel is "inside" when its value is >= 128 (for the
 * 0/255 masks the rasterizer makes, any non-zero pixel).
 */

/** Pixel rectangle [x0, x1) x [y0, y1). */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const INSIDE = 128;
/** "No seed here" for squared distances; finite so that the envelope arithmetic never sees Inf - Inf. */
const FAR = 1e20;

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
  const far = width + height + iterations + 1;
  const dist = new Int32Array(width * height);
  // Forward pass (from the top-left), then backward (from the bottom-right): exact for L1.
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      let d = mask[i] !== 0 ? 0 : far;
      if (d !== 0) {
        if (x > 0 && dist[i - 1]! + 1 < d) d = dist[i - 1]! + 1;
        if (y > 0 && dist[i - width]! + 1 < d) d = dist[i - width]! + 1;
      }
      dist[i] = d;
    }
  }
  for (let y = height - 1, i = width * height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--, i--) {
      let d = dist[i]!;
      if (x < width - 1 && dist[i + 1]! + 1 < d) d = dist[i + 1]! + 1;
      if (y < height - 1 && dist[i + width]! + 1 < d) d = dist[i + width]! + 1;
      dist[i] = d;
      out[i] = d <= iterations ? 1 : 0;
    }
  }
  return out;
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
 * (value >= 128) equals `toInside`; FAR-ish (>= 1e19) where the box holds no such pixel.
 * Column pass: distance to the nearest seed in the same column (two sweeps). Row pass: the lower
 * envelope of parabolas, which makes the result exact.
 */
export function squaredDistance(mask: Uint8Array, width: number, box: Box, toInside: boolean): Float32Array {
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const d2 = new Float32Array(bw * bh);
  const colDist = new Float64Array(bh);
  for (let x = 0; x < bw; x++) {
    let last = -Infinity;
    for (let y = 0; y < bh; y++) {
      if (mask[(box.y0 + y) * width + box.x0 + x]! >= INSIDE === toInside) last = y;
      colDist[y] = y - last;
    }
    last = Infinity;
    for (let y = bh - 1; y >= 0; y--) {
      if (colDist[y] === 0) last = y;
      const d = Math.min(colDist[y]!, last - y);
      d2[y * bw + x] = d === Infinity ? FAR : d * d;
    }
  }
  const f = new Float64Array(bw);
  const v = new Int32Array(bw);
  const z = new Float64Array(bw + 1);
  for (let y = 0; y < bh; y++) {
    const row = y * bw;
    for (let x = 0; x < bw; x++) f[x] = d2[row + x]!;
    lowerEnvelope(f, bw, v, z);
    for (let q = 0, k = 0; q < bw; q++) {
      while (z[k + 1]! < q) k++;
      const dq = q - v[k]!;
      d2[row + q] = dq * dq + f[v[k]!]!;
    }
  }
  return d2;
}

/** Lower envelope of the parabolas (q - p)^2 + f[p] (Felzenszwalb & Huttenlocher, algorithm 1). */
function lowerEnvelope(f: Float64Array, n: number, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    // f[q] - f[p] first: equal FAR values cancel exactly instead of swallowing q^2 - p^2.
    let s = (f[q]! - f[v[k]!]! + q * q - v[k]! * v[k]!) / (2 * (q - v[k]!));
    while (s <= z[k]!) {
      k--;
      s = (f[q]! - f[v[k]!]! + q * q - v[k]! * v[k]!) / (2 * (q - v[k]!));
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
}

/**
 * Grows the inside region by `radius` pixels: a pixel becomes 255 when an inside pixel lies within
 * Euclidean distance <= radius of it (radius 1 = the 4-neighbour cross, 1.5 = the 3x3 square).
 * Returns a new 0/255 mask.
 */
export function dilateDisk(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  checkSize(mask, width, height);
  const out = binarize(mask);
  const inside = insideBox(mask, width, height);
  if (!inside || radius <= 0) return out;
  const box = growBox(inside, Math.floor(radius), width, height);
  const d2 = squaredDistance(mask, width, box, true);
  const r2 = radius * radius;
  for (let y = box.y0, j = 0; y < box.y1; y++) {
    for (let x = box.x0, i = y * width + box.x0; x < box.x1; x++, i++, j++) if (d2[j]! <= r2) out[i] = 255;
  }
  return out;
}

/**
 * Shrinks the inside region by `radius` pixels: a pixel stays 255 only when no outside pixel lies within
 * Euclidean distance <= radius of it. The frame border does not erode (a mask touching the edge stays
 * at the edge), as a mask that covers an object leaving the frame should.
 */
export function erodeDisk(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  checkSize(mask, width, height);
  const out = binarize(mask);
  const inside = insideBox(mask, width, height);
  if (!inside || radius <= 0) return out;
  // One ring of outside pixels around the inside box is enough: any farther outside pixel is at least
  // as far from every inside pixel as its projection onto that ring.
  const box = growBox(inside, 1, width, height);
  const d2 = squaredDistance(mask, width, box, false);
  const r2 = radius * radius;
  for (let y = box.y0, j = 0; y < box.y1; y++) {
    for (let x = box.x0, i = y * width + box.x0; x < box.x1; x++, i++, j++) if (d2[j]! <= r2) out[i] = 0;
  }
  return out;
}

/**
 * Soft edge of width `feather` pixels *outside* the inside region: inside pixels keep their value and
 * outside pixels get max(value, 255 * falloff((d - 0.5) / feather)), d being the distance to the nearest
 * inside pixel centre (d - 0.5 approximates the distance to the region's edge) and falloff a smoothstep
 * from 1 to 0, Gaussian-like at both ends. Outward rather than centred on the edge: a feathered
 * removal mask must never let the object's own edge pixels show through the fill.
 * Non-increasing with distance from the region. Modifies and returns `mask`.
 */
export function featherOutward(mask: Uint8Array, width: number, height: number, feather: number): Uint8Array {
  checkSize(mask, width, height);
  const inside = insideBox(mask, width, height);
  if (!inside || feather <= 0) return mask;
  const box = growBox(inside, Math.ceil(feather + 0.5), width, height);
  const d2 = squaredDistance(mask, width, box, true);
  for (let y = box.y0, j = 0; y < box.y1; y++) {
    for (let x = box.x0, i = y * width + box.x0; x < box.x1; x++, i++, j++) {
      const t = (Math.sqrt(d2[j]!) - 0.5) / feather;
      if (t >= 1) continue;
      const s = t <= 0 ? 1 : 1 - t;
      const a = Math.round(255 * s * s * (3 - 2 * s));
      if (a > mask[i]!) mask[i] = a;
    }
  }
  return mask;
}

function binarize(mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i]! >= INSIDE ? 255 : 0;
  return out;
}

function checkSize(mask: Uint8Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || mask.length !== width * height)
    throw new RangeError(`mask of ${mask.length} bytes is not ${width}x${height} (one byte per pixel)`);
}
