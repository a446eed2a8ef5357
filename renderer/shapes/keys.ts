/** Which frames carry keys, per layer kind: what the timeline marks and ↑/↓ jump between. */
import type { Layer } from '../../common/project/schema';

/** Sorted, unique frames: shape keys of a shape layer, stroke frames of a brush layer. */
export function layerKeyFrames(layer: Layer): number[] {
  const frames = new Set<number>();
  if (layer.kind === 'shape') for (const shape of layer.shapes) for (const k of shape.keys) frames.add(k.frame);
  else if (layer.kind === 'brush') for (const s of layer.strokes) frames.add(s.frame);
  return [...frames].sort((a, b) => a - b);
}
