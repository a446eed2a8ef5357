/**
 * The ProPainter model contract in code: which ONNX graphs exist, and the exact names, dtypes and
 * shapes of their inputs and outputs. models/README.md explains the why of every graph; this table is
 * what the engine checks a loaded session against, what the fixture generator builds, and what
 * the graph builder (main/models/builder) writes. Change it only together with CONTRACT_VERSION.
 *
 * Shape symbols: N = batch (any), B = videos (1 in practice), T = frames of a sub-video or window,
 * L = local frames of a transformer window (L <= T), H/W = processing size (multiples of 8),
 * h4/w4 = H/4, W/4 and h8/w8 = H/8, W/8. Numbers are fixed sizes.
 */

export const CONTRACT_VERSION = 1;

export type TensorType = 'float32' | 'int64' | 'bool';

export interface TensorSpec {
  name: string;
  type: TensorType;
  shape: (number | string)[];
  /** What the values mean and their range, for the README and error messages. */
  doc: string;
}

export interface GraphSpec {
  /** File stem: `<stem>.onnx` (fp32) and `<stem>.fp16.onnx` (fp16 weights and compute, fp32 inputs and outputs). */
  stem: GraphName;
  /** Whether an fp16 variant is part of the contract (RAFT stays fp32, as in the official inference). */
  fp16: boolean;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export const GRAPH_NAMES = [
  'raft',
  'rfc_encoder',
  'rfc_prop_backward',
  'rfc_prop_forward',
  'rfc_decoder',
  'pp_encoder',
  'pp_prop_backward',
  'pp_prop_forward',
  'pp_transformer',
  'pp_decoder',
] as const;
export type GraphName = (typeof GRAPH_NAMES)[number];

/** Feature channels fixed by the network (RFC at 1/8 and 1/4, generator at 1/4). */
export const RFC_CHANNELS = 128;
export const RFC_E1_CHANNELS = 64;
export const PP_CHANNELS = 128;

const f32 = (name: string, shape: (number | string)[], doc: string): TensorSpec => ({ name, type: 'float32', shape, doc });
const hasPrevious: TensorSpec = {
  name: 'has_previous',
  type: 'bool',
  shape: [1],
  doc: 'false at the first step of a pass (no propagated feature yet), true afterwards',
};

export const GRAPHS: Record<GraphName, GraphSpec> = {
  raft: {
    stem: 'raft',
    fp16: false,
    inputs: [
      f32('image1', ['N', 3, 'H', 'W'], 'RGB in [-1, 1]'),
      f32('image2', ['N', 3, 'H', 'W'], 'RGB in [-1, 1]'),
      { name: 'iterations', type: 'int64', shape: [], doc: 'refinement iterations (ONNX Loop trip count; official default 20)' },
    ],
    outputs: [f32('flow', ['N', 2, 'H', 'W'], 'flow image1 -> image2 in pixels, channel 0 = dx, 1 = dy')],
  },
  rfc_encoder: {
    stem: 'rfc_encoder',
    fp16: true,
    inputs: [
      f32('masked_flows', ['B', 'T', 2, 'H', 'W'], 'flows in pixels multiplied by (1 - mask)'),
      f32('masks', ['B', 'T', 1, 'H', 'W'], 'flow mask of each flow\'s source frame, 0 or 1'),
    ],
    outputs: [
      f32('feat_mid', ['B', 'T', RFC_CHANNELS, 'h8', 'w8'], 'features entering the recurrent propagation'),
      f32('feat_e1', ['B', 'T', RFC_E1_CHANNELS, 'h4', 'w4'], 'skip features added after the first decoder upsampling'),
    ],
  },
  rfc_prop_backward: {
    stem: 'rfc_prop_backward',
    fp16: true,
    inputs: [
      f32('feat_current', ['B', RFC_CHANNELS, 'h8', 'w8'], 'feat_mid of the current frame'),
      f32('feat_prev1', ['B', RFC_CHANNELS, 'h8', 'w8'], 'this pass\'s output one step back (zeros at the first step)'),
      f32('feat_prev2', ['B', RFC_CHANNELS, 'h8', 'w8'], 'this pass\'s output two steps back (zeros for the first two steps)'),
      hasPrevious,
    ],
    outputs: [f32('feat_prop', ['B', RFC_CHANNELS, 'h8', 'w8'], 'propagated feature of the current frame')],
  },
  rfc_prop_forward: {
    stem: 'rfc_prop_forward',
    fp16: true,
    inputs: [
      f32('feat_current', ['B', RFC_CHANNELS, 'h8', 'w8'], 'feat_mid of the current frame'),
      f32('feat_backward', ['B', RFC_CHANNELS, 'h8', 'w8'], 'backward pass output at the current frame'),
      f32('feat_prev1', ['B', RFC_CHANNELS, 'h8', 'w8'], 'this pass\'s output one step back (zeros at the first step)'),
      f32('feat_prev2', ['B', RFC_CHANNELS, 'h8', 'w8'], 'this pass\'s output two steps back (zeros for the first two steps)'),
      hasPrevious,
    ],
    outputs: [f32('feat_prop', ['B', RFC_CHANNELS, 'h8', 'w8'], 'propagated feature of the current frame')],
  },
  rfc_decoder: {
    stem: 'rfc_decoder',
    fp16: true,
    inputs: [
      f32('feat_backward', ['N', RFC_CHANNELS, 'h8', 'w8'], 'backward pass output'),
      f32('feat_forward', ['N', RFC_CHANNELS, 'h8', 'w8'], 'forward pass output'),
      f32('feat_mid', ['N', RFC_CHANNELS, 'h8', 'w8'], 'encoder feature (residual of the fusion)'),
      f32('feat_e1', ['N', RFC_E1_CHANNELS, 'h4', 'w4'], 'encoder skip feature'),
    ],
    outputs: [f32('flow', ['N', 2, 'H', 'W'], 'predicted flow in pixels (the host keeps the input flow outside the mask)')],
  },
  pp_encoder: {
    stem: 'pp_encoder',
    fp16: true,
    inputs: [
      f32('frames', ['N', 3, 'H', 'W'], 'image-propagated frames, RGB in [-1, 1] (0 where still missing)'),
      f32('masks_in', ['N', 1, 'H', 'W'], 'dilated hole, 0 or 1'),
      f32('masks_updated', ['N', 1, 'H', 'W'], 'hole left after image propagation, 0 or 1'),
    ],
    outputs: [f32('feat', ['N', PP_CHANNELS, 'h4', 'w4'], 'encoded frame')],
  },
  pp_prop_backward: {
    stem: 'pp_prop_backward',
    fp16: true,
    inputs: [
      f32('feat_current', ['B', PP_CHANNELS, 'h4', 'w4'], 'encoder feature of the current frame'),
      f32('feat_prev', ['B', PP_CHANNELS, 'h4', 'w4'], 'this pass\'s output at the previous step (anything at the first step)'),
      f32('flow', ['B', 2, 'h4', 'w4'], 'flow current -> previous step\'s frame at 1/4 size, in 1/4-size pixels (warps feat_prev)'),
      f32('flow_check', ['B', 2, 'h4', 'w4'], 'the opposite flow at 1/4 size, for the forward-backward consistency check'),
      f32('masks', ['B', 2, 'h4', 'w4'], '[masks_in, masks_updated] of the current frame at 1/4 size (nearest)'),
      hasPrevious,
    ],
    outputs: [f32('feat_prop', ['B', PP_CHANNELS, 'h4', 'w4'], 'propagated feature of the current frame')],
  },
  pp_prop_forward: {
    stem: 'pp_prop_forward',
    fp16: true,
    inputs: [
      f32('feat_current', ['B', PP_CHANNELS, 'h4', 'w4'], 'backward pass output of the current frame'),
      f32('feat_prev', ['B', PP_CHANNELS, 'h4', 'w4'], 'this pass\'s output at the previous step (anything at the first step)'),
      f32('flow', ['B', 2, 'h4', 'w4'], 'flow current -> previous step\'s frame at 1/4 size, in 1/4-size pixels'),
      f32('flow_check', ['B', 2, 'h4', 'w4'], 'the opposite flow at 1/4 size'),
      f32('masks', ['B', 2, 'h4', 'w4'], '[masks_in, masks_updated] of the current frame at 1/4 size'),
      hasPrevious,
      f32('feat_encoded', ['B', PP_CHANNELS, 'h4', 'w4'], 'encoder feature of the current frame (residual of the fusion)'),
    ],
    outputs: [
      f32('feat_prop', ['B', PP_CHANNELS, 'h4', 'w4'], 'propagated feature of the current frame'),
      f32('feat_fused', ['B', PP_CHANNELS, 'h4', 'w4'], 'fuse([backward, forward, masks]) + feat_encoded'),
    ],
  },
  pp_transformer: {
    stem: 'pp_transformer',
    fp16: true,
    inputs: [
      f32('feat', ['T', PP_CHANNELS, 'h4', 'w4'], 'the window: L local frames (fused) first, then the reference frames (encoded)'),
      f32('local_masks', ['L', 1, 'h4', 'w4'], 'masks_in of the local frames at 1/4 size (nearest); L is taken from this'),
    ],
    outputs: [f32('feat_out', ['L', PP_CHANNELS, 'h4', 'w4'], 'feat + transformer output, local frames only')],
  },
  pp_decoder: {
    stem: 'pp_decoder',
    fp16: true,
    inputs: [f32('feat', ['N', PP_CHANNELS, 'h4', 'w4'], 'transformer output of a local frame')],
    outputs: [f32('frames', ['N', 3, 'H', 'W'], 'RGB in [-1, 1] (tanh)')],
  },
};

export type Precision = 'fp32' | 'fp16';

export function graphFileName(name: GraphName, precision: Precision): string {
  return precision === 'fp16' ? `${name}.fp16.onnx` : `${name}.onnx`;
}

/** Every file the contract knows, fp32 first: the fp32 set is required, fp16 files are optional. */
export function contractFiles(): { file: string; graph: GraphName; precision: Precision; required: boolean }[] {
  const out: { file: string; graph: GraphName; precision: Precision; required: boolean }[] = [];
  for (const g of GRAPH_NAMES) out.push({ file: graphFileName(g, 'fp32'), graph: g, precision: 'fp32', required: true });
  for (const g of GRAPH_NAMES) if (GRAPHS[g].fp16) out.push({ file: graphFileName(g, 'fp16'), graph: g, precision: 'fp16', required: false });
  return out;
}
