/**
 * Checking a .pth file against the layout it must have, and reading the three networks' weights
 * for the graph builder. Every refusal is one line that starts with the file's name and says the
 * first mismatch; callers add what to do about it.
 */
import type { NetworkName, ProPainterWeights, StateDict } from '../builder/weights';
import { CheckpointError, openCheckpoint, type Checkpoint } from '../pth';
import { firstMismatch, NETWORK_NAMES, officialLayouts, type WeightsLayout } from './layout';

export interface WeightsCheckOptions {
  /** The name messages use (a download checks `<file>.partial` under its final name). */
  name?: string;
  /** Also read every storage once (CRC-32 of zip entries): catches damage the pickle cannot show. */
  integrity?: boolean;
  /** Layouts of the sibling files, to say when a file is another one renamed (default: the official three). */
  others?: readonly WeightsLayout[];
  signal?: AbortSignal;
}

async function withCheckpoint<T>(file: string, name: string | undefined, use: (c: Checkpoint) => Promise<T>): Promise<T> {
  const ckpt = await openCheckpoint(file, { name });
  try {
    return await use(ckpt);
  } finally {
    await ckpt.close();
  }
}

/** Null when the file has exactly the layout's tensors, else the one-line problem. */
export async function checkWeightsFile(file: string, layout: WeightsLayout, opts: WeightsCheckOptions = {}): Promise<string | null> {
  const name = opts.name ?? layout.file;
  try {
    return await withCheckpoint(file, name, async (ckpt) => {
      const mismatch = firstMismatch(ckpt.entries, layout, opts.others ?? officialLayouts());
      if (mismatch) return `${name} ${mismatch}`;
      if (opts.integrity) await ckpt.checkIntegrity(opts.signal);
      return null;
    });
  } catch (err) {
    if (err instanceof CheckpointError) return err.message;
    throw err;
  }
}

/** One network's state dict, keys without the layout's prefix; CheckpointError when the file does not match. */
export async function readNetworkWeights(file: string, layout: WeightsLayout, opts: { signal?: AbortSignal } = {}): Promise<StateDict> {
  return withCheckpoint(file, layout.file, async (ckpt) => {
    const mismatch = firstMismatch(ckpt.entries, layout, officialLayouts());
    if (mismatch) throw new CheckpointError(`${layout.file} ${mismatch}`);
    return ckpt.readStateDict({ signal: opts.signal, stripPrefix: layout.keyPrefix });
  });
}

/** The three networks, read one file at a time (peak memory: the weights once, plus one storage being converted). */
export async function readProPainterWeights(files: { path: string; layout: WeightsLayout }[], opts: { signal?: AbortSignal } = {}): Promise<ProPainterWeights> {
  const out: Partial<Record<NetworkName, StateDict>> = {};
  for (const { path, layout } of files) out[layout.network] = await readNetworkWeights(path, layout, opts);
  const missing = NETWORK_NAMES.find((n) => !out[n]);
  if (missing) throw new CheckpointError(`no weights file for the ${missing} network`);
  return out as ProPainterWeights;
}
