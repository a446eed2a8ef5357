/**
 * What a render's frame is made from, as a short fingerprint per frame, so a result can be kept with
 * what made it: the engine settings that shape every frame (engine, processing size, mask dilation,
 * fp16, the engine's own settings, outpainting scales) and that frame's mask inputs (every visible
 * layer active there: its options and its content at that frame — shapes as evaluated, the strokes
 * that apply, the imported frame it reads). A frame whose fingerprint is unchanged gives the same
 * result, so a run can keep it; the renderer marks the others stale on the timeline.
 *
 * Deliberately per frame: an edit at frame 50 makes frame 50 stale, not its neighbours, although a
 * temporal engine reads them (a run re-computes some context frames around each stale run anyway).
 * The device is left out: it changes speed, not the picture.
 */
import { evaluateShape } from '../keys/evaluate';
import { strokeAppliesAt } from '../mask/rasterize';
import { layerActiveAt } from './active-range';
import type { Layer, ProjectDoc } from './schema';

export type RenderMode = 'inpaint' | 'outpaint';

/** The settings every frame of a render depends on. */
export function renderSettingsKey(doc: Pick<ProjectDoc, 'engine' | 'outpaint'>, mode: RenderMode): string {
  const e = doc.engine;
  return JSON.stringify({
    mode,
    outpaint: mode === 'outpaint' ? { h: doc.outpaint.scaleH, w: doc.outpaint.scaleW } : null,
    engine: e.id,
    size: e.processingSize,
    dilation: e.maskDilation,
    fp16: e.id === 'propainter' ? e.fp16 : false,
    settings: e.id === 'propainter' ? e.propainter : e.classic,
  });
}

/** One layer's mask inputs at `frame` (null: it adds nothing there). */
function layerInputs(layer: Layer, frame: number, outPoint: number): unknown {
  if (!layer.visible || !layerActiveAt(layer, frame, outPoint)) return null;
  const common = [layer.kind, layer.mode, layer.invert, layer.feather, layer.dilation];
  if (layer.kind === 'shape') return [...common, layer.shapes.map((s) => [s.kind, s.closed, evaluateShape(s, frame)])];
  if (layer.kind === 'brush')
    return [...common, layer.strokes.filter((s) => strokeAppliesAt(s, frame, outPoint)).map((s) => [s.mode, s.radius, s.hardness, s.points])];
  return [...common, layer.source.path, layer.source.frameCount, layer.source.frameCount === 1 ? 0 : frame];
}

/** cyrb53: a fast 53-bit string hash (collisions are not a concern at a clip's frame count). */
function hash53(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

/**
 * The fingerprint of every frame from `from` to `to` (inclusive) of a render of `doc`. Outpainting
 * uses no mask layers, so only its settings count.
 */
export function frameFingerprints(doc: Pick<ProjectDoc, 'layers' | 'range' | 'engine' | 'outpaint'>, mode: RenderMode, from: number, to: number): string[] {
  const settings = renderSettingsKey(doc, mode);
  const out: string[] = [];
  for (let f = from; f <= to; f++) {
    // Layers that add nothing at this frame do not count (a new layer keyed elsewhere changes nothing here).
    const masks = mode === 'outpaint' ? [] : doc.layers.map((l) => layerInputs(l, f, doc.range.out)).filter((m) => m !== null);
    out.push(hash53(`${settings}|${JSON.stringify(masks)}`));
  }
  return out;
}
