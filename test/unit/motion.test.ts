// Camera motion for the classic engine (flow/motion.ts, engines/classic/motion-track.ts, align.ts): a
// RANSAC homography fitted to a flow with a moving object in it, the tracker on rendered frames where
// a textured background pans while a square moves on its own next to a hole, and the local correction
// of a homography that misses part of the motion.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOpenCv, type OpenCv } from '../../main/engine/cv';
import { composeHomography, fitHomography, identityHomography, invertHomography, mapPoint, motionOutliers, type Homography } from '../../main/engine/flow/motion';
import { correctionAt, LocalAligner } from '../../main/engine/engines/classic/align';
import { MotionTracker } from '../../main/engine/engines/classic/motion-track';

let cv: OpenCv;
beforeAll(async () => {
  cv = await loadOpenCv();
});

/** Largest distance between where a and b send the corners and centre of a width x height frame. */
function disagreement(a: Homography, b: Homography, width: number, height: number): number {
  const p = [0, 0];
  const q = [0, 0];
  let worst = 0;
  for (const [x, y] of [
    [0, 0],
    [width - 1, 0],
    [0, height - 1],
    [width - 1, height - 1],
    [width / 2, height / 2],
  ] as const) {
    mapPoint(a, x, y, p);
    mapPoint(b, x, y, q);
    worst = Math.max(worst, Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!));
  }
  return worst;
}

describe('homographies', () => {
  it('compose and invert: a then its inverse is the identity', () => {
    const h = Float64Array.of(1.02, 0.01, 3.5, -0.02, 0.98, -2, 1e-5, -2e-5, 1);
    expect(disagreement(composeHomography(h, invertHomography(h)), identityHomography(), 400, 200)).toBeLessThan(1e-6);
    const shift = Float64Array.of(1, 0, 5, 0, 1, -3, 0, 0, 1);
    const p = [0, 0];
    mapPoint(composeHomography(shift, shift), 10, 10, p);
    expect(p).toEqual([20, 4]);
  });

  it('fits the camera motion to a flow where a third of the samples are a moving object or noise', () => {
    const width = 320;
    const height = 180;
    const fw = 160;
    const fh = 90;
    const truth = Float64Array.of(1.01, 0.015, 4.2, -0.012, 0.995, -1.7, 2e-5, -1e-5, 1);
    const flow = new Float32Array(2 * fw * fh);
    const q = [0, 0];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const object = (i: number, j: number) => i >= 40 && i < 100 && j >= 20 && j < 70;
    for (let j = 0; j < fh; j++)
      for (let i = 0; i < fw; i++) {
        const x = (i + 0.5) * 2 - 0.5;
        const y = (j + 0.5) * 2 - 0.5;
        const p = j * fw + i;
        if (object(i, j)) {
          // Moves on its own: 9 px right, 3 down.
          flow[p] = 9;
          flow[fw * fh + p] = 3;
        } else if (random() < 0.1) {
          flow[p] = 30 * (random() - 0.5);
          flow[fw * fh + p] = 30 * (random() - 0.5);
        } else {
          mapPoint(truth, x, y, q);
          flow[p] = q[0]! - x;
          flow[fw * fh + p] = q[1]! - y;
        }
      }
    const fit = fitHomography(cv, flow, fw, fh, width, height, null);
    expect(fit.inliers / fit.samples).toBeGreaterThan(0.55);
    expect(fit.inliers / fit.samples).toBeLessThan(0.85);
    expect(disagreement(fit.homography, truth, width, height)).toBeLessThan(0.5);
    // A least-squares fit over all samples would be pulled towards the object; check that it would be.
    const outliers = motionOutliers(flow, fw, fh, width, height, fit.homography, null, 1);
    let flaggedObject = 0;
    let objectPixels = 0;
    for (let j = 0; j < fh; j++)
      for (let i = 0; i < fw; i++)
        if (object(i, j)) {
          objectPixels++;
          flaggedObject += outliers[j * fw + i]!;
        }
    expect(flaggedObject / objectPixels).toBeGreaterThan(0.95);
  });
});

describe('motion tracker', () => {
  const W = 192;
  const H = 112;
  /** A texture panned `pan` px left per frame, with a flat-ish square moving right on its own. */
  function frame(k: number): { rgb: Uint8Array; square: (x: number, y: number) => boolean } {
    const sx = 64 + 4 * k;
    const square = (x: number, y: number) => x >= sx && x < sx + 26 && y >= 40 && y < 66;
    const rgb = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const u = x + 3 * k;
        const v = square(x, y) ? 60 + 50 * Math.sin((x - sx) / 3.1) * Math.cos(y / 2.7) : 128 + 60 * Math.sin(u / 5.3) * Math.cos(y / 4.1) + 40 * Math.sin((u + 2 * y) / 9.7);
        rgb.set([v, 255 - v, (v * 3) % 256], 3 * (y * W + x));
      }
    return { rgb, square };
  }

  it('follows the pan, not the square beside the hole, and marks the square as moving', () => {
    const tracker = new MotionTracker(cv, W, H);
    const hole = new Uint8Array(W * H);
    for (let y = 30; y < 80; y++) for (let x = 20; x < 60; x++) hole[y * W + x] = 1;
    try {
      for (let k = 0; k < 6; k++) {
        const { rgb, square } = frame(k);
        const motion = tracker.push(rgb, hole);
        if (k === 0) continue;
        // Frame k -> k-1: the background moves 3 px right.
        const p = [0, 0];
        mapPoint(motion.toPrevious!, 100, 56, p);
        expect(Math.abs(p[0]! - 103)).toBeLessThan(0.5);
        expect(Math.abs(p[1]! - 56)).toBeLessThan(0.5);
        let onSquare = 0;
        let squarePixels = 0;
        let elsewhere = 0;
        let background = 0;
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++) {
            const i = y * W + x;
            if (hole[i]) continue;
            if (square(x, y)) {
              squarePixels++;
              onSquare += motion.moving[i]!;
            } else if (!square(x + 6, y) && !square(x - 6, y) && !square(x, y + 6) && !square(x, y - 6)) {
              background++;
              elsewhere += motion.moving[i]!;
            }
          }
        // Measured 0.57-0.9: Farneback at half size misses part of a square moving 7 px a frame against the pan.
        expect(onSquare / squarePixels).toBeGreaterThan(0.5);
        expect(elsewhere / background).toBeLessThan(0.02);
      }
    } finally {
      tracker.dispose();
    }
  });
});

describe('local correction of the homography', () => {
  it('measures what the scene moved beyond the homography around the hole and carries it inside', () => {
    const width = 192;
    const height = 112;
    const fw = 96;
    const fh = 56;
    // The source shows the target's scene 1.5 flow pixels (3 processing pixels) further right: a
    // residual the homography (the identity here) does not know about.
    const grey = (shift: number) => {
      const g = new Uint8Array(fw * fh);
      for (let j = 0; j < fh; j++)
        for (let i = 0; i < fw; i++) g[j * fw + i] = Math.round(128 + 60 * Math.sin((i - shift) / 3.1) * Math.cos(j / 2.9) + 30 * Math.sin((i - shift + j) / 7.3));
      return g;
    };
    const blocked = new Uint8Array(fw * fh);
    // The hole, and a strip beside it that moves on its own (excluded from the points).
    for (let j = 20; j < 36; j++) for (let i = 30; i < 60; i++) blocked[j * fw + i] = 1;
    const aligner = new LocalAligner(cv, width, height, fw, fh);
    const c = aligner.correct({ grey: grey(0), blocked }, { grey: grey(1.5), blocked: new Uint8Array(fw * fh) }, identityHomography(), { x0: 60, y0: 40, x1: 119, y1: 71 });
    expect(c).not.toBeNull();
    const out = [0, 0];
    correctionAt(c!, 90, 56, out); // the hole's centre
    expect(out[0]).toBeCloseTo(3, 0);
    expect(Math.abs(out[1]!)).toBeLessThan(0.3);
  });
});
