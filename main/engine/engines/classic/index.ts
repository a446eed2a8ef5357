/**
 * The classic engine: no model files. Per temporal chunk (chunks.ts): Farneback flow between
 * neighbours, completed inside the hole (flow/), ProPainter's image propagation (propagation/), then
 * for what no frame saw Telea inpainting blended with the previous frame's fill, and a temporal
 * smoothing of the hole (fill.ts). Chunks overlap and are cross-faded, so there is no jump at seams.
 *
 * Streaming: frames are pulled only as far as the current chunk's window needs; flows are computed
 * once per pair as frames arrive and kept only while a later window still reads them; each frame is
 * yielded once no later chunk contributes to it. Memory is bounded by the window length.
 */
import type { ClassicSettings } from '../../../../common/project/schema';
import { loadOpenCv, type OpenCv } from '../../cv';
import { CompletedFlowStream, type CompletedFlowOptions } from '../../flow';
import { propagateImages } from '../../propagation';
import type { EngineContext, EngineOptions, FilledFrame, InpaintEngine, ProcFrame } from '../../types';
import { chunkWeight, defaultChunkOptions, planChunks, type ChunkPlanOptions, type ClassicChunk } from './chunks';
import { carryFromPrevious, smoothTemporally, SpatialFiller, type TemporalNeighbour } from './fill';

export interface ClassicTuning {
  flow?: CompletedFlowOptions;
  chunks?: Partial<ChunkPlanOptions>;
  /** Share of the previous frame's fill kept in invented pixels (0 = Telea alone). Default 0.75. */
  carry?: number;
}

interface Held {
  index: number;
  rgb: Uint8Array;
  mask: Uint8Array;
  /** Flows of the pair (k, k+1), once frame k+1 has arrived. */
  forward?: Float32Array;
  backward?: Float32Array;
}

export async function createClassicEngine(options: Pick<EngineOptions, 'classic'>, tuning: ClassicTuning = {}): Promise<InpaintEngine> {
  return new ClassicEngine(await loadOpenCv(), options.classic, tuning);
}

/** Lets the event loop run (cancel messages, progress) between long synchronous steps. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

class ClassicEngine implements InpaintEngine {
  readonly id = 'classic' as const;
  readonly device = 'cpu (wasm)';

  constructor(
    private readonly cv: OpenCv,
    private readonly settings: ClassicSettings,
    private readonly tuning: ClassicTuning,
  ) {}

  async *run(frames: AsyncIterable<ProcFrame>, ctx: EngineContext): AsyncGenerator<FilledFrame> {
    const { width, height, frameCount, signal } = ctx;
    const plan = planChunks(frameCount, { ...defaultChunkOptions(this.settings.propagationRadius), ...this.tuning.chunks });
    const flows = new CompletedFlowStream(this.cv, width, height, this.tuning.flow);
    const filler = new SpatialFiller(this.cv, width, height);
    const source = frames[Symbol.asyncIterator]();
    const held = new Map<number, Held>();
    let pulled = 0;
    /** The previous chunk's results for the frames it shares with the next one. */
    let pending = new Map<number, Uint8Array>();
    let emitted = 0;

    const pullUntil = async (end: number) => {
      while (pulled < end) {
        signal.throwIfAborted();
        const next = await source.next();
        if (next.done) throw new Error(`classic engine: the frame stream ended after ${pulled} of ${frameCount} frames`);
        const f = next.value;
        const mask = f.mask;
        held.set(pulled, { index: f.index, rgb: f.rgb, mask });
        const pair = flows.push(f.rgb, f.flowMask ?? mask);
        if (pair) Object.assign(held.get(pulled - 1)!, pair);
        pulled++;
        ctx.progress('flow', pulled, frameCount);
      }
    };

    try {
      for (let c = 0; c < plan.length; c++) {
        const chunk = plan[c]!;
        await pullUntil(chunk.end);
        const results = await this.processChunk(chunk, held, filler, width, height, signal);
        const nextPending = new Map<number, Uint8Array>();
        for (let f = chunk.outStart; f < chunk.outEnd; f++) {
          let rgb = results.get(f)!;
          const earlier = pending.get(f);
          if (earlier) rgb = crossFade(earlier, rgb, chunkWeight(chunk, f), held.get(f)!.mask);
          if (f < chunk.finalBefore) {
            yield { index: held.get(f)!.index, rgb };
            emitted++;
            ctx.progress('inpaint', emitted, frameCount);
          } else nextPending.set(f, rgb);
        }
        pending = nextPending;
        const keepFrom = c + 1 < plan.length ? plan[c + 1]!.start : frameCount;
        for (const k of held.keys()) if (k < keepFrom) held.delete(k);
      }
    } finally {
      flows.dispose();
      filler.dispose();
      await source.return?.();
    }
  }

  /** Propagates over the chunk's window and completes the frames it contributes to. */
  private async processChunk(chunk: ClassicChunk, held: Map<number, Held>, filler: SpatialFiller, width: number, height: number, signal: AbortSignal): Promise<Map<number, Uint8Array>> {
    const { start, end, outStart, outEnd } = chunk;
    const at = (f: number) => held.get(f)!;
    const frames: Uint8Array[] = [];
    const masks: Uint8Array[] = [];
    const forwardFlows: Float32Array[] = [];
    const backwardFlows: Float32Array[] = [];
    for (let f = start; f < end; f++) {
      frames.push(at(f).rgb.slice());
      masks.push(at(f).mask.slice());
      if (f + 1 < end) {
        forwardFlows.push(at(f).forward!);
        backwardFlows.push(at(f).backward!);
      }
    }
    propagateImages({ width, height, frames, masks, forwardFlows, backwardFlows });
    await breathe();
    signal.throwIfAborted();

    // What propagation could not reach: Telea, blended with the previous frame's fill.
    const carry = this.tuning.carry ?? 0.75;
    const complete = new Map<number, Uint8Array>();
    for (let f = outStart; f < outEnd; f++) {
      const rgb = frames[f - start]!;
      const missing = masks[f - start]!;
      const previous = complete.get(f - 1);
      filler.fill(rgb, missing);
      if (previous && carry > 0) carryFromPrevious(rgb, missing, previous, at(f - 1).backward!, at(f - 1).forward!, carry, width, height);
      complete.set(f, rgb);
      if ((f - outStart) % 8 === 7) {
        await breathe();
        signal.throwIfAborted();
      }
    }

    const strength = this.settings.temporalSmoothing;
    const out = new Map<number, Uint8Array>();
    for (let f = outStart; f < outEnd; f++) {
      const neighbours: TemporalNeighbour[] = [];
      const prev = complete.get(f - 1);
      const next = complete.get(f + 1);
      if (prev) neighbours.push({ rgb: prev, toward: at(f - 1).backward!, back: at(f - 1).forward! });
      if (next) neighbours.push({ rgb: next, toward: at(f).forward!, back: at(f).backward! });
      out.set(f, smoothTemporally(complete.get(f)!, at(f).mask, neighbours, strength, width, height));
    }
    return out;
  }

  async dispose(): Promise<void> {}
}

/** Blends two chunks' results for one frame inside the hole: `weight` is the later chunk's share. */
function crossFade(earlier: Uint8Array, later: Uint8Array, weight: number, hole: Uint8Array): Uint8Array {
  const out = later.slice();
  for (let p = 0; p < hole.length; p++) {
    if (hole[p] === 0) continue;
    for (let c = 3 * p; c < 3 * p + 3; c++) out[c] = Math.round(earlier[c]! * (1 - weight) + later[c]! * weight);
  }
  return out;
}
