/**
 * Sampling a planar image at a sub-pixel position the way PyTorch's grid_sample does with
 * align_corners=True and padding_mode='zeros' (what ProPainter's flow_warp uses): the position is in
 * pixel units, and every neighbour outside the image contributes zero.
 */

/** Bilinear value of `plane` (width*height values, row-major) at (x, y); outside neighbours count as 0. */
export function bilinearZero(plane: ArrayLike<number>, width: number, height: number, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const ax = x - x0;
  const ay = y - y0;
  const inX0 = x0 >= 0 && x0 < width;
  const inX1 = x0 + 1 >= 0 && x0 + 1 < width;
  let v = 0;
  if (y0 >= 0 && y0 < height) {
    const row = y0 * width;
    if (inX0) v += (1 - ax) * (1 - ay) * plane[row + x0]!;
    if (inX1) v += ax * (1 - ay) * plane[row + x0 + 1]!;
  }
  if (y0 + 1 >= 0 && y0 + 1 < height) {
    const row = (y0 + 1) * width;
    if (inX0) v += (1 - ax) * ay * plane[row + x0]!;
    if (inX1) v += ax * ay * plane[row + x0 + 1]!;
  }
  return v;
}

/** Bilinear share of hole pixels (mask value non-zero) around (x, y); outside the image counts as known. */
export function bilinearHole(mask: Uint8Array, width: number, height: number, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const ax = x - x0;
  const ay = y - y0;
  const inX0 = x0 >= 0 && x0 < width;
  const inX1 = x0 + 1 >= 0 && x0 + 1 < width;
  let v = 0;
  if (y0 >= 0 && y0 < height) {
    const row = y0 * width;
    if (inX0 && mask[row + x0] !== 0) v += (1 - ax) * (1 - ay);
    if (inX1 && mask[row + x0 + 1] !== 0) v += ax * (1 - ay);
  }
  if (y0 + 1 >= 0 && y0 + 1 < height) {
    const row = (y0 + 1) * width;
    if (inX0 && mask[row + x0] !== 0) v += (1 - ax) * ay;
    if (inX1 && mask[row + x0 + 1] !== 0) v += ax * ay;
  }
  return v;
}

/** Round half to even, as C's nearbyint (PyTorch's nearest grid_sample) does. */
export function nearbyint(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/**
 * ProPainter's fbConsistencyCheck for one pixel: f is the flow there, w the opposite flow sampled
 * where f points. Consistent when |f + w|^2 < 0.01 (|f|^2 + |w|^2) + 0.5.
 */
export function flowConsistent(fx: number, fy: number, wx: number, wy: number): boolean {
  const dx = fx + wx;
  const dy = fy + wy;
  return dx * dx + dy * dy < 0.01 * (fx * fx + fy * fy + wx * wx + wy * wy) + 0.5;
}
