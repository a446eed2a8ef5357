// The evaluation set's own machinery (test/eval): the manifest, the sha256 of a folder as
// `sha256sum * | sha256sum` computes it, importing a clip from a clone, the masks' sizes and motion,
// roto interpolation, and the flicker figure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clipFolder, clipProblem, groupHash, importClips, importHint, loadManifest, type EvalClip } from '../eval/clips';
import { meanArea, movingMask, objectTrack, pingPong, resamplePolygon, rotoMasks, staticMask } from '../eval/masks';
import { holeFlicker } from '../eval/metrics';

const W = 432;
const H = 240;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-evalset-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('eval manifest', () => {
  const clips = loadManifest();

  it('lists at least five clips, tuned and held-out, each with a donor from the set and a 64-digit sha256', () => {
    expect(clips.length).toBeGreaterThanOrEqual(5);
    expect(clips.some((c) => c.split === 'tune')).toBe(true);
    expect(clips.some((c) => c.split === 'held-out')).toBe(true);
    for (const c of clips) expect(clips.some((d) => d.name === c.donor && d !== c)).toBe(true);
  });

  it('finds bmx-trees in ../shared/data, matching its sha256', () => {
    expect(clipProblem(clips.find((c) => c.name === 'bmx-trees')!)).toBeNull();
  });

  it('hashes a folder exactly as `sha256sum * | sha256sum` does', () => {
    const dir = path.join(tmp, 'hash');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'b.png'), 'second');
    writeFileSync(path.join(dir, 'a.png'), 'first');
    writeFileSync(path.join(dir, 'B.png'), 'upper case sorts first');
    const shell = spawnSync('sh', ['-c', 'LC_ALL=C sha256sum * | sha256sum'], { cwd: dir, encoding: 'utf8' });
    expect(groupHash(dir)).toBe(shell.stdout.slice(0, 64));
  });

  it('imports a missing clip from a plain clone, checking its sha256, and names the source when missing', () => {
    const clone = path.join(tmp, 'clone');
    mkdirSync(path.join(clone, 'seq/frames'), { recursive: true });
    mkdirSync(path.join(clone, 'seq/masks'), { recursive: true });
    writeFileSync(path.join(clone, 'seq/frames/00000.jpg'), 'jpeg bytes');
    writeFileSync(path.join(clone, 'seq/masks/00000.png'), 'png bytes');
    const clip: EvalClip = {
      name: `unit-import-${process.pid}`,
      split: 'tune',
      pans: true,
      what: 'a test clip',
      source: { repo: 'someone/somewhere', commit: 'a'.repeat(40), licence: 'test' },
      frames: { path: 'seq/frames', folder: 'frames', sha256: groupHash(path.join(clone, 'seq/frames')) },
      objects: { kind: 'segmentation', path: 'seq/masks', folder: 'masks', sha256: groupHash(path.join(clone, 'seq/masks')) },
      donor: 'bmx-trees',
    };
    try {
      expect(clipProblem(clip)).toBe('missing');
      expect(importHint([clip])).toMatch(/^eval: 1 clip\(s\) missing \(unit-import-\d+\); get them with: npm run eval -- --import <git clone of github.com\/someone\/somewhere \(aaaaaaa\)>$/);
      // A clone whose file differs is refused and leaves nothing behind.
      const wrong = { ...clip, frames: { ...clip.frames, sha256: 'f'.repeat(64) } };
      expect(importClips([wrong], [clone])).toEqual({ imported: [], failed: [clip.name] });
      expect(clipProblem(clip)).toBe('missing');
      expect(importClips([clip], [path.join(tmp, 'nowhere'), clone])).toEqual({ imported: [clip.name], failed: [] });
      expect(clipProblem(clip)).toBeNull();
      expect(readFileSync(path.join(clipFolder(clip), 'frames/00000.jpg'), 'utf8')).toBe('jpeg bytes');
    } finally {
      rmSync(clipFolder(clip), { recursive: true, force: true });
    }
  });
});

describe('eval masks', () => {
  // An object walking left to right across the frame.
  const frames = 60;
  const objects = Array.from({ length: frames }, (_, k) => {
    const m = new Uint8Array(W * H);
    const x0 = 150 + 2 * k;
    for (let y = 100; y < 180; y++) for (let x = x0; x < x0 + 30; x++) m[y * W + x] = 1;
    return m;
  });
  const track = objectTrack(objects, W, H);
  const moving = track.map((_, k) => movingMask(track, k, W, H));

  it('tracks the object centre', () => {
    expect(track[30]!.x).toBeCloseTo(150 + 2 * 30 + 14.5, 0);
    expect(track[30]!.y).toBeCloseTo(139.5, 0);
  });

  it('moving masks cover 10-20 % of the frame, move every frame and cross the object', () => {
    const share = meanArea(moving);
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.2);
    let changed = 0;
    for (let k = 1; k < frames; k++) if (moving[k]!.some((v, i) => v !== moving[k - 1]![i])) changed++;
    expect(changed).toBe(frames - 1);
    // The object's centre is hidden for a while and visible before and after.
    const hidden = moving.map((m, k) => m[Math.round(track[k]!.y) * W + Math.round(track[k]!.x)] === 1);
    expect(hidden.filter(Boolean).length).toBeGreaterThan(frames / 5);
    expect(hidden[0]).toBe(false);
    expect(hidden[frames - 1]).toBe(false);
  });

  it('static masks are one fixed ~12 % hole', () => {
    const share = meanArea([staticMask(W, H)]);
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.15);
  });

  it('plays a donor sequence back and forth without a jump', () => {
    const donor = [0, 1, 2].map((v) => Uint8Array.of(v));
    expect(pingPong(donor, 7).map((m) => m[0])).toEqual([0, 1, 2, 1, 0, 1, 2]);
  });

  it('interpolates roto keys after resampling them to one point count', () => {
    const square: Array<[number, number]> = [[10, 10], [50, 10], [50, 50], [10, 50]];
    expect(resamplePolygon(square, 8)).toHaveLength(8);
    const roto = { width: W, height: H, keys: [{ frame: 10, points: square }, { frame: 20, points: square.map(([x, y]): [number, number] => [x + 100, y]) }] };
    const [before, middle, after] = rotoMasks(roto, 5, 20, W, H).filter((_, i) => [0, 10, 19].includes(i));
    const left = (m: Uint8Array) => m.findIndex((v) => v === 1) % W;
    expect(left(before!)).toBe(10); // held before the first key
    expect(left(middle!)).toBe(60); // half-way between the keys at frame 15
    expect(left(after!)).toBe(110); // held after the last key
    expect(Math.round(meanArea([middle!]) * W * H)).toBe(40 * 40);
  });
});

describe('eval flicker', () => {
  it('is the mean absolute change over the hole of either frame', () => {
    const a = new Uint8Array(3 * 4).fill(10);
    const b = a.slice();
    b.set([40, 40, 40], 3); // pixel 1 changes by 30, pixel 2 stays
    const holes = [Uint8Array.of(0, 1, 0, 0), Uint8Array.of(0, 0, 1, 0)];
    expect(holeFlicker([a, b], holes)).toBeCloseTo(15);
    expect(holeFlicker([a, a], holes)).toBe(0);
  });
});
