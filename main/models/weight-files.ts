/**
 * The state of the release weight files in a models folder: present and verified (size and sha256
 * recorded in the folder's manifest when they were downloaded or imported), partly downloaded
 * (`<file>.partial`), missing, or damaged. The fast check (status) compares sizes, and checks the
 * structure of a file nobody recorded; the full check (verify) re-hashes and re-reads every file.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { layoutFor, weightFiles, type ModelManifest, type WeightFile } from './manifest';
import { partialName } from './temporaries';
import { formatBytes, sha256File, type FileState } from './verify';
import { checkWeightsFile } from './weights';

export interface WeightCheck {
  file: string;
  network: WeightFile['network'];
  state: FileState;
  /** Of the file, or of the partial download. */
  sizeBytes: number | null;
  /** Exact when recorded, else the manifest's approximate size; null when unknown. */
  expectedBytes: number | null;
  /** As recorded in the folder's manifest after verification (or as computed by a full check). */
  sha256: string | null;
  /** One line naming the file and what to do, null when it is fine. */
  problem: string | null;
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    const st = await stat(file);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

export async function checkWeightFile(dir: string, entry: WeightFile, opts: { full: boolean; signal?: AbortSignal }): Promise<WeightCheck> {
  const file = path.join(dir, entry.file);
  const expected = entry.size ?? entry.approxBytes;
  const about = entry.size !== null ? '' : 'about ';
  const base = { file: entry.file, network: entry.network, expectedBytes: expected, sha256: entry.sha256 };
  const size = await sizeOf(file);
  if (size === null) {
    const partial = await sizeOf(path.join(dir, partialName(entry.file)));
    if (partial !== null)
      return { ...base, state: 'partial', sizeBytes: partial, problem: `${entry.file} is partly downloaded (${formatBytes(partial)}${expected ? ` of ${about}${formatBytes(expected)}` : ''}); download again to resume` };
    return { ...base, state: 'missing', sizeBytes: null, problem: `${entry.file} is missing from ${dir}; download or import the weights` };
  }
  const damaged = (why: string) => ({ ...base, state: 'corrupt' as const, sizeBytes: size, problem: `${why}; download or import the weights again` });
  if (entry.size !== null && size !== entry.size) return damaged(`${entry.file} has changed since it was verified (${formatBytes(size)}, was ${formatBytes(entry.size)})`);
  if (opts.full && entry.sha256 !== null && (await sha256File(file, opts.signal)) !== entry.sha256) return damaged(`${entry.file} has changed since it was verified (its sha256 differs)`);
  // Structure: always in a full check; in a fast one only for a file nobody verified (copied in by hand).
  if (opts.full || entry.sha256 === null) {
    const problem = await checkWeightsFile(file, layoutFor(entry), { integrity: opts.full, signal: opts.signal });
    if (problem) return damaged(problem);
  }
  return { ...base, state: 'ok', sizeBytes: size, problem: null };
}

export async function checkWeightFiles(dir: string, manifest: ModelManifest, opts: { full: boolean; signal?: AbortSignal }): Promise<WeightCheck[]> {
  const out: WeightCheck[] = [];
  for (const entry of weightFiles(manifest)) out.push(await checkWeightFile(dir, entry, opts));
  return out;
}
