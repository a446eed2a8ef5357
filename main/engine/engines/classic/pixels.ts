/**
 * Pixel lists and boxes shared by the classic engine's steps: a mask (1 byte per pixel) as the list
 * of its set pixels' indices, and the bounding box of such a list.
 */

/** Indices of the non-zero pixels of `mask`, in order. */
export function setPixels(mask: Uint8Array): Int32Array {
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) count++;
  const out = new Int32Array(count);
  for (let i = 0, j = 0; i < mask.length; i++) if (mask[i]) out[j++] = i;
  return out;
}

/** The inclusive bounding box of the listed pixels; x1 < x0 when the list is empty. */
export function boundingBox(list: Int32Array, width: number): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of list) {
    const x = p % width;
    const y = (p - x) / width;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { x0, y0, x1, y1 };
}
