// Imported masks (PNG folder, single PNG) become cache frames for the overlay, refused with one line
// when their size does not fit; the combined mask exports as a PNG sequence that equals the one
// rasterizer's output, bitmap layers included.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rasterizeMask } from '../../common/mask/rasterize';
import { commands, createProject } from '../../common/project/index';
import type { ProjectDoc } from '../../common/project/index';
import { decodeMaskFrames } from '../../main/media/index';
import { exportMaskSequence } from '../../main/engine/mask-export';
import { exportMasksInEngine, importMask } from '../../main/services/mask-files';
import { EnginePool } from '../../main/services/engine-pool';
import { nodeEngineLauncher } from '../../main/services/node-engine';
import { makeSquareMasks, repoRoot, runFfmpeg } from '../helpers/media';

const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-masks-'));
const cache = path.join(base, 'cache');
const size = { width: 1280, height: 720 };
const square = { size: 200, x0: 100, y0: 100, dx: 30, dy: 10 };
let maskDir: string;
let singlePng: string;

beforeAll(() => {
  maskDir = makeSquareMasks('services-masks', { ...size, frames: 8, square });
  singlePng = path.join(base, 'one.png');
  runFfmpeg(['-f', 'lavfi', '-i', 'color=c=black:s=640x360', '-vf', 'drawbox=x=10:y=10:w=50:h=40:color=white:t=fill', '-frames:v', '1', singlePng]);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function doc(): ProjectDoc {
  return createProject({ path: path.join(base, 'clip.mp4'), ...size, fps: { num: 25, den: 1 }, frameCount: 8 }, '2026-01-01T00:00:00.000Z', '0.1.0');
}

async function framesOf(dir: string, frameCount: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const f of decodeMaskFrames(dir, { ...size, frameCount })) out.push(f.data);
  return out;
}

describe('mask.import', () => {
  it('decodes a PNG folder into proxy-size cache frames named like every other frame ref', async () => {
    const imported = await importMask(cache, { path: maskDir, ...size, frameCount: 8 });
    expect(imported.source).toEqual({ kind: 'png-sequence', path: maskDir, frameCount: 8, ...size });
    expect(imported.framePrefix).toMatch(/^masks\/[0-9a-f]{16}\/$/);
    const files = readdirSync(path.join(cache, imported.framePrefix)).sort();
    expect(files).toEqual(Array.from({ length: 8 }, (_, i) => `${String(i).padStart(6, '0')}.png`));
    // Proxy size (fits 960x540), still a mask: frame 0's square (100..300 px) is there, scaled by 0.75.
    const frames = decodeMaskFrames(path.join(cache, imported.framePrefix, '000000.png'), { width: 960, height: 540, frameCount: 1 });
    const first = (await frames.next()).value!.data;
    await frames.return(undefined);
    expect(first.length).toBe(960 * 540);
    expect(first[150 * 960 + 150]).toBe(255);
    expect(first[150 * 960 + 240]).toBe(0);
    expect(first[400 * 960 + 500]).toBe(0);
    const again = await importMask(cache, { path: maskDir, ...size, frameCount: 8 });
    expect(again.framePrefix).toBe(imported.framePrefix); // cached
  });

  it('keeps a single PNG once, for every frame', async () => {
    const imported = await importMask(cache, { path: singlePng, ...size, frameCount: 8 });
    expect(imported.source).toMatchObject({ kind: 'png', frameCount: 1, width: 640, height: 360 });
    expect(readdirSync(path.join(cache, imported.framePrefix))).toEqual(['000000.png']);
  });

  it('refuses masks of another aspect ratio, naming both sizes, and leaves nothing in the cache', async () => {
    const before = readdirSync(path.join(cache, 'masks')).length;
    await expect(importMask(cache, { path: singlePng, width: 400, height: 400, frameCount: 8 })).rejects.toThrow("mask is 640x360 but the video is 400x400; masks must have the video's aspect ratio.");
    expect(readdirSync(path.join(cache, 'masks')).length).toBe(before);
  });
});

describe('mask.exportSequence', () => {
  it('writes the rasterizer output of every frame, bitmap layers included', async () => {
    const d = doc();
    commands.addLayer(d, {
      layer: { id: 'roto', name: 'Roto', kind: 'shape', shapes: [{ id: 's', kind: 'polygon', keys: [{ frame: 0, vertices: [{ x: 900, y: 400 }, { x: 1100, y: 400 }, { x: 1000, y: 600 }] }, { frame: 7, vertices: [{ x: 800, y: 300 }, { x: 1000, y: 300 }, { x: 900, y: 500 }] }] }] },
    });
    commands.addBitmapLayer(d, { id: 'imported', name: 'Imported', source: { kind: 'png-sequence', path: maskDir, frameCount: 8, ...size } });
    const out = path.join(base, 'exported');
    expect(await exportMaskSequence(d, out)).toEqual({ frames: 8, dir: out });
    expect(readdirSync(out).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `${String(i).padStart(5, '0')}.png`));

    const exported = await framesOf(out, 8);
    const imported = await framesOf(maskDir, 8);
    for (let frame = 0; frame < 8; frame++) {
      const expected = rasterizeMask(d, frame, { ...size, bitmaps: () => ({ data: imported[frame]!, ...size }) });
      const binary = expected.map((v) => (v > 0 ? 255 : 0));
      expect(Buffer.compare(Buffer.from(exported[frame]!), Buffer.from(binary)), `frame ${frame}`).toBe(0);
      // Both the roto triangle and the imported square are in it.
      expect(exported[frame]![(square.y0 + square.dy * frame + 50) * size.width + square.x0 + square.dx * frame + 50]).toBe(255);
    }
  });

  it('honours each layer’s active range: nothing outside it, the keys held inside it', async () => {
    const triangle = [{ x: 100, y: 100 }, { x: 300, y: 100 }, { x: 200, y: 300 }];
    const d = doc();
    commands.addLayer(d, { layer: { id: 'roto', name: 'Roto', kind: 'shape', shapes: [{ id: 's', kind: 'polygon', keys: [{ frame: 2, vertices: triangle }, { frame: 5, vertices: triangle }] }] } });
    const masked = async (name: string) => (await framesOf((await exportMaskSequence(d, path.join(base, name))).dir, 8)).map((f) => f[200 * size.width + 200] === 255);
    expect(await masked('range-keys')).toEqual([false, false, true, true, true, true, false, false]);
    commands.setLayerRange(d, { layerId: 'roto', range: { in: 1, out: 6 } });
    expect(await masked('range-explicit')).toEqual([false, true, true, true, true, true, true, false]);
  });

  it('refuses a folder that already has files, and writes nothing', async () => {
    const out = path.join(base, 'exported');
    await expect(exportMaskSequence(doc(), out)).rejects.toThrow(/already has files in it/);
    expect(existsSync(path.join(base, '.exported'))).toBe(false);
  });

  it('runs in an engine process, not the host: the same files, and its refusals as the same one line', async () => {
    const engineModule = path.join(repoRoot, 'dist/engine/engine.cjs');
    if (!existsSync(engineModule)) spawnSync('flock', ['/tmp/cleanplate-build.lock', process.execPath, 'scripts/build.mjs', 'engine'], { cwd: repoRoot, stdio: 'inherit' });
    const launch = new EnginePool(nodeEngineLauncher(engineModule), 1);
    const d = doc();
    commands.addBitmapLayer(d, { id: 'imported', name: 'Imported', source: { kind: 'png-sequence', path: maskDir, frameCount: 8, ...size } });
    const inHost = path.join(base, 'in-host');
    const inEngine = path.join(base, 'in-engine');
    await exportMaskSequence(d, inHost);
    expect(await exportMasksInEngine(launch, d, inEngine)).toEqual({ frames: 8, dir: inEngine });
    for (const name of readdirSync(inHost)) expect(readFileSync(path.join(inEngine, name)).equals(readFileSync(path.join(inHost, name))), name).toBe(true);
    await expect(exportMasksInEngine(launch, d, inEngine)).rejects.toThrow(/already has files in it/);
  });
});
