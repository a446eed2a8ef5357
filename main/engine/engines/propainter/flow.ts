/**
 * Optical flow with the contract's `raft` graph, one RAFT clip at a time (windows.ts raftClips):
 * forward flows k -> k+1 for every pair of the clip in one batch, then backward flows k+1 -> k,
 * as RAFT_bi does; RAFT always runs in fp32.
 */
import { f32, item, runInBatches, scalarI64, stack, type BatchSize, type RunGraph } from './memory';
import { rgbToPlanar } from './tensors';

export interface FlowPair {
  /** k -> k+1, planar [2, H, W] in pixels. */
  forward: Float32Array;
  /** k+1 -> k. */
  backward: Float32Array;
}

export async function estimateClipFlows(
  run: RunGraph,
  clip: readonly Uint8Array[],
  size: { width: number; height: number },
  iterations: number,
  batch: BatchSize,
  onShrink: (pairsPerCall: number) => void,
): Promise<FlowPair[]> {
  const { width, height } = size;
  const pixels = width * height;
  const planar = clip.map((rgb) => {
    const out = new Float32Array(3 * pixels);
    rgbToPlanar(rgb, pixels, out);
    return out;
  });
  const pairs = clip.length - 1;
  const forward: Float32Array[] = [];
  const backward: Float32Array[] = [];
  for (const [dir, out] of [['forward', forward], ['backward', backward]] as const) {
    await runInBatches(
      pairs,
      batch,
      async (start, end) => {
        const a = planar.slice(start, end);
        const b = planar.slice(start + 1, end + 1);
        const [image1, image2] = dir === 'forward' ? [a, b] : [b, a];
        const dims = [end - start, 3, height, width];
        const r = await run('raft', { image1: f32(stack(image1), dims), image2: f32(stack(image2), dims), iterations: scalarI64(iterations) });
        for (let i = 0; i < end - start; i++) out.push(item(r.flow!, i));
      },
      onShrink,
    );
  }
  return forward.map((f, k) => ({ forward: f, backward: backward[k]! }));
}
