/**
 * What each of ProPainter's three release files must hold (official-weights.json: every tensor's
 * key as stored, shape and dtype), and the structural check of a checkpoint against it. No checksum
 * is published for the release files, so this check is what tells the real file from a wrong,
 * truncated or swapped one.
 *
 * Dtypes: the layout says "float32" for parameters and "int64" for integer buffers (BatchNorm's
 * num_batches_tracked, the attention's rolled-key indices). A float parameter may be stored in any
 * float precision (float16, bfloat16, float32, float64): the graph builder consumes float32 and the
 * reader converts, so a half-precision copy of the same network is the same network, only rounded.
 * An int64 buffer must be int64: those are indices, and any other type means another file.
 */
import { z } from 'zod';
import type { NetworkName } from '../builder/weights';
import { FLOAT_DTYPES, type CheckpointEntry } from '../pth';
import officialWeightsJson from './official-weights.json';

export const NETWORK_NAMES = ['raft', 'flowCompletion', 'generator'] as const satisfies readonly NetworkName[];

export const WeightsLayoutSchema = z.object({
  file: z.string().regex(/^[A-Za-z0-9_.-]+\.pth$/, 'weight files are <name>.pth'),
  network: z.enum(NETWORK_NAMES),
  /** Prefix every stored key has and the builder's keys do not (RAFT was saved through DataParallel). */
  keyPrefix: z.string(),
  tensors: z.array(z.tuple([z.string().min(1), z.array(z.number().int().nonnegative()), z.enum(['float32', 'int64'])])).min(1),
});

export type WeightsLayout = z.infer<typeof WeightsLayoutSchema>;
export type LayoutDtype = WeightsLayout['tensors'][number][2];

const official: readonly WeightsLayout[] = z.object({ files: z.array(WeightsLayoutSchema).length(3) }).parse(officialWeightsJson).files;

/** The three release files of ProPainter v0.1.0, in the order raft, flow completion, generator. */
export function officialLayouts(): readonly WeightsLayout[] {
  return official;
}

export function officialLayout(file: string): WeightsLayout | null {
  return official.find((l) => l.file === file) ?? null;
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** "(it holds the tensors of ProPainter.pth: ...)" when the entries are exactly another file's. */
function swappedHint(entries: CheckpointEntry[], layout: WeightsLayout, others: readonly WeightsLayout[]): string {
  const keys = new Set(entries.map((e) => e.key));
  const match = others.find((o) => o.file !== layout.file && o.tensors.length === keys.size && o.tensors.every(([k]) => keys.has(k)));
  return match ? ` (it holds the tensors of ${match.file}: the files were swapped or renamed)` : '';
}

/**
 * The first way `entries` differ from `layout`, as a phrase that follows the file's name
 * ("has no tensor fnet.conv1.weight"), or null when they match. Layout order first, then extras.
 */
export function firstMismatch(entries: CheckpointEntry[], layout: WeightsLayout, others: readonly WeightsLayout[] = []): string | null {
  const byKey = new Map(entries.map((e) => [e.key, e]));
  for (const [key, shape, dtype] of layout.tensors) {
    const e = byKey.get(key);
    if (!e) return `has no tensor ${key}${swappedHint(entries, layout, others)}`;
    if (e.kind === 'other') return `holds ${e.what} at ${key}, not a tensor`;
    if (!sameShape(e.shape, shape)) return `has ${key} of shape ${shapeText(e.shape)}, expected ${shapeText(shape)}`;
    if (dtype === 'int64' && e.dtype !== 'int64') return `stores ${key} as ${e.dtype}, expected int64`;
    if (dtype === 'float32' && !FLOAT_DTYPES.has(e.dtype)) return `stores ${key} as ${e.dtype}, expected a float tensor`;
    if (!e.contiguous) return `stores ${key} with strides ${shapeText(e.stride)} (not contiguous)`;
  }
  const expected = new Set(layout.tensors.map(([k]) => k));
  const extra = entries.find((e) => !expected.has(e.key));
  if (extra) return extra.kind === 'tensor' ? `has an unexpected tensor ${extra.key}` : `has an unexpected entry ${extra.key} (${extra.what})`;
  return null;
}

