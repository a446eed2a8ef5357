/**
 * The element types a PyTorch storage can hold, as its pickled storage class names them, and the
 * conversion of raw little-endian storage bytes into the arrays the graph builder consumes: every
 * float type becomes float32, int64 stays int64. Other integer, bool and complex storages are named
 * so that a refusal can say what the file held.
 */

export type StoredDtype = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool' | 'complex64' | 'complex128';

/** torch.<Name>Storage, the classes torch.save pickles inside each storage's persistent id. */
export const STORAGE_CLASS_DTYPES: Readonly<Record<string, StoredDtype>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  ComplexFloatStorage: 'complex64',
  ComplexDoubleStorage: 'complex128',
};

export const DTYPE_BYTES: Readonly<Record<StoredDtype, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
  complex64: 8,
  complex128: 16,
};

export const FLOAT_DTYPES: ReadonlySet<StoredDtype> = new Set(['float32', 'float16', 'bfloat16', 'float64']);

/** Whether the reader can turn storages of this type into a WeightTensor (float32 or int64). */
export function isReadableDtype(dtype: StoredDtype): boolean {
  return FLOAT_DTYPES.has(dtype) || dtype === 'int64';
}

/** 2^-24: the value of the least significant bit of a float16 subnormal. */
const HALF_SUBNORMAL_STEP = 5.960464477539063e-8;

function halfToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) {
    const h = src[i]!;
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) out[i] = (sign ? -1 : 1) * mantissa * HALF_SUBNORMAL_STEP; // zero or subnormal
    else if (exponent === 31) bits[i] = (sign | 0x7f800000 | (mantissa << 13)) >>> 0; // inf or NaN
    else bits[i] = (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0; // rebias 15 -> 127
  }
  return out;
}

function bfloat16ToFloat32(src: Uint16Array): Float32Array {
  // bfloat16 is the top half of a float32.
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  return out;
}

/**
 * A storage's bytes as the array a WeightTensor holds. `bytes` must start at offset 0 of its own
 * ArrayBuffer (the reader allocates one per storage), so float32 and int64 are views, not copies;
 * the other float types are converted once and the source bytes can then be dropped.
 */
export function storageArray(bytes: Uint8Array, dtype: StoredDtype): Float32Array | BigInt64Array {
  const size = DTYPE_BYTES[dtype];
  if (bytes.byteOffset % 8 !== 0 || bytes.byteLength % size !== 0) throw new Error(`storage bytes are misaligned for ${dtype}`);
  const n = bytes.byteLength / size;
  switch (dtype) {
    case 'float32':
      return new Float32Array(bytes.buffer, bytes.byteOffset, n);
    case 'int64':
      return new BigInt64Array(bytes.buffer, bytes.byteOffset, n);
    case 'float16':
      return halfToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, n));
    case 'bfloat16':
      return bfloat16ToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, n));
    case 'float64':
      return Float32Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, n));
    default:
      throw new Error(`storages of ${dtype} are not read`);
  }
}
