/**
 * A PyTorch checkpoint (.pth) opened for reading: its state dict's entries (names, shapes, stored
 * types) come from the pickle alone, cheaply; the tensors' bytes are read only when asked, storage
 * by storage, into the arrays the graph builder consumes (one copy of the weights in memory).
 *
 *   const ckpt = await openCheckpoint(file);   // CheckpointError (one line, naming the file) if it is not one
 *   ckpt.entries                                // [{ kind: 'tensor', key, dtype, shape, ... } | { kind: 'other', ... }]
 *   await ckpt.checkIntegrity()                 // reads every storage once (CRC-32 in zip files), keeps nothing
 *   const sd = await ckpt.readStateDict()       // Map<key, { shape, data: Float32Array | BigInt64Array }>
 *   await ckpt.close()
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { StateDict, WeightTensor } from '../builder/weights';
import { isReadableDtype, storageArray, type StoredDtype } from './dtypes';
import { CheckpointError, type OpenedFormat } from './format';
import { looksLikeLegacyCheckpoint, openLegacyCheckpoint } from './legacy-format';
import { PickleContentError, stateDictEntries, type CheckpointEntry, type StorageRecord } from './torch-pickle';
import { openZipCheckpoint } from './zip-format';

export { CheckpointError } from './format';
export type { CheckpointEntry } from './torch-pickle';
export { FLOAT_DTYPES, type StoredDtype } from './dtypes';

export interface Checkpoint {
  file: string;
  format: 'zip' | 'legacy';
  entries: CheckpointEntry[];
  checkIntegrity(signal?: AbortSignal): Promise<void>;
  /** Float tensors as float32 whatever they were stored as, int64 as BigInt64Array; refuses anything else. */
  readStateDict(opts?: { signal?: AbortSignal; stripPrefix?: string }): Promise<StateDict>;
  close(): Promise<void>;
}

const textStart = (head: Uint8Array) => new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(0, 64)).trimStart().toLowerCase();

/** Why a file that is not a checkpoint is not one, in words a person recognises. */
function notACheckpoint(name: string, head: Uint8Array, size: number): CheckpointError {
  if (size === 0) return new CheckpointError(`${name} is empty`);
  const text = textStart(head);
  if (text.startsWith('<!doctype html') || text.startsWith('<html') || text.startsWith('<?xml') || text.startsWith('<'))
    return new CheckpointError(`${name} is a web page, not a PyTorch checkpoint (the server sent an error or sign-in page instead of the file)`);
  if (size > 262 && new TextDecoder('latin1').decode(head.subarray(257, 262)) === 'ustar')
    return new CheckpointError(`${name} uses PyTorch's oldest (tar) checkpoint format, which Cleanplate does not read`);
  if (head[0] === 0x08) return new CheckpointError(`${name} is an ONNX model, not a PyTorch checkpoint`);
  return new CheckpointError(`${name} is not a PyTorch checkpoint (neither a zip archive nor a legacy torch.save file)`);
}

function checkReadable(name: string, entries: CheckpointEntry[]): void {
  for (const e of entries) {
    if (e.kind === 'other') throw new CheckpointError(`${name} holds ${e.what} at ${e.key}, not a tensor`);
    if (!isReadableDtype(e.dtype)) throw new CheckpointError(`${name} stores ${e.key} as ${e.dtype}; Cleanplate reads float and int64 tensors only`);
    if (!e.contiguous) throw new CheckpointError(`${name} stores ${e.key} with strides [${e.stride.join(', ')}] for shape [${e.shape.join(', ')}] (not contiguous); save it with .contiguous() first`);
  }
}

class OpenCheckpoint implements Checkpoint {
  constructor(
    readonly file: string,
    private readonly name: string,
    private readonly opened: OpenedFormat,
    readonly entries: CheckpointEntry[],
  ) {}

  get format() {
    return this.opened.format;
  }

  async checkIntegrity(signal?: AbortSignal): Promise<void> {
    for (const record of this.opened.records.values()) {
      signal?.throwIfAborted();
      await this.opened.readStorage(record);
    }
  }

  async readStateDict(opts: { signal?: AbortSignal; stripPrefix?: string } = {}): Promise<StateDict> {
    checkReadable(this.name, this.entries);
    const tensors = this.entries.filter((e): e is Extract<CheckpointEntry, { kind: 'tensor' }> => e.kind === 'tensor');
    // Each storage is read (and converted) once; tensors that share it are views into that array.
    const arrays = new Map<StorageRecord, Float32Array | BigInt64Array>();
    for (const t of tensors) {
      const record = t.storage.record;
      if (!arrays.has(record) && t.numel > 0) {
        opts.signal?.throwIfAborted();
        arrays.set(record, storageArray(await this.opened.readStorage(record), record.dtype));
      }
    }
    const prefix = opts.stripPrefix ?? '';
    const out = new Map<string, WeightTensor>();
    for (const t of tensors) {
      const key = prefix && t.key.startsWith(prefix) ? t.key.slice(prefix.length) : t.key;
      const start = t.storage.offset + t.offset;
      const whole = arrays.get(t.storage.record);
      const data = t.numel === 0 || !whole ? (t.dtype === 'int64' ? new BigInt64Array(0) : new Float32Array(0)) : whole.subarray(start, start + t.numel);
      out.set(key, { shape: t.shape, data });
    }
    return out;
  }

  close(): Promise<void> {
    return this.opened.close();
  }
}

/**
 * Opens a .pth file and reads its pickle; throws a CheckpointError whose message starts with
 * `name` (default: the file's base name; a download passes the name the file will have).
 */
export async function openCheckpoint(file: string, opts: { name?: string } = {}): Promise<Checkpoint> {
  const name = opts.name ?? path.basename(file);
  let size: number;
  const head = new Uint8Array(512);
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new CheckpointError(`${name} is not a file`);
    size = st.size;
    const fh = await open(file, 'r');
    try {
      await fh.read(head, 0, head.length, 0);
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new CheckpointError(code === 'ENOENT' ? `${name} does not exist` : `${name} cannot be read (${code ?? (err as Error).message})`);
  }
  let opened: OpenedFormat;
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) opened = await openZipCheckpoint(file, name);
  else if (looksLikeLegacyCheckpoint(head)) opened = await openLegacyCheckpoint(file, name, size);
  else throw notACheckpoint(name, head, size);
  try {
    return new OpenCheckpoint(file, name, opened, stateDictEntries(opened.root));
  } catch (err) {
    await opened.close();
    if (err instanceof PickleContentError) throw new CheckpointError(`${name} is not a state dict: ${err.message}`);
    throw err;
  }
}

/** Reads a whole .pth file as a state dict (see Checkpoint.readStateDict). */
export async function readStateDict(file: string, opts: { signal?: AbortSignal; stripPrefix?: string } = {}): Promise<StateDict> {
  const ckpt = await openCheckpoint(file);
  try {
    return await ckpt.readStateDict(opts);
  } finally {
    await ckpt.close();
  }
}

