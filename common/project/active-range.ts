/**
 * A layer's active range: the frames on which it masks anything. Explicit (`layer.activeRange`, set by
 * dragging the ends of its bar on the timeline) or, when null, from its first key to its last:
 * - shape layer: the first to the last key of any of its shapes;
 * - brush layer: the first stroke's frame to the last frame any stroke holds (a stroke held 'out'
 *   lasts to the out point);
 * - bitmap layer: the imported sequence's frames (a single image applies to every frame).
 * A layer with no keys at all is active nowhere (null). The rasterizer masks nothing outside it, so
 * the editor, the jobs, the mask export and the CLI all honour it.
 */
import type { FrameRange, Layer } from './schema';

/** The active range (inclusive; `out` may be Infinity for a single imported image), or null: active nowhere. */
export function layerActiveRange(layer: Layer, outPoint: number): FrameRange | null {
  if (layer.activeRange) return layer.activeRange;
  return keyedRange(layer, outPoint);
}

/** The range of the layer's keys, whatever its explicit range says (what "reset to keys" restores). */
export function keyedRange(layer: Layer, outPoint: number): FrameRange | null {
  let first = Infinity;
  let last = -Infinity;
  if (layer.kind === 'shape') {
    for (const shape of layer.shapes)
      for (const key of shape.keys) {
        first = Math.min(first, key.frame);
        last = Math.max(last, key.frame);
      }
  } else if (layer.kind === 'brush') {
    for (const stroke of layer.strokes) {
      first = Math.min(first, stroke.frame);
      last = Math.max(last, stroke.hold === 'out' ? Math.max(stroke.frame, outPoint) : stroke.frame + stroke.hold - 1);
    }
  } else {
    return { in: 0, out: layer.source.frameCount === 1 ? Infinity : layer.source.frameCount - 1 };
  }
  return first <= last ? { in: first, out: last } : null;
}

export function layerActiveAt(layer: Layer, frame: number, outPoint: number): boolean {
  const r = layerActiveRange(layer, outPoint);
  return !!r && frame >= r.in && frame <= r.out;
}
