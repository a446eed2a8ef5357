/**
 * torch.save's legacy format (before PyTorch 1.6, and `_use_new_zipfile_serialization=False`
 * since): five pickles back to back — a magic number, the protocol version (1001), system info
 * (byte order), the object with storages as persistent ids, the list of storage keys — followed by
 * each storage in that order as an int64 element count and the raw little-endian elements. There is
 * no checksum; the reader checks that every storage is where the pickles say and that the data
 * fills the file exactly, which catches truncation.
 */
import { open } from 'node:fs/promises';
import { DTYPE_BYTES } from './dtypes';
import { CheckpointError, type OpenedFormat } from './format';
import { PickleContentError, unpickle, type StorageRecord } from './torch-pickle';

/** LONG1 with 10 bytes: 0x1950a86a20f9469cfc6c, torch's magic number, little-endian. */
const MAGIC_LONG1 = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
const PROTOCOL_VERSION = 1001;
const FIRST_WINDOW = 1 << 20;
/** The pickles of the largest release file take about 30 KB; a header beyond this is not a state dict. */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/** Where the magic-number pickle ends, or -1 when the bytes do not start with it. */
function magicEnd(head: Uint8Array): number {
  let pos = 0;
  if (head[pos] === 0x80) pos += 2; // PROTO n
  if (head[pos] === 0x95) pos += 9; // FRAME (protocol 4+)
  for (let i = 0; i < MAGIC_LONG1.length; i++) if (head[pos + i] !== MAGIC_LONG1[i]) return -1;
  pos += MAGIC_LONG1.length;
  return head[pos] === 0x2e ? pos + 1 : -1; // STOP
}

export function looksLikeLegacyCheckpoint(head: Uint8Array): boolean {
  return magicEnd(head) > 0;
}

interface Header {
  root: unknown;
  records: Map<string, StorageRecord>;
  keys: string[];
  dataStart: number;
}

function parseHeader(name: string, head: Uint8Array): Header {
  let pos = magicEnd(head);
  const next = (records: Map<string, StorageRecord>) => {
    const { value, end } = unpickle(head, pos, records);
    pos = end;
    return value;
  };
  const none = new Map<string, StorageRecord>();
  const version = next(none);
  if (version !== PROTOCOL_VERSION) throw new CheckpointError(`${name} uses legacy format version ${String(version)}, which Cleanplate does not read (expected ${PROTOCOL_VERSION})`);
  const sysInfo = next(none);
  if (sysInfo instanceof Map && sysInfo.get('little_endian') === false)
    throw new CheckpointError(`${name} stores its tensors big-endian; Cleanplate reads little-endian checkpoints only (save it again on a little-endian machine)`);
  const records = new Map<string, StorageRecord>();
  const root = next(records);
  const keys = next(none);
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw new CheckpointError(`${name} is damaged: its list of storages is not a list of keys`);
  return { root, records, keys, dataStart: pos };
}

export async function openLegacyCheckpoint(file: string, name: string, size: number): Promise<OpenedFormat> {
  const fh = await open(file, 'r');
  try {
    // The pickles come first; read a window and widen it until they all fit.
    let header: Header | null = null;
    for (let window = Math.min(size, FIRST_WINDOW); header === null; window = Math.min(size, window * 4)) {
      const head = new Uint8Array(window);
      await fh.read(head, 0, window, 0);
      try {
        header = parseHeader(name, head);
      } catch (err) {
        if (err instanceof CheckpointError) throw err;
        if (err instanceof PickleContentError) throw new CheckpointError(`${name} is not a state dict: ${err.message}`);
        if (window >= size) throw new CheckpointError(`${name} is incomplete or damaged: its pickles cannot be read (${(err as Error).message})`);
        if (window >= MAX_HEADER_BYTES) throw new CheckpointError(`${name} is not a state dict (its pickles do not end in the first ${MAX_HEADER_BYTES >> 20} MB)`);
      }
    }

    const { root, records, keys } = header;
    const where = new Map<string, number>(); // key -> offset of the storage's first element
    let pos = header.dataStart;
    const count = Buffer.alloc(8);
    for (const key of keys) {
      const record = records.get(key);
      if (!record) throw new CheckpointError(`${name} is damaged: storage ${key} is listed but no tensor uses it`);
      const { bytesRead } = await fh.read(count, 0, 8, pos);
      if (bytesRead !== 8) throw new CheckpointError(`${name} is incomplete: it ends before storage ${key} (was the download cut short?)`);
      const numel = count.readBigInt64LE(0);
      if (numel !== BigInt(record.numel)) throw new CheckpointError(`${name} is damaged: storage ${key} holds ${numel} elements, expected ${record.numel}`);
      where.set(key, pos + 8);
      pos += 8 + record.numel * DTYPE_BYTES[record.dtype];
      if (pos > size) throw new CheckpointError(`${name} is incomplete: storage ${key} ends ${pos - size} bytes past the end of the file (was the download cut short?)`);
    }
    for (const key of records.keys()) if (!where.has(key)) throw new CheckpointError(`${name} is damaged: storage ${key} is used but not stored`);
    if (pos !== size) throw new CheckpointError(`${name} is damaged: ${size - pos} unexpected bytes follow its last storage`);

    return {
      format: 'legacy',
      root,
      records,
      async readStorage(record) {
        const out = new Uint8Array(new ArrayBuffer(record.numel * DTYPE_BYTES[record.dtype]));
        const { bytesRead } = await fh.read(out, 0, out.byteLength, where.get(record.key)!);
        if (bytesRead !== out.byteLength) throw new CheckpointError(`${name} is incomplete: storage ${record.key} ends early`);
        return out;
      },
      close: () => fh.close(),
    };
  } catch (err) {
    await fh.close();
    throw err;
  }
}
