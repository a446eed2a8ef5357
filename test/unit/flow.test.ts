import { beforeAll, describe, expect, it } from 'vitest';
import { loadOpenCv, type OpenCv } from '../../main/engine/cv';
import { CompletedFlowStream, FarnebackFlow, fillHarmonic } from '../../main/engine/flow';

let cv: OpenCv;
beforeAll(async () => {
  cv = await loadOpenCv();
});

const W = 160;
const H = 96;

/** A smooth texture panned left by `shift` px, with an optional flat square at (sx, sy). */
function frame(shift: number, square?: { x: number; y: number; size: number }): Uint8Array {
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const u = x + shift;
      const v = 128 + 50 * Math.sin(u / 5.3) * Math.cos(y / 4.1) + 40 * Math.sin((u + 2 * y) / 9.7);
      const inSquare = square && x >= square.x && x < square.x + square.size && y >= square.y && y < square.y + square.size;
      const value = inSquare ? 30 + ((x - square.x) * 7 + (y - square.y) * 13) % 40 * 5 : v;
      out.fill(Math.max(0, Math.min(255, Math.round(value))), (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  return out;
}

function meanIn(flow: Float32Array, region: (x: number, y: number) => boolean): [number, number] {
  const n = W * H;
  let sx = 0;
  let sy = 0;
  let c = 0;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      if (region(x, y)) {
        sx += flow[y * W + x]!;
        sy += flow[n + y * W + x]!;
        c++;
      }
  return [sx / c, sy / c];
}

const interior = (x: number, y: number) => x >= 20 && x < W - 20 && y >= 20 && y < H - 20;

describe('Farneback flow (OpenCV WebAssembly)', () => {
  it('follows ProPainter conventions: flow(k, k+1) maps k to k+1, in processing-size pixels', () => {
    for (const downscale of [1, 2]) {
      const fb = new FarnebackFlow(cv, W, H, { downscale });
      const a = fb.prepare(frame(0));
      const b = fb.prepare(frame(3));
      const forward = fb.flow(a, b);
      const backward = fb.flow(b, a);
      expect(forward.length).toBe(2 * fb.flowWidth * fb.flowHeight);
      expect(fb.flowWidth).toBe(W / downscale);
      // Content at x in frame 0 is at x - 3 in frame 1.
      const fwd = meanFlow(forward, fb.flowWidth, fb.flowHeight);
      const bwd = meanFlow(backward, fb.flowWidth, fb.flowHeight);
      expect(fwd[0]).toBeCloseTo(-3, 0);
      expect(Math.abs(fwd[1])).toBeLessThan(0.2);
      expect(bwd[0]).toBeCloseTo(3, 0);
      a.dispose();
      b.dispose();
      fb.dispose();
    }
  });
});

function meanFlow(flow: Float32Array, w: number, h: number): [number, number] {
  const n = w * h;
  let sx = 0;
  let sy = 0;
  let c = 0;
  for (let y = Math.floor(h / 5); y < h - h / 5; y++)
    for (let x = Math.floor(w / 5); x < w - w / 5; x++) {
      sx += flow[y * w + x]!;
      sy += flow[n + y * w + x]!;
      c++;
    }
  return [sx / c, sy / c];
}

describe('harmonic flow completion', () => {
  it('reproduces a linear field inside a hole (linear functions are harmonic)', () => {
    const w = 64;
    const h = 48;
    const n = w * h;
    const truth = new Float32Array(2 * n);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        truth[y * w + x] = 0.1 * x - 2;
        truth[n + y * w + x] = -0.05 * y + 0.02 * x + 1;
      }
    const hole = new Uint8Array(n);
    for (let y = 10; y < 40; y++) for (let x = 8; x < 50; x++) hole[y * w + x] = 1;
    const data = truth.slice();
    for (let i = 0; i < n; i++) if (hole[i]) data[i] = data[n + i] = 99;
    fillHarmonic(data, 2, w, h, hole);
    let maxErr = 0;
    for (let i = 0; i < 2 * n; i++) maxErr = Math.max(maxErr, Math.abs(data[i]! - truth[i]!));
    expect(maxErr).toBeLessThan(0.15);
    // Known values are untouched.
    for (let i = 0; i < n; i++) if (!hole[i]) expect(data[i]).toBe(truth[i]);
  });

  it('replaces the removed object\'s motion by the background motion around it', () => {
    const square = (k: number) => ({ x: 60 + 4 * k, y: 30 + 2 * k, size: 24 });
    const mask = (k: number) => {
      const m = new Uint8Array(W * H);
      const s = square(k);
      for (let y = s.y - 4; y < s.y + s.size + 4; y++) for (let x = s.x - 4; x < s.x + s.size + 4; x++) m[y * W + x] = 1;
      return m;
    };
    const stream = new CompletedFlowStream(cv, W, H);
    expect(stream.push(frame(0, square(0)), mask(0))).toBeNull();
    const pair = stream.push(frame(2, square(1)), mask(1))!;
    const s0 = square(0);
    const inHole0 = (x: number, y: number) => x >= s0.x && x < s0.x + s0.size && y >= s0.y && y < s0.y + s0.size;
    const [fx, fy] = meanIn(pair.forward, inHole0);
    // The background pans by -2 px per frame; the square moved by (+4, +2).
    expect(Math.abs(fx + 2)).toBeLessThan(0.2);
    expect(Math.abs(fy)).toBeLessThan(0.5);
    const s1 = square(1);
    const [bx] = meanIn(pair.backward, (x, y) => x >= s1.x && x < s1.x + s1.size && y >= s1.y && y < s1.y + s1.size);
    expect(bx).toBeCloseTo(2, 0);
    // Outside the masks the estimated flow is kept: the background flow is there too.
    const [ox] = meanIn(pair.forward, (x, y) => interior(x, y) && !inHole0(x, y) && x < 40);
    expect(ox).toBeCloseTo(-2, 0);
    stream.dispose();
  });
});
