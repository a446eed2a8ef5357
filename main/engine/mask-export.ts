/**
 * The combined mask of every frame (the one rasterizer, at the source size, bitmap layers read in
 * step) written as a PNG sequence 00000.png, 00001.png, … that imports back unchanged. It runs in the
 * engine process (protocol `exportMasks`): rasterizing a 1080p frame takes 10 to 70 ms, which the
 * app's main process must not spend. Frames are handed on one at a time, so memory stays flat.
 */
import path from 'node:path';
import type { BitmapFrame } from '../../common/mask/rasterize';
import { rasterizeMask } from '../../common/mask/rasterize';
import type { BitmapLayer, ProjectDoc } from '../../common/project/schema';
import { createEncoder, decodeMaskFrames, type DecodedFrame } from '../media';

/** Encoders need a rate; mask frames are matched by index, never by time. */
const MASK_FPS = { num: 25, den: 1 };

export interface MaskExportResult {
  frames: number;
  dir: string;
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

export async function exportMaskSequence(doc: ProjectDoc, dir: string, signal?: AbortSignal, progress?: (done: number, total: number) => void): Promise<MaskExportResult> {
  const out = path.resolve(dir);
  const { width, height, frameCount } = doc.source;
  const encoder = createEncoder(out, { format: 'png', width, height, fps: MASK_FPS, inputPixelFormat: 'gray', signal });
  const bitmaps = new BitmapReaders(doc);
  try {
    for (let frame = 0; frame < frameCount; frame++) {
      signal?.throwIfAborted();
      await bitmaps.advanceTo(frame);
      await encoder.write(rasterizeMask(doc, frame, { width, height, bitmaps: bitmaps.frame }));
      progress?.(frame + 1, frameCount);
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
