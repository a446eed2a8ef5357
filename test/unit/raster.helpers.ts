/**
 * Mask comparison for tests: null when two masks are equal, else how many pixels differ and the first
 * one, with both values. (vitest's toEqual walks typed arrays element by element, about 100 ms per
 * 26,000 bytes, and its diff of a large mask is unreadable anyway.)
 */
export function maskDifference(actual: Uint8Array, expected: Uint8Array, width: number): string | null {
  if (actual.length !== expected.length) return `sizes differ: ${actual.length} and ${expected.length} bytes`;
  let count = 0;
  let first = -1;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === expected[i]) continue;
    if (first < 0) first = i;
    count++;
  }
  if (count === 0) return null;
  return `${count} pixels differ, first at (${first % width}, ${Math.floor(first / width)}): got ${actual[first]}, expected ${expected[first]}`;
}
