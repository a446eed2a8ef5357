/** Sizes and names of the UI's cached pictures (proxy frames and thumbnails). */
import type { MediaRef } from '../../common/contract/define';

/** Fits `width`x`height` within `box` keeping the aspect ratio, never enlarging, even sizes (rounded down). */
export function fitWithin(width: number, height: number, box: { width: number; height: number }): { width: number; height: number } {
  const scale = Math.min(1, box.width / width, box.height / height);
  const even = (n: number) => Math.max(2, 2 * Math.floor((n * scale) / 2));
  return { width: even(width), height: even(height) };
}

/** `<kind>/<mediaId>/<index 6 digits>.jpg`, relative to the cache root. */
export function cacheRefFor(kind: 'frames' | 'thumbs', mediaId: string, index: number): MediaRef {
  return `${kind}/${mediaId}/${String(index).padStart(6, '0')}.jpg`;
}
