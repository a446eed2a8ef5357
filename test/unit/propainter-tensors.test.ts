// The pixel maths between the job's frames and the contract's tensors, against hand-worked values.
import { describe, expect, it } from 'vitest';
import { combineFlow, HalvingAverage, maskedFlow, quarterFlow, quarterMask, rgbToPlanar, WindowAverage } from '../../main/engine/engines/propainter/tensors';

describe('tensor conversions', () => {
  it('maps RGB24 to planar [-1, 1]', () => {
    const out = new Float32Array(6);
    rgbToPlanar(Uint8Array.from([0, 255, 51, 255, 0, 102]), 2, out);
    expect(Array.from(out)).toEqual([-1, 1, 1, -1, 51 / 255 * 2 - 1, 102 / 255 * 2 - 1].map((v) => Math.fround(v)));
  });

  it('downsamples a flow to 1/4 like bilinear interpolate(align_corners=False) and divides it by 4', () => {
    // 8x4 flow: x channel = column index, y channel = 10 * row index.
    const w = 8, h = 4;
    const flow = new Float32Array(2 * w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { flow[y * w + x] = x; flow[w * h + y * w + x] = 10 * y; }
    // Output pixel (0, x) samples at 4x + 1.5 (mean of columns 4x+1, 4x+2) and row 1.5 (rows 1, 2).
    expect(Array.from(quarterFlow(flow, w, h))).toEqual([1.5 / 4, 5.5 / 4, 15 / 4, 15 / 4]);
  });

  it('downsamples a mask to 1/4 with nearest = the top-left pixel of each 4x4 block', () => {
    const w = 8, h = 4;
    const mask = new Uint8Array(w * h);
    mask[1] = 1; // inside block 0 but not its top-left pixel
    mask[4] = 1; // top-left of block 1
    expect(Array.from(quarterMask(mask, w, h))).toEqual([0, 1]);
  });

  it('zeroes the flow inside the mask for the network and keeps the measured flow outside it after', () => {
    const mask = Uint8Array.from([1, 0]);
    const measured = Float32Array.from([3, 4, 5, 6]);
    const masked = new Float32Array(4);
    maskedFlow(measured, mask, masked);
    expect(Array.from(masked)).toEqual([0, 4, 0, 6]);
    expect(Array.from(combineFlow(Float32Array.from([9, 9, 8, 8]), measured, mask))).toEqual([9, 4, 8, 6]);
  });
});

describe('window averaging', () => {
  it('takes the true mean of all windows inside the hole, rounds once, and keeps the source outside', () => {
    const avg = new WindowAverage(2);
    const mask = Uint8Array.from([1, 0]);
    const rgb = Uint8Array.from([10, 20, 30, 40, 50, 60]);
    // Planar [R0, R1, G0, G1, B0, B1]; three windows predict red 0, 0 and 1 in [-1, 1] for pixel 0
    // (127.5, 127.5, 255), green 0 (127.5) and blue 1 (255); pixel 1 is outside the hole.
    const pred = (v: number) => Float32Array.from([v, -1, 0, 0, 1, 1]);
    avg.add(7, pred(0), 0, mask);
    avg.add(7, pred(0), 0, mask);
    avg.add(7, pred(1), 0, mask);
    const out = avg.finish(7, rgb, mask);
    // mean 170 (upstream's halving would give 191 after truncations: ((127 + 127) / 2 + 255) / 2)
    expect(Array.from(out)).toEqual([170, 128, 255, 40, 50, 60]);
    expect(avg.pending).toBe(0);
  });

  it('rounds to the nearest value instead of truncating', () => {
    const avg = new WindowAverage(1);
    const out = avg.finish.bind(avg);
    avg.add(0, Float32Array.from([0.999, 0.999, 0.999]), 0, Uint8Array.from([1]));
    expect(Array.from(out(0, Uint8Array.from([0, 0, 0]), Uint8Array.from([1])))).toEqual([255, 255, 255]);
  });

  it('halving reproduces upstream bit for bit: float32 levels truncated, then (old + new) / 2 truncated per window', () => {
    const avg = new HalvingAverage(2);
    const mask = Uint8Array.from([1, 0]);
    const rgb = Uint8Array.from([10, 20, 30, 40, 50, 60]);
    const pred = (v: number) => Float32Array.from([v, -1, 0, 0, 1, 1]);
    avg.add(7, pred(0), 0, mask);
    avg.add(7, pred(0), 0, mask);
    avg.add(7, pred(1), 0, mask);
    // red: 127, 127, 255 -> (127 + 127) / 2 = 127 -> (127 + 255) / 2 = 191; green 127; blue 255
    expect(Array.from(avg.finish(7, rgb, mask))).toEqual([191, 127, 255, 40, 50, 60]);
    expect(avg.pending).toBe(0);
  });

  it('halving computes the level in float32 as upstream does (PyTorch then NumPy), not in float64', () => {
    // (p + 1) / 2 * 255 is 246.9999995 in float64 but rounds to 247 in float32 (found with PyTorch 1.13)
    const p = 0.9372548460960388;
    const avg = new HalvingAverage(1);
    avg.add(0, Float32Array.from([p, p, p]), 0, Uint8Array.from([1]));
    expect(Array.from(avg.finish(0, Uint8Array.from([0, 0, 0]), Uint8Array.from([1])))).toEqual([247, 247, 247]);
  });
});
