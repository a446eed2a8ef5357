import { describe, expect, it } from 'vitest';
import { propagateImages } from '../../main/engine/propagation';

const W = 48;
const H = 32;
const N = W * H;

/** A deterministic texture wide enough for `frames` frames of panning by `speed` px. */
function texture(width: number, height: number, seed = 7): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Frame k shows the texture shifted left by speed*k: content at x in frame k is at x - speed in k+1. */
function panningClip(frames: number, speed: number) {
  const tw = W + speed * frames;
  const tex = texture(tw, H);
  const truth: Uint8Array[] = [];
  for (let k = 0; k < frames; k++) {
    const f = new Uint8Array(N * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) f[(y * W + x) * 3 + c] = tex[(y * tw + x + speed * k) * 3 + c]!;
    truth.push(f);
  }
  const constantFlow = (dx: number, dy: number) => {
    const f = new Float32Array(2 * N);
    f.fill(dx, 0, N);
    f.fill(dy, N);
    return f;
  };
  return {
    truth,
    forward: Array.from({ length: frames - 1 }, () => constantFlow(-speed, 0)),
    backward: Array.from({ length: frames - 1 }, () => constantFlow(speed, 0)),
  };
}

/** A square hole that moves right by `step` px per frame. */
function movingSquareMasks(frames: number, size: number, x0: number, y0: number, step: number): Uint8Array[] {
  return Array.from({ length: frames }, (_, k) => {
    const m = new Uint8Array(N);
    for (let y = y0; y < y0 + size; y++) for (let x = x0 + step * k; x < x0 + step * k + size; x++) m[y * W + x] = 1;
    return m;
  });
}

function holed(truth: Uint8Array[], masks: Uint8Array[]): Uint8Array[] {
  return truth.map((f, k) => {
    const g = f.slice();
    for (let i = 0; i < N; i++) if (masks[k]![i]) g.fill(0, 3 * i, 3 * i + 3);
    return g;
  });
}

describe('image propagation (ProPainter BidirectionalPropagation, learnable=False)', () => {
  it('fills a moving hole in a panning texture exactly from the frames that saw it', () => {
    const T = 8;
    const { truth, forward, backward } = panningClip(T, 2);
    const masks = movingSquareMasks(T, 8, 14, 10, 3);
    const original = masks.map((m) => m.slice());
    const frames = holed(truth, masks);
    const stats = propagateImages({ width: W, height: H, frames, masks, forwardFlows: forward, backwardFlows: backward });

    expect(stats.holePixels).toBe(T * 64);
    expect(stats.filledBackward).toBeGreaterThan(0);
    expect(stats.filledForward).toBeGreaterThan(0);
    for (let k = 0; k < T; k++) {
      for (let i = 0; i < N; i++) {
        if (!original[k]![i]) {
          // Outside the hole nothing changes.
          expect(frames[k]![3 * i]).toBe(truth[k]![3 * i]);
          continue;
        }
        // Every hole pixel was visible in a neighbouring frame (the hole moves faster than the pan).
        expect(masks[k]![i], `frame ${k} pixel ${i} still missing`).toBe(0);
        expect([...frames[k]!.subarray(3 * i, 3 * i + 3)]).toEqual([...truth[k]!.subarray(3 * i, 3 * i + 3)]);
      }
    }
  });

  it('prefers the nearest frame: the backward pass fills from k+1 before anything older is used', () => {
    const T = 4;
    const { truth, forward, backward } = panningClip(T, 2);
    const masks = movingSquareMasks(T, 6, 10, 10, 6); // disjoint holes: k+1 always saw k's hole
    const frames = holed(truth, masks);
    // Mark the last frame's content so we can tell where pixels came from.
    const stats = propagateImages({ width: W, height: H, frames, masks, forwardFlows: forward, backwardFlows: backward });
    // Frames 0..2 are filled by the backward pass, frame 3 (the first visited) only by the forward pass.
    expect(stats.filledBackward).toBe(3 * 36);
    expect(stats.filledForward).toBe(36);
  });

  it('rejects pixels whose forward and backward flows disagree (consistency check)', () => {
    const T = 3;
    const { truth, forward, backward } = panningClip(T, 2);
    // The backward flows claim no motion: |f + w|^2 = 4 > 0.01 * 4 + 0.5 everywhere.
    for (const b of backward) b.fill(0);
    const masks = movingSquareMasks(T, 6, 10, 10, 6);
    const frames = holed(truth, masks);
    const stats = propagateImages({ width: W, height: H, frames, masks, forwardFlows: forward, backwardFlows: backward });
    expect(stats.filledBackward + stats.filledForward).toBe(0);
    for (const m of masks) expect(m.reduce((a, v) => a + v, 0)).toBe(36);
  });

  it('accepts small disagreements below the threshold (|f + w|^2 < 0.5 for small flows)', () => {
    const T = 2;
    const { truth, forward, backward } = panningClip(T, 2);
    for (const b of backward) b.fill(2.6, 0, N); // |f + w|^2 = 0.36 < 0.01 * (4 + 6.76) + 0.5
    const masks = movingSquareMasks(T, 6, 10, 10, 6);
    const frames = holed(truth, masks);
    const stats = propagateImages({ width: W, height: H, frames, masks, forwardFlows: forward, backwardFlows: backward });
    expect(stats.filledBackward).toBe(36);
  });

  it('does not fill from a source that is itself a hole, and leaves those pixels missing', () => {
    const T = 2;
    const { truth, forward, backward } = panningClip(T, 0);
    for (const f of [...forward, ...backward]) f.fill(0);
    // The same hole in both frames with zero motion: nothing ever saw it.
    const masks = movingSquareMasks(T, 6, 10, 10, 0);
    const frames = holed(truth, masks);
    const stats = propagateImages({ width: W, height: H, frames, masks, forwardFlows: forward, backwardFlows: backward });
    expect(stats.filledBackward + stats.filledForward).toBe(0);
  });

  it('works on planar float frames (the ProPainter orchestrator layout) with the same result', () => {
    const T = 6;
    const { truth, forward, backward } = panningClip(T, 2);
    const masksA = movingSquareMasks(T, 8, 14, 10, 3);
    const masksB = masksA.map((m) => m.slice());
    const framesA = holed(truth, masksA);
    const framesB = framesA.map((f) => {
      const p = new Float32Array(3 * N);
      for (let i = 0; i < N; i++) for (let c = 0; c < 3; c++) p[c * N + i] = (f[3 * i + c]! / 255) * 2 - 1;
      return p;
    });
    propagateImages({ width: W, height: H, frames: framesA, masks: masksA, forwardFlows: forward, backwardFlows: backward });
    propagateImages({ width: W, height: H, layout: 'chw', frames: framesB, masks: masksB, forwardFlows: forward, backwardFlows: backward });
    for (let k = 0; k < T; k++) {
      expect(masksB[k]).toEqual(masksA[k]);
      for (let i = 0; i < N; i++) expect(Math.round(((framesB[k]![N + i]! + 1) / 2) * 255)).toBe(framesA[k]![3 * i + 1]);
    }
  });

  it('uses nearest sampling: a half-pixel flow copies a whole source pixel, rounding half to even', () => {
    const T = 2;
    const frames = [new Uint8Array(3 * N), new Uint8Array(3 * N)];
    for (let i = 0; i < N; i++) frames[1]!.fill(i % W, 3 * i, 3 * i + 3); // value = column
    const masks = [new Uint8Array(N), new Uint8Array(N)];
    masks[0]![5 * W + 10] = 1;
    masks[0]![5 * W + 11] = 1;
    const fwd = new Float32Array(2 * N).fill(0.5, 0, N);
    const bwd = new Float32Array(2 * N).fill(-0.5, 0, N);
    propagateImages({ width: W, height: H, frames, masks, forwardFlows: [fwd], backwardFlows: [bwd] });
    expect(frames[0]![3 * (5 * W + 10)]).toBe(10); // 10.5 -> 10
    expect(frames[0]![3 * (5 * W + 11)]).toBe(12); // 11.5 -> 12
  });
});
