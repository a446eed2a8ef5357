/**
 * torch.save's zip format (PyTorch 1.6 and later): a zip archive whose entries sit under one folder
 * named after the file, `<name>/data.pkl` (the pickle), `<name>/data/<key>` (one raw storage per
 * key, little-endian, stored uncompressed and 64-byte aligned), `<name>/version` and, from PyTorch
 * 2.1, `<name>/byteorder`. yauzl reads the central directory and the local headers; the storage
 * bytes are read straight from the file into the buffer that will hold the tensor, and checked
 * against the zip's CRC-32.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { DTYPE_BYTES } from './dtypes';
import { CheckpointError, type OpenedFormat } from './format';
import { PickleContentError, unpickle, type StorageRecord } from './torch-pickle';

/** data.pkl of the largest release file is about 30 KB; anything near this is not a state dict. */
const MAX_PICKLE_BYTES = 64 * 1024 * 1024;

function describeZipError(name: string, err: Error): CheckpointError {
  const msg = err.message;
  if (/end of central directory record signature not found|unexpected EOF|EOF/i.test(msg))
    return new CheckpointError(`${name} is incomplete: its zip archive ends early (was the download cut short?)`);
  return new CheckpointError(`${name} is a damaged zip archive (${msg})`);
}

export async function openZipCheckpoint(file: string, name: string): Promise<OpenedFormat> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, { autoClose: false, lazyEntries: true, strictFileNames: true });
  } catch (err) {
    throw describeZipError(name, err as Error);
  }
  let fh: FileHandle | null = null;
  const close = async () => {
    zip.close();
    await fh?.close();
  };
  try {
    const entries = new Map<string, yauzl.Entry>();
    try {
      for await (const entry of zip.eachEntry()) entries.set(entry.fileName, entry);
    } catch (err) {
      throw describeZipError(name, err as Error);
    }
    const pickles = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (pickles.length !== 1) throw new CheckpointError(`${name} is a zip archive but not a PyTorch checkpoint (${pickles.length ? 'it holds several' : 'it has no'} data.pkl)`);
    const prefix = pickles[0]!.slice(0, -'data.pkl'.length);
    fh = await open(file, 'r');
    const handle = fh;

    const readEntry = async (entry: yauzl.Entry, into?: Uint8Array): Promise<Uint8Array> => {
      const out = into ?? new Uint8Array(new ArrayBuffer(entry.uncompressedSize));
      if (entry.isEncrypted()) throw new CheckpointError(`${name} holds an encrypted zip entry (${entry.fileName})`);
      try {
        if (entry.compressionMethod === 0) {
          const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
          const { bytesRead } = await handle.read(out, 0, out.byteLength, fileDataStart);
          if (bytesRead !== out.byteLength) throw new CheckpointError(`${name} is incomplete: ${entry.fileName} ends early`);
        } else {
          // torch.save never compresses, but a checkpoint re-zipped by hand may be deflated.
          let at = 0;
          for await (const chunk of await zip.openReadStreamPromise(entry)) {
            out.set(chunk as Buffer, at);
            at += (chunk as Buffer).length;
          }
        }
      } catch (err) {
        if (err instanceof CheckpointError) throw err;
        throw describeZipError(name, err as Error);
      }
      if (crc32(out) >>> 0 !== entry.crc32 >>> 0) throw new CheckpointError(`${name} is damaged: ${entry.fileName} fails its CRC-32 check`);
      return out;
    };

    const byteorder = entries.get(`${prefix}byteorder`);
    if (byteorder) {
      const order = new TextDecoder().decode(await readEntry(byteorder)).trim();
      if (order !== 'little') throw new CheckpointError(`${name} stores its tensors ${order}-endian; Cleanplate reads little-endian checkpoints only (save it again on a little-endian machine)`);
    }
    const pickleEntry = entries.get(pickles[0]!)!;
    if (pickleEntry.uncompressedSize > MAX_PICKLE_BYTES) throw new CheckpointError(`${name} is not a state dict (its pickle is ${pickleEntry.uncompressedSize} bytes)`);
    const records = new Map<string, StorageRecord>();
    let root: unknown;
    try {
      root = unpickle(await readEntry(pickleEntry), 0, records).value;
    } catch (err) {
      if (err instanceof CheckpointError) throw err;
      if (err instanceof PickleContentError) throw new CheckpointError(`${name} is not a state dict: ${err.message}`);
      throw new CheckpointError(`${name} is damaged: its pickle cannot be read (${(err as Error).message})`);
    }
    for (const record of records.values()) {
      const entry = entries.get(`${prefix}data/${record.key}`);
      if (!entry) throw new CheckpointError(`${name} is damaged: storage ${record.key} is missing from the archive`);
      const bytes = record.numel * DTYPE_BYTES[record.dtype];
      if (entry.uncompressedSize !== bytes) throw new CheckpointError(`${name} is damaged: storage ${record.key} holds ${entry.uncompressedSize} bytes, expected ${bytes}`);
    }
    return {
      format: 'zip',
      root,
      records,
      readStorage: (record) => readEntry(entries.get(`${prefix}data/${record.key}`)!),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
