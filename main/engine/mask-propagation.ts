/**
 * The editor's "propagate mask" command: follows the video's optical flow (the classic engine's
 * Farneback flow, not completed: here the object's own motion is what we want) from `fromFrame` to
 * `toFrame`, forward or backward, moving a roto shape's vertices and bezier handles, or a brush
 * layer's strokes, and reports a key every `keyEvery` frames and at `toFrame`.
 *
 * Each point moves by the median flow of a small window around it, counting only flow vectors that
 * pass ProPainter's forward-backward consistency check (all of them when too few pass), so a point on
 * an occlusion edge follows its neighbourhood rather than one wrong vector. Handles are moved as
 * absolute points and stored relative again, so shapes can turn and scale.
 *
 * The patch of each `propagatedKey` message (what renderer/shapes/edits.ts applyPropagatedKey reads):
 * - a shape (`spec.shapeId` set): `{ frame, vertices }`, the whole shape key at `frame` in source
 *   pixels (set with the setShapeAt command);
 * - a brush layer (`spec.shapeId` null): `{ frame, strokes }`, moved copies of the strokes that apply
 *   at `fromFrame`, each starting at `frame` and held until the next key (new ids: `<id>~<frame>`).
 */
import type { PropagatedKeyPatch } from '../../common/contract/types';
import { UserError } from '../../common/errors';
import { evaluateShape } from '../../common/keys/evaluate';
import { strokeAppliesAt } from '../../common/mask/rasterize';
import { decodeFrames, probeMedia } from '../media';
import { loadOpenCv } from './cv';
import { bilinearZero, FarnebackFlow, flowConsistent, type FlowImage } from './flow';
import { processingSize } from './geometry';
import type { JobResult } from './job';
import type { PropagateSpec } from './protocol';

export type { PropagatedKeyPatch };

export interface MaskPropagationHooks {
  progress?(stage: string, done: number, total: number): void;
  key(frame: number, patch: PropagatedKeyPatch): void;
}

/** Half-size of the window (flow-resolution pixels) whose median flow moves a point. */
const WINDOW = 2;
/** Below this many consistent vectors in the window, the median of all of them is used. */
const MIN_CONSISTENT = 4;

export async function propagateMask(spec: PropagateSpec, hooks: MaskPropagationHooks, signal: AbortSignal): Promise<JobResult> {
  const startedAt = performance.now();
  const { doc, fromFrame: from, toFrame: to, layerId, shapeId } = spec;
  const keyEvery = Math.max(1, Math.floor(spec.keyEvery));
  const layer = doc.layers.find((l) => l.id === layerId);
  if (!layer) throw new UserError('not-found', `The layer to propagate (${layerId}) is not in the project; select a mask layer and retry.`);
  if (from === to) throw new UserError('bad-input', `Propagation needs a target frame other than ${from}.`);

  // The points to move, in source pixels, and how to turn moved points back into a patch.
  let points: number[];
  let patchAt: (frame: number, moved: number[], hold: number) => PropagatedKeyPatch;
  if (layer.kind === 'shape') {
    const shape = layer.shapes.find((s) => s.id === shapeId);
    if (!shape) throw new UserError('bad-input', `Select one shape of "${layer.name}" to propagate it.`);
    const vertices = evaluateShape(shape, from);
    points = vertices.flatMap((v) => [v.x, v.y, v.x + v.inX, v.y + v.inY, v.x + v.outX, v.y + v.outY]);
    patchAt = (frame, p) => ({
      frame,
      vertices: vertices.map((_, i) => {
        const [x, y, ix, iy, ox, oy] = p.slice(6 * i, 6 * i + 6) as [number, number, number, number, number, number];
        return { x, y, inX: ix - x, inY: iy - y, outX: ox - x, outY: oy - y };
      }),
    });
  } else if (layer.kind === 'brush') {
    const strokes = layer.strokes.filter((s) => strokeAppliesAt(s, from, doc.range.out));
    if (strokes.length === 0) throw new UserError('bad-input', `"${layer.name}" has no brush strokes on frame ${from}; paint on that frame first.`);
    points = strokes.flatMap((s) => s.points);
    patchAt = (frame, p, hold) => {
      let offset = 0;
      return {
        frame,
        strokes: strokes.map((s) => {
          const moved = p.slice(offset, offset + s.points.length);
          offset += s.points.length;
          return { ...s, id: `${s.id.slice(0, 50)}~${frame}`, frame, hold, points: moved };
        }),
      };
    };
  } else {
    throw new UserError('bad-input', `"${layer.name}" is an imported mask; propagate a shape or brush layer instead.`);
  }

  const probe = await probeMedia(doc.source.path, { signal });
  const proc = processingSize(probe, trackingSize(probe));
  const sx = proc.width / doc.source.width;
  const sy = proc.height / doc.source.height;
  const step = to > from ? 1 : -1;
  const steps = Math.abs(to - from);
  const schedule = keySchedule(from, to, keyEvery);

  const cv = await loadOpenCv();
  // Full-size flow with a wide window. Measured on a flat square in
  // test/integration/engine-mask-propagation.test.ts: half-size flow let corners drift 6 px over
  // 51 px of motion (full size: 1.7 px), and the default 15 px window left points 8 px inside the
  // flat square behind by 10 px after 19 px (25 px window: 0.4 px).
  const flow = new FarnebackFlow(cv, proc.width, proc.height, { downscale: 1, winsize: 25 });
  const images = new Map<number, FlowImage>();
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  const frames = decodeFrames(probe, { ...proc, range: { start: lo, end: hi }, signal })[Symbol.asyncIterator]();
  // Tracked in processing pixels.
  const tracked = points.map((v, i) => v * (i % 2 === 0 ? sx : sy));
  let keys = 0;
  try {
    // Backward propagation walks the range from its end, so every frame is read first (as small grey
    // images at flow resolution); forward propagation reads one frame ahead.
    const load = async (needed: number) => {
      while (!images.has(needed)) {
        const next = await frames.next();
        if (next.done) throw new Error(`the source ended before frame ${needed}`);
        images.set(next.value.index, flow.prepare(next.value.data));
      }
    };
    for (let i = 0; i < steps; i++) {
      signal.throwIfAborted();
      const a = from + i * step;
      const b = a + step;
      await load(Math.max(a, b));
      const ab = flow.flow(images.get(a)!, images.get(b)!);
      const ba = flow.flow(images.get(b)!, images.get(a)!);
      images.get(a)!.dispose();
      images.delete(a);
      moveByFlow(tracked, ab, ba, flow);
      hooks.progress?.('propagate', i + 1, steps);
      const hold = schedule.get(b);
      if (hold !== undefined) {
        hooks.key(b, patchAt(b, tracked.map((v, j) => v / (j % 2 === 0 ? sx : sy)), hold));
        keys++;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    for (const image of images.values()) image.dispose();
    flow.dispose();
    await frames.return?.(undefined);
  }
  return { frames: keys, seconds: (performance.now() - startedAt) / 1000, peakRssMb: Math.round(process.memoryUsage.rss() / (1 << 20)), engine: 'classic', device: 'cpu (wasm)', output: '' };
}

/** Points are tracked on frames scaled to fit 640x360 (full-size flow there costs ~80 ms a pair). */
function trackingSize(source: { width: number; height: number }): { width: number; height: number } {
  const scale = Math.min(1, 640 / Math.max(source.width, source.height), 360 / Math.min(source.width, source.height));
  return { width: source.width * scale, height: source.height * scale };
}

/**
 * Key frames -> how many frames a brush key holds: every keyEvery frames from `from` towards `to`,
 * and `to` itself. A key holds until the next key in time; the key nearest `from` on a backward run
 * holds until `from`, the last key of a forward run only its own frame.
 */
export function keySchedule(from: number, to: number, keyEvery: number): Map<number, number> {
  const step = to > from ? 1 : -1;
  const frames: number[] = [];
  for (let f = from + step * keyEvery; step > 0 ? f < to : f > to; f += step * keyEvery) frames.push(f);
  frames.push(to);
  const ascending = [...frames].sort((a, b) => a - b);
  const out = new Map<number, number>();
  ascending.forEach((f, i) => out.set(f, i + 1 < ascending.length ? ascending[i + 1]! - f : step > 0 ? 1 : from - f));
  return out;
}

/** Moves each (x, y) pair by the robust flow around it; positions in processing pixels. */
function moveByFlow(points: number[], ab: Float32Array, ba: Float32Array, flow: FarnebackFlow): void {
  const { flowWidth: fw, flowHeight: fh, width, height } = flow;
  const n = fw * fh;
  const baY = ba.subarray(n);
  const ux = fw / width;
  const uy = fh / height;
  const consistentX: number[] = [];
  const consistentY: number[] = [];
  const allX: number[] = [];
  const allY: number[] = [];
  for (let i = 0; i < points.length; i += 2) {
    const cx = Math.round((points[i]! + 0.5) * ux - 0.5);
    const cy = Math.round((points[i + 1]! + 0.5) * uy - 0.5);
    consistentX.length = consistentY.length = allX.length = allY.length = 0;
    for (let y = Math.max(0, cy - WINDOW); y <= Math.min(fh - 1, cy + WINDOW); y++)
      for (let x = Math.max(0, cx - WINDOW); x <= Math.min(fw - 1, cx + WINDOW); x++) {
        const fx = ab[y * fw + x]!;
        const fy = ab[n + y * fw + x]!;
        allX.push(fx);
        allY.push(fy);
        // The reverse flow where this vector lands, in flow-resolution pixels.
        const tx = x + fx * ux;
        const ty = y + fy * uy;
        const wx = bilinearZero(ba, fw, fh, tx, ty);
        const wy = bilinearZero(baY, fw, fh, tx, ty);
        if (tx >= 0 && tx <= fw - 1 && ty >= 0 && ty <= fh - 1 && flowConsistent(fx, fy, wx, wy)) {
          consistentX.push(fx);
          consistentY.push(fy);
        }
      }
    if (allX.length === 0) continue; // a point far outside the frame stays where it is
    const useConsistent = consistentX.length >= MIN_CONSISTENT;
    points[i] = points[i]! + median(useConsistent ? consistentX : allX);
    points[i + 1] = points[i + 1]! + median(useConsistent ? consistentY : allY);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
