/**
 * Checking model files against a manifest: present, complete (size), intact (sha256) and actually
 * ONNX. Each problem is one line naming the file and what to do.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ModelFile, ModelManifest } from './manifest';

export type FileState = 'ok' | 'missing' | 'partial' | 'corrupt';

export interface FileCheck {
  file: string;
  required: boolean;
  state: FileState;
  sizeBytes: number | null;
  expectedBytes: number | null;
  /** As the manifest records it. */
  sha256: string | null;
  /** One line for a person, null when the file is fine. */
  problem: string | null;
}

export function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * An ONNX file is a serialised ModelProto, whose first field is ir_version (field 1, varint): the
 * first byte is 0x08 and the version a small number. Cheap, and catches HTML error pages, text,
 * PyTorch checkpoints (zip) and truncated-to-nothing files.
 */
export async function looksLikeOnnx(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x08 && head[1]! >= 3 && head[1]! <= 20;
  } finally {
    await fh.close();
  }
}

/** Required files are the fp32 set; fp16 files are optional extras. */
export function isRequired(entry: ModelFile): boolean {
  return entry.precision === 'fp32';
}

export async function checkModelFile(dir: string, entry: ModelFile, opts: { hash: boolean; signal?: AbortSignal }): Promise<FileCheck> {
  const file = path.join(dir, entry.file);
  const base = { file: entry.file, required: isRequired(entry), expectedBytes: entry.size, sha256: entry.sha256 };
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) return { ...base, state: 'corrupt', sizeBytes: null, problem: `${entry.file} in ${dir} is not a file; remove it and download or import the models again` };
    size = st.size;
  } catch {
    return { ...base, state: 'missing', sizeBytes: null, problem: `${entry.file} is missing from ${dir}; download or import the models` };
  }
  if (entry.size !== null && size < entry.size)
    return { ...base, state: 'partial', sizeBytes: size, problem: `${entry.file} is incomplete (${formatBytes(size)} of ${formatBytes(entry.size)}); download it again to resume` };
  if (entry.size !== null && size > entry.size)
    return { ...base, state: 'corrupt', sizeBytes: size, problem: `${entry.file} has the wrong size (${formatBytes(size)}, expected ${formatBytes(entry.size)}); download or import it again` };
  if (!(await looksLikeOnnx(file)))
    return { ...base, state: 'corrupt', sizeBytes: size, problem: `${entry.file} is not an ONNX file; build them again from the weights (Download models… in the app, or: cleanplate models download)` };
  if (opts.hash && entry.sha256 !== null && (await sha256File(file, opts.signal)) !== entry.sha256)
    return { ...base, state: 'corrupt', sizeBytes: size, problem: `${entry.file} is corrupt (its sha256 does not match the manifest); download or import it again` };
  return { ...base, state: 'ok', sizeBytes: size, problem: null };
}

export async function checkModelFiles(dir: string, manifest: ModelManifest, opts: { hash: boolean; signal?: AbortSignal }): Promise<FileCheck[]> {
  const out: FileCheck[] = [];
  for (const entry of manifest.files) out.push(await checkModelFile(dir, entry, opts));
  return out;
}
