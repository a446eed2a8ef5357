// The bundled sample: a real clip (frame count, fps, size, audio) and a roto shape that follows the
// object the clip draws — checked with the one rasterizer on decoded frames, including frames between keys.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rasterizeMask } from '../../common/mask/rasterize';
import { decodeFrames, probeMedia } from '../../main/media/index';
import { restore } from '../../common/project/index';
import { SAMPLE, SAMPLE_PROJECT, SAMPLE_VIDEO, makeSample } from '../../scripts/make-sample';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-sample-'));
beforeAll(() => {
  expect(makeSample(dir, '0.1.0')).toBe(true);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sample project', () => {
  it('is a 4 s 640x360 25 fps clip with audio, and is not rebuilt when up to date', async () => {
    const probe = await probeMedia(path.join(dir, SAMPLE_VIDEO));
    expect(probe).toMatchObject({ width: 640, height: 360, fps: { num: 25, den: 1 }, frameCount: 100, rotation: 0 });
    expect(probe.audio).toHaveLength(1);
    const mtime = statSync(path.join(dir, SAMPLE_VIDEO)).mtimeMs;
    expect(makeSample(dir, '0.1.0')).toBe(false);
    expect(statSync(path.join(dir, SAMPLE_VIDEO)).mtimeMs).toBe(mtime);
  });

  it('has a keyed roto shape that covers the ball on every frame and little else', async () => {
    const restored = restore(JSON.parse(readFileSync(path.join(dir, SAMPLE_PROJECT), 'utf8')));
    if (!restored.ok) throw new Error(restored.message);
    const doc = restored.doc;
    expect(doc.range).toEqual({ in: 0, out: 99 });
    const shape = doc.layers[0]?.kind === 'shape' ? doc.layers[0].shapes[0] : undefined;
    expect(shape?.keys.map((k) => k.frame)).toEqual([...SAMPLE.keyFrames]);

    const { width, height } = SAMPLE;
    const checked = new Set([0, 12, 33, 50, 71, 99]); // keys and frames between them
    const discArea = Math.PI * SAMPLE.ball.radius ** 2;
    for await (const frame of decodeFrames(path.join(dir, SAMPLE_VIDEO), { width, height, pixelFormat: 'rgb24' })) {
      if (!checked.has(frame.index)) continue;
      const mask = rasterizeMask(doc, frame.index, { width, height });
      let ball = 0;
      let covered = 0;
      let masked = 0;
      for (let i = 0; i < width * height; i++) {
        const [r, g, b] = [frame.data[i * 3]!, frame.data[i * 3 + 1]!, frame.data[i * 3 + 2]!];
        const isBall = r > 120 && g < 90 && b < 90;
        if (isBall) ball++;
        if (isBall && mask[i]! >= 128) covered++;
        if (mask[i]! >= 128) masked++;
      }
      expect(ball, `ball pixels at frame ${frame.index}`).toBeGreaterThan(discArea * 0.8);
      expect(covered / ball, `coverage at frame ${frame.index}`).toBe(1);
      // The shape hugs the ball: radius + margin, not a frame-sized blob.
      expect(masked, `mask area at frame ${frame.index}`).toBeLessThan(Math.PI * (SAMPLE.ball.radius + SAMPLE.margin + 3) ** 2);
    }
  });
});
