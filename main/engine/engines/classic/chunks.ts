/**
 * How the classic engine cuts a clip into overlapping temporal chunks, as pure index maths.
 *
 * The clip is split at core boundaries b_0 = 0 < b_1 < ... < b_m = frameCount. Chunk i owns the core
 * [b_i, b_i+1); it contributes to the frames [b_i - blend, b_i+1 + blend), with a weight that ramps
 * linearly across each inner boundary so that the two chunks meeting there always sum to 1 (a
 * cross-fade over 2*blend frames instead of a jump). It propagates over the window
 * [b_i - blend - context, b_i+1 + blend + context): every frame it contributes to can draw on at least
 * `context` frames on each side. The first core is short so that the first frame is final early.
 */

export interface ChunkPlanOptions {
  /** Frames per core after the first (>= 2*blend). */
  core: number;
  /** Length of the first core (>= blend), so the first final frame needs few frames decoded. */
  firstCore: number;
  /** Half the length of each cross-fade. */
  blend: number;
  /** Extra frames each side of what a chunk contributes to, for propagation to draw on. */
  context: number;
}

export interface ClassicChunk {
  /** Core [coreStart, coreEnd). */
  coreStart: number;
  coreEnd: number;
  /** Propagation window [start, end). */
  start: number;
  end: number;
  /** Frames this chunk contributes to, [outStart, outEnd). */
  outStart: number;
  outEnd: number;
  /** Once this chunk is done, every frame below this is final. */
  finalBefore: number;
  /** Cross-fade half-lengths at this chunk's two ends (0 at the clip's ends). */
  blendIn: number;
  blendOut: number;
}

export function defaultChunkOptions(propagationRadius: number): ChunkPlanOptions {
  const blend = 4;
  // Every contributed frame sees at least half the radius on each side and, in its core, up to the
  // whole radius; windows stay around 2x the radius (memory is per window, not per clip).
  const context = Math.max(0, Math.ceil(propagationRadius / 2) - blend);
  return { core: Math.max(2 * blend, Math.ceil(propagationRadius / 2)), firstCore: blend, blend, context };
}

export function planChunks(frameCount: number, o: ChunkPlanOptions): ClassicChunk[] {
  if (frameCount <= 0) return [];
  if (o.core < 2 * o.blend || o.firstCore < o.blend) throw new RangeError(`planChunks: cores must be >= 2*blend (first >= blend): ${JSON.stringify(o)}`);
  const bounds = [0];
  let next = o.firstCore;
  while (next < frameCount) {
    bounds.push(next);
    next += o.core;
  }
  bounds.push(frameCount);
  // A last core shorter than the cross-fade joins the one before it.
  if (bounds.length > 2 && frameCount - bounds[bounds.length - 2]! < o.blend) bounds.splice(bounds.length - 2, 1);

  const chunks: ClassicChunk[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const coreStart = bounds[i]!;
    const coreEnd = bounds[i + 1]!;
    const blendIn = i === 0 ? 0 : o.blend;
    const blendOut = i + 2 === bounds.length ? 0 : o.blend;
    chunks.push({
      coreStart,
      coreEnd,
      outStart: coreStart - blendIn,
      outEnd: coreEnd + blendOut,
      start: Math.max(0, coreStart - blendIn - o.context),
      end: Math.min(frameCount, coreEnd + blendOut + o.context),
      finalBefore: blendOut === 0 ? frameCount : coreEnd - blendOut,
      blendIn,
      blendOut,
    });
  }
  return chunks;
}

/** The chunk's share of frame f (0..1); the shares of all chunks at any frame sum to 1. */
export function chunkWeight(chunk: ClassicChunk, f: number): number {
  if (f < chunk.outStart || f >= chunk.outEnd) return 0;
  const rampIn = chunk.blendIn === 0 ? 1 : (f - chunk.outStart + 0.5) / (2 * chunk.blendIn);
  const rampOut = chunk.blendOut === 0 ? 1 : (chunk.outEnd - f - 0.5) / (2 * chunk.blendOut);
  return Math.min(1, rampIn, rampOut);
}
