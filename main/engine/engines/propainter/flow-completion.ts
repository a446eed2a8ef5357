/**
 * Recurrent flow completion (RecurrentFlowCompleteNet.forward_bidirect_flow + combine_flow) over one
 * sub-video with the contract's rfc_* graphs: the forward flows with their source frames' masks, the
 * backward flows time-reversed with their target frames' masks (same weights), each through the
 * encoder, a backward and a forward second-order propagation pass, and the decoder; the measured
 * flow is kept outside the mask.
 */
import { RFC_CHANNELS, RFC_E1_CHANNELS } from '../../../models/contract';
import type { FlowPair } from './flow';
import { f32, flag, item, runInBatches, stack, type BatchSize, type RunGraph } from './memory';
import { combineFlow, maskedFlow, maskToFloat } from './tensors';
import { propagationSteps } from './windows';

/** Runs the network on one time-ordered sequence of flows; returns the raw predictions. */
async function completeSequence(run: RunGraph, flows: readonly Float32Array[], masks: readonly Uint8Array[], size: { width: number; height: number }, decodeBatch: BatchSize, onShrink: (n: number) => void): Promise<Float32Array[]> {
  const { width, height } = size;
  const n = flows.length;
  const pixels = width * height;
  const masked = new Float32Array(n * 2 * pixels);
  const maskIn = new Float32Array(n * pixels);
  for (let t = 0; t < n; t++) {
    maskedFlow(flows[t]!, masks[t]!, masked, t * 2 * pixels);
    maskToFloat(masks[t]!, maskIn, t * pixels);
  }
  const enc = await run('rfc_encoder', { masked_flows: f32(masked, [1, n, 2, height, width]), masks: f32(maskIn, [1, n, 1, height, width]) });
  const h8 = height >> 3;
  const w8 = width >> 3;
  const mid = Array.from({ length: n }, (_, t) => (enc.feat_mid!.data as Float32Array).subarray(t * RFC_CHANNELS * h8 * w8, (t + 1) * RFC_CHANNELS * h8 * w8));
  const e1Size = RFC_E1_CHANNELS * (h8 * 2) * (w8 * 2);
  const e1 = Array.from({ length: n }, (_, t) => (enc.feat_e1!.data as Float32Array).subarray(t * e1Size, (t + 1) * e1Size));
  const featDims = [1, RFC_CHANNELS, h8, w8];
  const zeros = new Float32Array(RFC_CHANNELS * h8 * w8);

  const backward: Float32Array[] = new Array(n);
  for (const s of propagationSteps(n, 'backward')) {
    const r = await run('rfc_prop_backward', {
      feat_current: f32(mid[s.frame]!, featDims),
      feat_prev1: f32(s.prev1 === null ? zeros : backward[s.prev1]!, featDims),
      feat_prev2: f32(s.prev2 === null ? zeros : backward[s.prev2]!, featDims),
      has_previous: flag(s.prev1 !== null),
    });
    backward[s.frame] = r.feat_prop!.data as Float32Array;
  }
  const forward: Float32Array[] = new Array(n);
  for (const s of propagationSteps(n, 'forward')) {
    const r = await run('rfc_prop_forward', {
      feat_current: f32(mid[s.frame]!, featDims),
      feat_backward: f32(backward[s.frame]!, featDims),
      feat_prev1: f32(s.prev1 === null ? zeros : forward[s.prev1]!, featDims),
      feat_prev2: f32(s.prev2 === null ? zeros : forward[s.prev2]!, featDims),
      has_previous: flag(s.prev1 !== null),
    });
    forward[s.frame] = r.feat_prop!.data as Float32Array;
  }

  const out: Float32Array[] = [];
  await runInBatches(
    n,
    decodeBatch,
    async (start, end) => {
      const m = end - start;
      const r = await run('rfc_decoder', {
        feat_backward: f32(stack(backward.slice(start, end)), [m, RFC_CHANNELS, h8, w8]),
        feat_forward: f32(stack(forward.slice(start, end)), [m, RFC_CHANNELS, h8, w8]),
        feat_mid: f32(stack(mid.slice(start, end)), [m, RFC_CHANNELS, h8, w8]),
        feat_e1: f32(stack(e1.slice(start, end)), [m, RFC_E1_CHANNELS, h8 * 2, w8 * 2]),
      });
      for (let i = 0; i < m; i++) out.push(item(r.flow!, i));
    },
    onShrink,
  );
  return out;
}

/**
 * Completes the flows of one sub-video. `flowMasks` holds the n+1 frames' flow masks for the n
 * flows: forward flow k uses mask k (its source), backward flow k uses mask k+1.
 */
export async function completeFlows(
  run: RunGraph,
  flows: readonly FlowPair[],
  flowMasks: readonly Uint8Array[],
  size: { width: number; height: number },
  decodeBatch: BatchSize,
  onShrink: (n: number) => void,
): Promise<FlowPair[]> {
  const n = flows.length;
  const forwardMasks = flowMasks.slice(0, n);
  const backwardMasks = flowMasks.slice(1, n + 1);
  const predForward = await completeSequence(run, flows.map((f) => f.forward), forwardMasks, size, decodeBatch, onShrink);
  const predBackward = (await completeSequence(run, flows.map((f) => f.backward).reverse(), [...backwardMasks].reverse(), size, decodeBatch, onShrink)).reverse();
  return flows.map((f, k) => ({
    forward: combineFlow(predForward[k]!, f.forward, forwardMasks[k]!),
    backward: combineFlow(predBackward[k]!, f.backward, backwardMasks[k]!),
  }));
}
