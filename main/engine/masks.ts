/**
 * The user's mask for each frame of a job, at processing size, one byte per pixel (non-zero = remove):
 * from mask files (media's decodeMaskFrames), from the project document (the one rasterizer in
 * common/mask, with bitmap layers decoded in lockstep), or empty (outpainting without a mask).
 */
import type { BitmapFrame } from '../../common/mask/rasterize';
import { rasterizeMask } from '../../common/mask/rasterize';
import type { BitmapLayer } from '../../common/project/schema';
import type { ProbeResult } from '../../common/contract/types';
import { decodeMaskFrames } from '../media';
import type { MaskSpec } from './job';

export interface MaskStreamOptions {
  width: number;
  height: number;
  probe: ProbeResult;
  /** Inclusive source frames. */
  start: number;
  end: number;
  signal: AbortSignal;
}

export async function* maskFrames(spec: MaskSpec, o: MaskStreamOptions): AsyncGenerator<Uint8Array> {
  const { width, height, probe, start, end, signal } = o;
  if (spec.kind === 'none') {
    for (let i = start; i <= end; i++) yield new Uint8Array(width * height);
    return;
  }
  if (spec.kind === 'files') {
    const frames = decodeMaskFrames(spec.path, { width, height, frameCount: probe.frameCount, range: { start, end }, videoSize: probe, signal });
    for await (const f of frames) yield f.data;
    return;
  }
  const { doc } = spec;
  // Bitmap layers (imported mask sequences) are decoded at their own size, one frame per job frame.
  const bitmapLayers = doc.layers.filter((l): l is BitmapLayer => l.kind === 'bitmap' && l.visible);
  const decoders = new Map(
    bitmapLayers.map((layer) => [
      layer.id,
      decodeMaskFrames(layer.source.path, { width: layer.source.width, height: layer.source.height, frameCount: probe.frameCount, range: { start, end }, signal }),
    ]),
  );
  const current = new Map<string, BitmapFrame>();
  try {
    for (let i = start; i <= end; i++) {
      signal.throwIfAborted();
      for (const layer of bitmapLayers) {
        const next = await decoders.get(layer.id)!.next();
        if (next.done) throw new Error(`mask layer ${layer.name} ended before frame ${i}`);
        current.set(layer.id, { data: next.value.data, width: layer.source.width, height: layer.source.height });
      }
      yield rasterizeMask(doc, i, { width, height, bitmaps: (layer) => current.get(layer.id) ?? null });
    }
  } finally {
    for (const d of decoders.values()) await d.return(undefined);
  }
}
