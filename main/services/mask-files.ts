/**
 * `mask.import` and `mask.exportSequence`. Importing decodes a user's masks (PNG folder, single PNG,
 * mask video; main/media checks sizes and counts) at the UI's proxy size into PNG frames in the cache,
 * `masks/<id>/<index 6 digits>.png` (a single PNG: just 000000.png), for the overlay; the project keeps
 * the original path. Exporting writes the combined mask of every frame (the one rasterizer, at the
 * source size) as a PNG sequence 00000.png, 00001.png, … that imports back unchanged.
 * ffmpeg does the decoding and encoding; frames are handed on one at a time, so memory stays flat.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ImportedMask } from '../../common/contract/types';
import type { BitmapFrame } from '../../common/mask/rasterize';
import { rasterizeMask } from '../../common/mask/rasterize';
import type { BitmapLayer, BitmapSource, ProjectDoc } from '../../common/project/schema';
import { createEncoder, decodeMaskFrames, probeMedia, proxySizeFor } from '../media/index';
import type { DecodedFrame } from '../media/index';

const pad6 = (n: number) => String(n).padStart(6, '0');
/** Encoders need a rate; mask frames are matched by index, never by time. */
const MASK_FPS = { num: 25, den: 1 };

export async function importMask(cacheDir: string, args: { path: string; width: number; height: number; frameCount: number }): Promise<ImportedMask> {
  const input = path.resolve(args.path);
  const [probe, st] = await Promise.all([probeMedia(input), fs.stat(input)]);
  const kind: BitmapSource['kind'] = st.isDirectory() ? 'png-sequence' : probe.isImageSequence ? 'png' : 'video';
  const source: BitmapSource = { kind, path: input, frameCount: probe.frameCount, width: probe.width, height: probe.height };
  const proxy = proxySizeFor(args.width, args.height);
  const id = createHash('sha1').update(JSON.stringify([input, st.size, st.mtimeMs, probe.frameCount, proxy, args.frameCount])).digest('hex').slice(0, 16);
  const framePrefix = `masks/${id}/`;
  const dir = path.join(cacheDir, 'masks', id);
  if (await fs.stat(dir).then(() => true, () => false)) return { source, framePrefix };

  await fs.mkdir(path.dirname(dir), { recursive: true });
  const staging = `${dir}.${process.pid}.partial`;
  const encoder = createEncoder(staging, { format: 'png', width: proxy.width, height: proxy.height, fps: MASK_FPS, inputPixelFormat: 'gray' });
  try {
    for await (const frame of decodeMaskFrames(input, { width: proxy.width, height: proxy.height, frameCount: args.frameCount, videoSize: { width: args.width, height: args.height } })) {
      await encoder.write(frame.data);
      if (probe.frameCount === 1) break; // one image applies to every frame: keep it once
    }
    await encoder.finish();
    // The encoder names frames 00000.png; the cache's refs use six digits like every other frame ref.
    for (const name of await fs.readdir(staging)) await fs.rename(path.join(staging, name), path.join(staging, `${pad6(Number.parseInt(name, 10))}.png`));
    await fs.rename(staging, dir);
  } catch (err) {
    await encoder.abort();
    await fs.rm(staging, { recursive: true, force: true });
    throw err;
  }
  return { source, framePrefix };
}

/** Bitmap layers' masks at the source size, read in step with the frames being exported. */
class BitmapReaders {
  private readonly readers = new Map<string, { it: AsyncIterator<DecodedFrame>; current: BitmapFrame | null; index: number }>();
  constructor(private readonly doc: ProjectDoc) {}

  async advanceTo(frame: number): Promise<void> {
    const { width, height, frameCount } = this.doc.source;
    for (const layer of this.doc.layers) {
      if (layer.kind !== 'bitmap' || !layer.visible) continue;
      let r = this.readers.get(layer.id);
      if (!r) {
        r = { it: decodeMaskFrames(layer.source.path, { width, height, frameCount })[Symbol.asyncIterator](), current: null, index: -1 };
        this.readers.set(layer.id, r);
      }
      while (r.index < frame) {
        const next = await r.it.next();
        if (next.done) break;
        r.index = next.value.index;
        r.current = { data: next.value.data, width, height };
      }
    }
  }

  frame = (layer: BitmapLayer): BitmapFrame | null => this.readers.get(layer.id)?.current ?? null;

  async close(): Promise<void> {
    for (const r of this.readers.values()) await r.it.return?.();
  }
}

export async function exportMaskSequence(doc: ProjectDoc, dir: string, signal?: AbortSignal): Promise<{ frames: number; dir: string }> {
  const out = path.resolve(dir);
  const { width, height, frameCount } = doc.source;
  const encoder = createEncoder(out, { format: 'png', width, height, fps: MASK_FPS, inputPixelFormat: 'gray', signal });
  const bitmaps = new BitmapReaders(doc);
  try {
    for (let frame = 0; frame < frameCount; frame++) {
      signal?.throwIfAborted();
      await bitmaps.advanceTo(frame);
      await encoder.write(rasterizeMask(doc, frame, { width, height, bitmaps: bitmaps.frame }));
    }
    const { frames } = await encoder.finish();
    return { frames, dir: out };
  } catch (err) {
    await encoder.abort();
    throw err;
  } finally {
    await bitmaps.close();
  }
}
