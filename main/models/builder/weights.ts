/**
 * Weights as the graph builder consumes them: one state dict per network, keyed exactly as upstream's
 * modules name their parameters and buffers (RAFT's 'module.' prefix already removed), every float
 * tensor as float32. The .pth reader produces these from the official files; the tests produce them
 * from a seeded generator with the same names and shapes (official-weights.json).
 */
export interface WeightTensor {
  readonly shape: readonly number[];
  /** Row-major (C order). Float tensors are float32 here whatever the file stored; int64 buffers stay int64. */
  readonly data: Float32Array | BigInt64Array;
}

export type StateDict = ReadonlyMap<string, WeightTensor>;

/** The three networks of ProPainter v0.1.0. */
export interface ProPainterWeights {
  /** raft-things.pth (RAFT, large) */
  raft: StateDict;
  /** recurrent_flow_completion.pth (RecurrentFlowCompleteNet) */
  flowCompletion: StateDict;
  /** ProPainter.pth (InpaintGenerator) */
  generator: StateDict;
}

export type NetworkName = keyof ProPainterWeights;

/**
 * The weights lack a tensor the architecture needs, or hold it in another shape: the files are not
 * ProPainter v0.1.0's (the manager's structural check normally refuses those before a build).
 */
export class WeightsMismatchError extends Error {}

/** A float tensor of a state dict, or a clear error naming the key (a builder bug or a wrong file). */
export function floatTensor(sd: StateDict, key: string, shape?: readonly number[]): { shape: readonly number[]; data: Float32Array } {
  const t = sd.get(key);
  if (!t) throw new WeightsMismatchError(`no tensor ${key}`);
  if (!(t.data instanceof Float32Array)) throw new WeightsMismatchError(`${key} is not a float tensor`);
  if (shape && (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i])))
    throw new WeightsMismatchError(`${key} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  return { shape: t.shape, data: t.data };
}
