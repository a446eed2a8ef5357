/**
 * NumPy's .npy format (version 1.0, little-endian, C order), enough to exchange tensors with the
 * PyTorch reference scripts under models/parity: float32, float16 (read as float32), int64 and bool.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface NpyArray {
  shape: number[];
  data: Float32Array | BigInt64Array | Uint8Array;
  dtype: 'float32' | 'int64' | 'bool';
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

export function parseNpy(bytes: Uint8Array): NpyArray {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buf.subarray(0, 6).equals(MAGIC)) throw new Error('not a .npy file');
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error('.npy in Fortran order is not supported');
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '';
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const body = buf.subarray(start + headerLen);
  const count = shape.reduce((a, b) => a * b, 1);
  const copy = (bytesPer: number) => {
    const out = new Uint8Array(count * bytesPer);
    out.set(body.subarray(0, count * bytesPer));
    return out.buffer;
  };
  switch (descr) {
    case '<f4':
      return { shape, dtype: 'float32', data: new Float32Array(copy(4)) };
    case '<f2': {
      const half = new Uint16Array(copy(2));
      return { shape, dtype: 'float32', data: Float32Array.from(half, halfToFloat) };
    }
    case '<i8':
      return { shape, dtype: 'int64', data: new BigInt64Array(copy(8)) };
    case '|b1':
      return { shape, dtype: 'bool', data: new Uint8Array(copy(1)) };
    default:
      throw new Error(`.npy dtype ${descr} is not supported`);
  }
}

export function readNpy(file: string): NpyArray {
  return parseNpy(readFileSync(file));
}

export function encodeNpy(array: NpyArray): Uint8Array {
  const descr = { float32: '<f4', int64: '<i8', bool: '|b1' }[array.dtype];
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // the data starts at a multiple of 64 bytes, the header ends with a newline
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  MAGIC.copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.from(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

export function writeNpy(file: string, array: NpyArray): void {
  writeFileSync(file, encodeNpy(array));
}
