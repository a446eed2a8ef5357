/**
 * Flow completion for the classic engine: the flow inside the hole is replaced by the smoothest field
 * that meets the flow on the hole's boundary (a harmonic, Laplace fill), which is what a rigid or
 * slowly varying background motion looks like; outside the hole the estimated flow is kept as-is
 * (ProPainter's combine_flow does the same with its network's prediction).
 *
 * Solved coarse to fine ("pull-push" multigrid): each coarser level averages the known pixels of
 * 2x2 blocks, the coarsest hole starts at the mean of what is known, and each finer level starts from
 * the bilinearly interpolated coarser solution and relaxes with Gauss-Seidel sweeps over hole pixels
 * only. Cost is a few sweeps over the hole per level, independent of how far the hole's centre is from
 * its boundary (plain relaxation would need O(diameter^2) sweeps).
 */

const SWEEPS_PER_LEVEL = 6;

/**
 * Fills the hole pixels of a planar image (`channels` planes of width*height floats) in place with
 * the harmonic interpolation of the surrounding values. `hole` is non-zero where values are unknown.
 * With no known pixel at all, the hole becomes 0.
 */
export function fillHarmonic(data: Float32Array, channels: number, width: number, height: number, hole: Uint8Array): void {
  const n = width * height;
  if (data.length !== channels * n || hole.length !== n) throw new RangeError(`fillHarmonic: buffers are not ${channels}x${width}x${height}`);
  let holes = 0;
  for (let i = 0; i < n; i++) if (hole[i] !== 0) holes++;
  if (holes === 0) return;
  if (holes === n) {
    data.fill(0);
    return;
  }
  solve(data, channels, width, height, hole);
}

function solve(data: Float32Array, channels: number, width: number, height: number, hole: Uint8Array): void {
  const n = width * height;
  const index = holeIndex(hole, n);
  if (index.length === 0) return;
  if (width <= 2 || height <= 2) {
    seedWithMean(data, channels, n, hole, index);
  } else {
    const cw = (width + 1) >> 1;
    const ch = (height + 1) >> 1;
    const coarse = new Float32Array(channels * cw * ch);
    const coarseHole = new Uint8Array(cw * ch);
    restrict(data, channels, width, height, hole, coarse, coarseHole, cw, ch);
    let anyKnown = false;
    for (let i = 0; i < coarseHole.length; i++) if (coarseHole[i] === 0) anyKnown = true;
    if (!anyKnown) seedWithMean(data, channels, n, hole, index);
    else {
      solve(coarse, channels, cw, ch, coarseHole);
      prolong(coarse, channels, cw, ch, data, width, height, index);
    }
  }
  relax(data, channels, width, height, index, SWEEPS_PER_LEVEL);
}

function holeIndex(hole: Uint8Array, n: number): Int32Array {
  let count = 0;
  for (let i = 0; i < n; i++) if (hole[i] !== 0) count++;
  const index = new Int32Array(count);
  for (let i = 0, j = 0; i < n; i++) if (hole[i] !== 0) index[j++] = i;
  return index;
}

function seedWithMean(data: Float32Array, channels: number, n: number, hole: Uint8Array, index: Int32Array): void {
  for (let c = 0; c < channels; c++) {
    const plane = data.subarray(c * n, (c + 1) * n);
    let sum = 0;
    let known = 0;
    for (let i = 0; i < n; i++)
      if (hole[i] === 0) {
        sum += plane[i]!;
        known++;
      }
    const mean = known > 0 ? sum / known : 0;
    for (const i of index) plane[i] = mean;
  }
}

/** Coarse pixel = mean of the known pixels of its 2x2 block; a hole when the block has none. */
function restrict(data: Float32Array, channels: number, width: number, height: number, hole: Uint8Array, coarse: Float32Array, coarseHole: Uint8Array, cw: number, ch: number): void {
  const n = width * height;
  const cn = cw * ch;
  const sums = new Float64Array(channels);
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      const ci = cy * cw + cx;
      let known = 0;
      sums.fill(0);
      for (let dy = 0; dy < 2; dy++) {
        const y = 2 * cy + dy;
        if (y >= height) continue;
        for (let dx = 0; dx < 2; dx++) {
          const x = 2 * cx + dx;
          if (x >= width) continue;
          const i = y * width + x;
          if (hole[i] !== 0) continue;
          known++;
          for (let c = 0; c < channels; c++) sums[c]! += data[c * n + i]!;
        }
      }
      coarseHole[ci] = known === 0 ? 1 : 0;
      for (let c = 0; c < channels; c++) coarse[c * cn + ci] = known === 0 ? 0 : sums[c]! / known;
    }
  }
}

/** Hole pixels start from the coarse solution, bilinearly interpolated (pixel centres aligned). */
function prolong(coarse: Float32Array, channels: number, cw: number, ch: number, data: Float32Array, width: number, height: number, index: Int32Array): void {
  const n = width * height;
  const cn = cw * ch;
  for (const i of index) {
    const x = i % width;
    const y = (i - x) / width;
    const u = Math.min(Math.max((x + 0.5) / 2 - 0.5, 0), cw - 1);
    const v = Math.min(Math.max((y + 0.5) / 2 - 0.5, 0), ch - 1);
    const u0 = Math.floor(u);
    const v0 = Math.floor(v);
    const u1 = Math.min(u0 + 1, cw - 1);
    const v1 = Math.min(v0 + 1, ch - 1);
    const au = u - u0;
    const av = v - v0;
    for (let c = 0; c < channels; c++) {
      const o = c * cn;
      const top = coarse[o + v0 * cw + u0]! * (1 - au) + coarse[o + v0 * cw + u1]! * au;
      const bottom = coarse[o + v1 * cw + u0]! * (1 - au) + coarse[o + v1 * cw + u1]! * au;
      data[c * n + i] = top * (1 - av) + bottom * av;
    }
  }
}

/** Gauss-Seidel sweeps of the discrete Laplace equation over the hole (neighbours inside the image). */
function relax(data: Float32Array, channels: number, width: number, height: number, index: Int32Array, sweeps: number): void {
  const n = width * height;
  for (let s = 0; s < sweeps; s++) {
    for (const i of index) {
      const x = i % width;
      const hasL = x > 0;
      const hasR = x < width - 1;
      const hasU = i >= width;
      const hasD = i < n - width;
      const count = (hasL ? 1 : 0) + (hasR ? 1 : 0) + (hasU ? 1 : 0) + (hasD ? 1 : 0);
      for (let c = 0; c < channels; c++) {
        const o = c * n + i;
        let sum = 0;
        if (hasL) sum += data[o - 1]!;
        if (hasR) sum += data[o + 1]!;
        if (hasU) sum += data[o - width]!;
        if (hasD) sum += data[o + width]!;
        data[o] = sum / count;
      }
    }
  }
}
