// ProPainter's index maths against expectations worked out by hand from inference_propainter.py.
import { describe, expect, it } from 'vitest';
import {
  finalBefore,
  firstFrameNeededFrom,
  imagePropagationLength,
  inpaintWindows,
  paddedWindowAt,
  paddedWindows,
  propagationSteps,
  raftClipLength,
  raftClips,
  referenceIndices,
} from '../../main/engine/engines/propainter/windows';

const defaults = { neighborLength: 10, refStride: 10, subvideoLength: 80, raftIterations: 20 };
const range = (a: number, b: number, step = 1) => Array.from({ length: Math.ceil((b - a) / step) }, (_, i) => a + i * step);

describe('RAFT clips', () => {
  it('picks the clip length from the processing width', () => {
    expect([432, 640, 641, 720, 721, 1280, 1281, 1920].map(raftClipLength)).toEqual([12, 12, 8, 8, 4, 4, 2, 2]);
  });

  it('overlaps consecutive clips by one frame and yields exactly T-1 flows', () => {
    const clips = raftClips(80, 12);
    expect(clips).toEqual([
      { start: 0, end: 12 },
      { start: 11, end: 24 },
      { start: 23, end: 36 },
      { start: 35, end: 48 },
      { start: 47, end: 60 },
      { start: 59, end: 72 },
      { start: 71, end: 80 },
    ]);
    const flows = clips.flatMap((c) => range(c.start, c.end - 1));
    expect(flows).toEqual(range(0, 79));
  });

  it('uses one clip for short videos and none for a single frame', () => {
    expect(raftClips(12, 12)).toEqual([{ start: 0, end: 12 }]);
    expect(raftClips(13, 12)).toEqual([{ start: 0, end: 12 }, { start: 11, end: 13 }]);
    expect(raftClips(2, 12)).toEqual([{ start: 0, end: 2 }]);
    expect(raftClips(1, 12)).toEqual([]);
  });
});

describe('padded sub-video windows', () => {
  it('does not split a sequence that fits (the 80-frame sample: 79 flows)', () => {
    expect(paddedWindows(79, 80, 5)).toEqual([{ start: 0, end: 79, keepStart: 0, keepEnd: 79 }]);
    expect(paddedWindows(80, imagePropagationLength(defaults), 10)).toEqual([{ start: 0, end: 80, keepStart: 0, keepEnd: 80 }]);
  });

  it('pads flow-completion windows by 5 and keeps the centres (199 flows)', () => {
    expect(paddedWindows(199, 80, 5)).toEqual([
      { start: 0, end: 85, keepStart: 0, keepEnd: 80 },
      { start: 75, end: 165, keepStart: 80, keepEnd: 160 },
      { start: 155, end: 199, keepStart: 160, keepEnd: 199 },
    ]);
  });

  it('pads image-propagation chunks by 10 with length min(100, subvideoLength)', () => {
    expect(imagePropagationLength({ subvideoLength: 80 })).toBe(80);
    expect(imagePropagationLength({ subvideoLength: 150 })).toBe(100);
    expect(paddedWindows(200, 80, 10)).toEqual([
      { start: 0, end: 90, keepStart: 0, keepEnd: 80 },
      { start: 70, end: 170, keepStart: 80, keepEnd: 160 },
      { start: 150, end: 200, keepStart: 160, keepEnd: 200 },
    ]);
  });

  it('kept parts tile the sequence exactly', () => {
    for (const [len, win, pad] of [[199, 80, 5], [1000, 80, 10], [81, 80, 5], [7, 3, 2]] as const) {
      const kept = paddedWindows(len, win, pad).flatMap((w) => range(w.keepStart, w.keepEnd));
      expect(kept).toEqual(range(0, len));
    }
  });

  it('computes a window at any start (for shortened sub-videos after an out-of-memory retry)', () => {
    expect(paddedWindowAt(80, 199, 40, 5)).toEqual({ start: 75, end: 125, keepStart: 80, keepEnd: 120 });
    expect(paddedWindowAt(0, 30, 80, 5)).toEqual({ start: 0, end: 30, keepStart: 0, keepEnd: 30 });
  });
});

describe('transformer windows and reference frames', () => {
  it('uses global references every 10 frames for a clip of at most subvideoLength frames', () => {
    const w = inpaintWindows(80, defaults);
    expect(w.map((x) => x.center)).toEqual(range(0, 80, 5));
    expect(w[0]).toEqual({ center: 0, local: range(0, 6), refs: range(10, 80, 10) });
    expect(w[1]).toEqual({ center: 5, local: range(0, 11), refs: range(20, 80, 10) });
    expect(w[8]).toEqual({ center: 40, local: range(35, 46), refs: [0, 10, 20, 30, 50, 60, 70] });
    expect(w.at(-1)).toEqual({ center: 75, local: range(70, 80), refs: range(0, 70, 10) });
  });

  it('uses up to 8 references within ±40 frames, as offsets from the centre, for longer clips', () => {
    const w = inpaintWindows(200, defaults);
    const at = (c: number) => w.find((x) => x.center === c)!;
    expect(at(100).refs).toEqual([60, 70, 80, 90, 110, 120, 130]);
    expect(at(45).refs).toEqual([5, 15, 25, 35, 55, 65, 75]);
    expect(at(5).refs).toEqual([20, 30, 40]);
    expect(at(195)).toEqual({ center: 195, local: range(190, 200), refs: [155, 165, 175, 185] });
    expect(Math.max(...w.map((x) => x.local.length + x.refs.length))).toBe(11 + 8 - 1);
  });

  it('follows neighborLength and refStride', () => {
    const w = inpaintWindows(30, { neighborLength: 4, refStride: 7, subvideoLength: 80 });
    expect(w[3]).toEqual({ center: 6, local: [4, 5, 6, 7, 8], refs: [0, 14, 21, 28] });
    expect(referenceIndices(50, [48, 49, 50, 51, 52], 300, 20, 4)).toEqual([10, 30, 70]);
  });

  it('covers every frame, and a frame is final once the next window starts past it', () => {
    const w = inpaintWindows(23, defaults);
    const covered = new Set(w.flatMap((x) => x.local));
    expect([...covered].sort((a, b) => a - b)).toEqual(range(0, 23));
    expect(finalBefore(w, 0, 23)).toBe(0);
    expect(finalBefore(w, 1, 23)).toBe(5);
    expect(finalBefore(w, w.length - 1, 23)).toBe(23);
    for (let i = 0; i < w.length; i++)
      for (const later of w.slice(i + 1)) expect(Math.min(...later.local)).toBeGreaterThanOrEqual(finalBefore(w, i, 23));
  });

  it('knows the first frame later windows still read', () => {
    const long = inpaintWindows(200, defaults);
    const need = firstFrameNeededFrom(long);
    const c100 = long.findIndex((x) => x.center === 100);
    expect(need[c100]).toBe(60);
    expect(need[long.length]).toBe(Number.POSITIVE_INFINITY);
    const short = inpaintWindows(80, defaults);
    expect(firstFrameNeededFrom(short).slice(0, short.length).every((n) => n === 0)).toBe(true); // global refs keep frame 0
  });
});

describe('recurrent propagation order and flow conventions', () => {
  it('backward pass: frames n-1..0, warping with forward flow k (k -> k+1)', () => {
    expect(propagationSteps(3, 'backward')).toEqual([
      { frame: 2, flow: null, flowSet: 'forward', prev1: null, prev2: null },
      { frame: 1, flow: 1, flowSet: 'forward', prev1: 2, prev2: null },
      { frame: 0, flow: 0, flowSet: 'forward', prev1: 1, prev2: 2 },
    ]);
  });

  it('forward pass: frames 0..n-1, warping with backward flow k-1 (k -> k-1)', () => {
    expect(propagationSteps(3, 'forward')).toEqual([
      { frame: 0, flow: null, flowSet: 'backward', prev1: null, prev2: null },
      { frame: 1, flow: 0, flowSet: 'backward', prev1: 0, prev2: null },
      { frame: 2, flow: 1, flowSet: 'backward', prev1: 1, prev2: 0 },
    ]);
  });
});
