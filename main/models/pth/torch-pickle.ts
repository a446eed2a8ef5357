/**
 * Unpickling what torch.save writes, with pickleparser and only the few torch hooks a state dict
 * needs: collections.OrderedDict, the torch.<Type>Storage classes named in persistent ids, and the
 * tensor rebuild functions (torch._utils._rebuild_tensor_v2, the older _rebuild_tensor, and
 * _rebuild_parameter for nn.Parameter). Nothing in the file runs: every other global becomes an
 * inert `Opaque` value that only carries its name, so a model pickled whole, a sparse tensor or a
 * malicious pickle is described and refused, never executed.
 *
 * Storages are not read here: a persistent id becomes a `StorageView` (key, element type, size), a
 * tensor a `TensorRef` into it. The format readers (zip, legacy) map keys to bytes afterwards.
 */
import { BufferReader, Parser } from 'pickleparser';
import { DTYPE_BYTES, STORAGE_CLASS_DTYPES, type StoredDtype } from './dtypes';

/** A storage as the file stores it: one record of `numel` elements. Shared by every tensor that uses it. */
export interface StorageRecord {
  key: string;
  dtype: StoredDtype;
  numel: number;
}

/** The part of a storage a tensor's offsets count from (legacy files could pickle views of a storage). */
export interface StorageView {
  record: StorageRecord;
  /** In elements, from the start of the record. */
  offset: number;
  numel: number;
}

export class TensorRef {
  constructor(
    readonly storage: StorageView,
    /** In elements, from the start of the view. */
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** Any global the pickle names that is not one of the hooks: kept as a name, never called. */
export class Opaque {
  constructor(readonly name: string) {}
}

/** Thrown for a pickle that is well-formed but not what torch.save writes for a state dict. */
export class PickleContentError extends Error {}

class StorageClass {
  constructor(
    readonly className: string,
    readonly dtype: StoredDtype | null,
  ) {}
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function rebuildTensor(storage: unknown, offset: unknown, size: unknown, stride: unknown): TensorRef {
  if (!(storage && typeof storage === 'object' && 'record' in storage)) throw new PickleContentError('a tensor is rebuilt from something that is not a storage');
  if (!isCount(offset) || !Array.isArray(size) || !size.every(isCount) || !Array.isArray(stride) || !stride.every(isInt) || size.length !== stride.length)
    throw new PickleContentError('a tensor has an invalid offset, size or stride');
  return new TensorRef(storage as StorageView, offset, size as number[], stride as number[]);
}

/** GLOBAL module.name -> what the pickle gets on its stack. */
function hooks(): Map<string, (...args: unknown[]) => unknown> {
  const h = new Map<string, (...args: unknown[]) => unknown>();
  h.set('collections.OrderedDict', (items?: unknown) => {
    const dict = new Map<unknown, unknown>();
    // Protocols 0 and 1 pass the items as a list of pairs; protocol 2 sets them afterwards (SETITEMS).
    if (Array.isArray(items)) for (const pair of items) if (Array.isArray(pair) && pair.length === 2) dict.set(pair[0], pair[1]);
    return dict;
  });
  // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  h.set('torch._utils._rebuild_tensor_v2', (storage, offset, size, stride) => rebuildTensor(storage, offset, size, stride));
  h.set('torch._utils._rebuild_tensor', (storage, offset, size, stride) => rebuildTensor(storage, offset, size, stride));
  // nn.Parameter(data, requires_grad, backward_hooks[, state]): the data is the tensor.
  const parameter = (data: unknown) => {
    if (!(data instanceof TensorRef)) throw new PickleContentError('a parameter wraps something that is not a tensor');
    return data;
  };
  h.set('torch._utils._rebuild_parameter', parameter);
  h.set('torch._utils._rebuild_parameter_with_state', parameter);
  return h;
}

export interface UnpickledCheckpoint {
  root: unknown;
  /** Every storage record the pickle refers to, by key, in order of first reference. */
  records: Map<string, StorageRecord>;
}

/**
 * Parses one pickle of a checkpoint starting at `start` of `bytes`; returns the value and the offset
 * just past its STOP opcode. `records` collects storages across calls (the legacy format resolves
 * keys in a later pickle).
 */
export function unpickle(bytes: Uint8Array, start: number, records: Map<string, StorageRecord>): { value: unknown; end: number } {
  const calls = hooks();
  const parser = new Parser({
    unpicklingTypeOfDictionary: 'Map',
    unpicklingTypeOfSet: 'array',
    nameResolver: {
      resolve(module: string, name: string) {
        if (module === 'torch' && name in STORAGE_CLASS_DTYPES) return new StorageClass(name, STORAGE_CLASS_DTYPES[name]!) as never;
        if (module === 'torch' && name.endsWith('Storage')) return new StorageClass(name, null) as never;
        const hook = calls.get(`${module}.${name}`);
        if (hook) return hook;
        const opaque = new Opaque(`${module}.${name}`);
        // Called (REDUCE) or constructed (NEWOBJ), it stays the same inert value.
        return function opaqueGlobal() {
          return opaque;
        };
      },
    },
    persistentResolver: {
      resolve(pid: unknown) {
        // zip: ('storage', StorageClass, key, location, numel)
        // legacy: ('storage', StorageClass, root_key, location, numel, view_metadata | None)
        if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) throw new PickleContentError('it refers to an external object that is not a tensor storage');
        const [, cls, key, , numel, view] = pid as unknown[];
        if (!(cls instanceof StorageClass)) throw new PickleContentError('a storage has no storage type');
        if (cls.dtype === null) throw new PickleContentError(`it holds a torch.${cls.className}, which Cleanplate does not read`);
        if (typeof key !== 'string' || !isCount(numel)) throw new PickleContentError('a storage has an invalid key or size');
        let record = records.get(key);
        if (!record) records.set(key, (record = { key, dtype: cls.dtype, numel }));
        else if (record.dtype !== cls.dtype || record.numel !== numel) throw new PickleContentError(`storage ${key} is referred to with two different types or sizes`);
        if (view === undefined || view === null) return { record, offset: 0, numel } satisfies StorageView;
        const [, viewOffset, viewBytes] = Array.isArray(view) ? view : [];
        const elementSize = DTYPE_BYTES[record.dtype];
        if (!isCount(viewOffset) || !isCount(viewBytes) || viewBytes % elementSize !== 0 || viewOffset + viewBytes / elementSize > numel)
          throw new PickleContentError(`a view of storage ${key} lies outside it`);
        return { record, offset: viewOffset, numel: viewBytes / elementSize } satisfies StorageView;
      },
    },
  });
  const reader = new BufferReader(bytes.subarray(start));
  const value = parser.read(reader);
  return { value, end: start + reader.position };
}

/** A key of the state dict and what the file holds there. */
export type CheckpointEntry =
  | {
      kind: 'tensor';
      key: string;
      dtype: StoredDtype;
      shape: number[];
      stride: number[];
      storage: StorageView;
      /** In elements, from the start of the storage view. */
      offset: number;
      numel: number;
      contiguous: boolean;
    }
  | { kind: 'other'; key: string; what: string };

/** A phrase for a value that is not a tensor, for the one-line refusal. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v instanceof Opaque) return `a ${v.name} object`;
  if (v instanceof Map) return 'a dictionary';
  if (Array.isArray(v)) return 'a list or tuple';
  if (v instanceof Uint8Array) return 'raw bytes';
  if (typeof v === 'number' || typeof v === 'bigint') return `the number ${String(v)}`;
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  return 'an unknown value';
}

/** Row-major (C order) contiguity, as torch's is_contiguous: dimensions of size 1 may have any stride. */
export function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  if (shape.some((d) => d === 0)) return true;
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}

const MAX_DEPTH = 16;

/**
 * The state dict's entries in file order, nested dictionaries flattened with '.' (as torch names
 * submodules). The root must be a dictionary; anything else is a PickleContentError.
 */
export function stateDictEntries(root: unknown): CheckpointEntry[] {
  if (!(root instanceof Map)) {
    if (root instanceof Opaque) throw new PickleContentError(`it holds a whole pickled object (${root.name}), not a state dict of tensors`);
    throw new PickleContentError(`it holds ${describeValue(root)}, not a state dict of tensors`);
  }
  const out: CheckpointEntry[] = [];
  const walk = (dict: Map<unknown, unknown>, prefix: string, depth: number) => {
    if (depth > MAX_DEPTH) throw new PickleContentError('its dictionaries are nested too deeply');
    for (const [k, v] of dict) {
      const key = `${prefix}${String(k)}`;
      if (v instanceof Map) walk(v, `${key}.`, depth + 1);
      else if (v instanceof TensorRef) {
        const numel = v.shape.reduce((a, b) => a * b, 1);
        const { storage } = v;
        const last = v.offset + v.shape.reduce((sum, d, i) => sum + (d - 1) * v.stride[i]!, 0);
        if (numel > 0 && (last >= storage.numel || v.stride.some((s) => s < 0))) throw new PickleContentError(`tensor ${key} reaches past the end of its storage`);
        out.push({ kind: 'tensor', key, dtype: storage.record.dtype, shape: v.shape, stride: v.stride, storage, offset: v.offset, numel, contiguous: isContiguous(v.shape, v.stride) });
      } else out.push({ kind: 'other', key, what: describeValue(v) });
    }
  };
  walk(root, '', 0);
  return out;
}
