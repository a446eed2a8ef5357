/**
 * One transformer window of InpaintGenerator.forward with the contract's pp_* graphs: encoded local
 * and reference frames, flow-guided feature propagation over the local frames (backward pass, then
 * forward pass over its output, fused with the encoder feature), the sparse transformer over local +
 * reference frames, and the decoder for the local frames.
 */
import { PP_CHANNELS } from '../../../models/contract';
import type { FlowPair } from './flow';
import { f32, flag, item, runInBatches, stack, type BatchSize, type RunGraph } from './memory';
import { maskToFloat } from './tensors';
import { propagationSteps } from './windows';

export interface EncoderInput {
  /** The image-propagated frame, planar [3, H, W] in [-1, 1], 0 where still missing (upstream's updated_frames). */
  planar: Float32Array;
  /** The dilated hole. */
  mask: Uint8Array;
  /** Pixels still missing after image propagation (upstream's updated_masks). */
  updatedMask: Uint8Array;
}

/** pp_encoder over frames in batches; returns one feature [128, H/4, W/4] per frame. */
export async function encodeFrames(run: RunGraph, frames: readonly EncoderInput[], size: { width: number; height: number }, batch: BatchSize, onShrink: (n: number) => void): Promise<Float32Array[]> {
  const { width, height } = size;
  const pixels = width * height;
  const out: Float32Array[] = [];
  await runInBatches(
    frames.length,
    batch,
    async (start, end) => {
      const m = end - start;
      const part = frames.slice(start, end);
      const maskIn = new Float32Array(m * pixels);
      const maskUpd = new Float32Array(m * pixels);
      part.forEach((f, i) => {
        maskToFloat(f.mask, maskIn, i * pixels);
        maskToFloat(f.updatedMask, maskUpd, i * pixels);
      });
      const r = await run('pp_encoder', {
        frames: f32(stack(part.map((f) => f.planar)), [m, 3, height, width]),
        masks_in: f32(maskIn, [m, 1, height, width]),
        masks_updated: f32(maskUpd, [m, 1, height, width]),
      });
      for (let i = 0; i < m; i++) out.push(item(r.feat!, i));
    },
    onShrink,
  );
  return out;
}

export interface WindowInput {
  /** Encoder features: the L local frames first, then the reference frames. */
  encoded: readonly Float32Array[];
  localCount: number;
  /** Per local frame: [masks_in, masks_updated] at 1/4 size, planar [2, H/4, W/4]. */
  localMasks: readonly Float32Array[];
  /** The L-1 flows between consecutive local frames at 1/4 size, in 1/4-size pixels. */
  flows: readonly FlowPair[];
}

/** Runs one window; returns the decoded local frames, planar [L, 3, H, W] in [-1, 1]. */
export async function inpaintWindow(run: RunGraph, win: WindowInput, size: { width: number; height: number }, decodeBatch: BatchSize, onShrink: (n: number) => void): Promise<Float32Array> {
  const { width, height } = size;
  const h4 = height >> 2;
  const w4 = width >> 2;
  const L = win.localCount;
  const featDims = [1, PP_CHANNELS, h4, w4];
  const flowDims = [1, 2, h4, w4];
  const zeroFlow = new Float32Array(2 * h4 * w4);
  const flowOf = (k: number | null, set: 'forward' | 'backward') => (k === null ? zeroFlow : win.flows[k]![set]);
  const other = (set: 'forward' | 'backward') => (set === 'forward' ? 'backward' : 'forward');

  const backward: Float32Array[] = new Array(L);
  for (const s of propagationSteps(L, 'backward')) {
    const r = await run('pp_prop_backward', {
      feat_current: f32(win.encoded[s.frame]!, featDims),
      feat_prev: f32(s.prev1 === null ? win.encoded[s.frame]! : backward[s.prev1]!, featDims),
      flow: f32(flowOf(s.flow, s.flowSet), flowDims),
      flow_check: f32(flowOf(s.flow, other(s.flowSet)), flowDims),
      masks: f32(win.localMasks[s.frame]!, flowDims),
      has_previous: flag(s.prev1 !== null),
    });
    backward[s.frame] = r.feat_prop!.data as Float32Array;
  }
  const fused: Float32Array[] = new Array(L);
  let previous: Float32Array | null = null;
  for (const s of propagationSteps(L, 'forward')) {
    const r = await run('pp_prop_forward', {
      feat_current: f32(backward[s.frame]!, featDims),
      feat_prev: f32(previous ?? backward[s.frame]!, featDims),
      flow: f32(flowOf(s.flow, s.flowSet), flowDims),
      flow_check: f32(flowOf(s.flow, other(s.flowSet)), flowDims),
      masks: f32(win.localMasks[s.frame]!, flowDims),
      has_previous: flag(s.prev1 !== null),
      feat_encoded: f32(win.encoded[s.frame]!, featDims),
    });
    previous = r.feat_prop!.data as Float32Array;
    fused[s.frame] = r.feat_fused!.data as Float32Array;
  }

  const all = [...fused, ...win.encoded.slice(L)];
  const localMaskIn = new Float32Array(L * h4 * w4);
  for (let i = 0; i < L; i++) localMaskIn.set(win.localMasks[i]!.subarray(0, h4 * w4), i * h4 * w4);
  const t = await run('pp_transformer', { feat: f32(stack(all), [all.length, PP_CHANNELS, h4, w4]), local_masks: f32(localMaskIn, [L, 1, h4, w4]) });
  const transformed = Array.from({ length: L }, (_, i) => item(t.feat_out!, i));

  const pixels = width * height;
  const out = new Float32Array(L * 3 * pixels);
  await runInBatches(
    L,
    decodeBatch,
    async (start, end) => {
      const r = await run('pp_decoder', { feat: f32(stack(transformed.slice(start, end)), [end - start, PP_CHANNELS, h4, w4]) });
      out.set(r.frames!.data as Float32Array, start * 3 * pixels);
    },
    onShrink,
  );
  return out;
}
