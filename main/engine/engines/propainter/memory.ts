/**
 * What the orchestrator does when a GPU runs out of memory. Work that splits into independent items
 * (RAFT pairs, per-frame encoders and decoders) is retried in smaller batches, which gives exactly
 * the same result; work that does not (a flow-completion sub-video, a transformer window) is retried
 * with a shorter sub-video or fewer reference frames, and the user is told.
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../../../../common/errors';
import type { GraphName } from '../../../models/contract';
import { isOutOfMemoryError, type Feeds, type Fetches } from './sessions';

export type RunGraph = (graph: GraphName, feeds: Feeds) => Promise<Fetches>;

export interface BatchSize {
  /** Items per call; halves after an out-of-memory error and stays there. */
  size: number;
}

/**
 * Runs `run` over `count` independent items in batches, halving the batch size after an
 * out-of-memory error (down to one item, after which the error is a job failure).
 */
export async function runInBatches(count: number, batch: BatchSize, run: (start: number, end: number) => Promise<void>, onShrink: (size: number) => void): Promise<void> {
  let start = 0;
  while (start < count) {
    const end = Math.min(count, start + batch.size);
    try {
      await run(start, end);
      start = end;
    } catch (err) {
      if (!isOutOfMemoryError(err) || end - start <= 1) throw err;
      batch.size = Math.max(1, (end - start) >> 1);
      onShrink(batch.size);
    }
  }
}

/** An out-of-memory error from one graph, so the orchestrator knows which work to shrink. */
export class GraphOutOfMemory extends Error {
  constructor(
    readonly graph: GraphName,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'GraphOutOfMemory';
  }
}

/** Wraps a runner so out-of-memory errors carry the graph that raised them. */
export function taggingOutOfMemory(run: RunGraph): RunGraph {
  return async (graph, feeds) => {
    try {
      return await run(graph, feeds);
    } catch (err) {
      throw isOutOfMemoryError(err) && !(err instanceof GraphOutOfMemory) ? new GraphOutOfMemory(graph, err) : err;
    }
  };
}

/** Words for the stage a graph belongs to, for messages. */
export function stageOf(graph: GraphName): string {
  if (graph === 'raft') return 'optical flow';
  if (graph.startsWith('rfc_')) return 'flow completion';
  if (graph === 'pp_transformer') return 'the inpainting transformer';
  if (graph === 'pp_decoder') return 'decoding';
  return 'feature propagation';
}

/** The one-line failure when even the smallest retry ran out of memory. */
export function outOfMemoryFailure(what: string): UserError {
  return new UserError('engine', `the GPU ran out of memory in ${what} even after retrying with less work; choose a smaller processing size, --device cpu, or fp16`);
}

// ---- tensor constructors -------------------------------------------------------------------

export const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
export const flag = (value: boolean) => new ort.Tensor('bool', Uint8Array.from([value ? 1 : 0]), [1]);
export const scalarI64 = (value: number) => new ort.Tensor('int64', BigInt64Array.from([BigInt(value)]), []);

/** Item `i` of a batched output, copied so the batch buffer can be freed. */
export function item(t: ort.Tensor, i: number): Float32Array {
  const per = t.dims.slice(1).reduce((a, b) => a * b, 1);
  return (t.data as Float32Array).slice(i * per, (i + 1) * per);
}

/** Stacks equally sized arrays into one buffer (a batch). */
export function stack(parts: readonly Float32Array[]): Float32Array {
  const per = parts[0]?.length ?? 0;
  const out = new Float32Array(per * parts.length);
  parts.forEach((p, i) => out.set(p, i * per));
  return out;
}
