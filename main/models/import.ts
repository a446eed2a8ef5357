/**
 * "Import models folder": copy a folder into the user's models folder, verified before and after
 * copying, and swapped in atomically so a failed import never leaves a half-filled models folder.
 * The folder holds ProPainter's three release weight files (checked structurally like a download;
 * the graphs are then built from them), or already converted ONNX graphs (checked against the
 * folder's own manifest, or the shipped one), or both.
 */
import { copyFile, link, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../common/errors';
import type { ModelsStatus } from '../../common/contract/types';
import { resolveBuildStep, type BuildStep, type GraphSetBuilder, type GraphBuildOptions } from './build';
import { bundledManifest, layoutFor, readFolderManifest, weightFiles, writeFolderManifest, type ModelFile, type ModelManifest, type WeightFile } from './manifest';
import { modelsStatus } from './status';
import { importStagingPath, removeStaleTemporaries, retiredPath } from './temporaries';
import { checkModelFile, sha256File } from './verify';
import { checkWeightsFile } from './weights';

export interface ImportOptions {
  signal?: AbortSignal;
  /** Builds the graphs from imported weights; default: the product's builder (null: leave them unbuilt). */
  builder?: GraphSetBuilder | null;
  /** Runs the build elsewhere (the app: in an engine process); overrides `builder`. */
  buildStep?: BuildStep;
  onBuildProgress?: GraphBuildOptions['onProgress'];
}

const listFiles = (files: { file: string }[]) => files.map((f) => f.file).join(', ');
const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);
const exists = (p: string) => stat(p).then(() => true, () => false);

/** The release weight files in `from`, all verified, with the sha256 of each; [] when it holds none. */
async function verifiedWeights(from: string, listed: WeightFile[], signal?: AbortSignal): Promise<WeightFile[]> {
  const found = await Promise.all(listed.map((w) => isFile(path.join(from, w.file))));
  const present = listed.filter((_, i) => found[i]);
  if (present.length === 0) return [];
  const missing = listed.find((w) => !present.includes(w));
  if (missing) throw new UserError('bad-input', `cannot import from ${from}: ${missing.file} is missing (the weights are three files: ${listFiles(listed)})`);
  const out: WeightFile[] = [];
  const layouts = listed.map(layoutFor);
  for (const entry of present) {
    const file = path.join(from, entry.file);
    const problem = await checkWeightsFile(file, layoutFor(entry), { integrity: true, others: layouts, signal });
    if (problem) throw new UserError('bad-input', `cannot import from ${from}: ${problem}`);
    const sha256 = await sha256File(file, signal);
    if (entry.sha256 !== null && sha256 !== entry.sha256) throw new UserError('bad-input', `cannot import from ${from}: ${entry.file} does not match the sha256 its manifest records`);
    out.push({ ...entry, size: (await stat(file)).size, sha256 });
  }
  return out;
}

/** The graphs in `from` (every required one verified), or [] when it holds none. */
async function verifiedGraphs(from: string, manifest: ModelManifest, signal?: AbortSignal): Promise<ModelFile[]> {
  const present: ModelFile[] = [];
  const checks = [];
  for (const entry of manifest.files) checks.push({ entry, check: await checkModelFile(from, entry, { hash: true, signal }) });
  if (checks.every(({ check }) => check.state === 'missing')) return [];
  for (const { entry, check } of checks) {
    if (check.state === 'missing' && !check.required) continue;
    if (check.state !== 'ok') throw new UserError('bad-input', `cannot import from ${from}: ${check.problem}`);
    present.push(entry);
  }
  return present;
}

/** Copies a verified file and checks the copy's bytes. */
async function copyVerified(src: string, dst: string, sha256: string | null, signal?: AbortSignal): Promise<{ size: number; sha256: string }> {
  await copyFile(src, dst);
  const copied = await sha256File(dst, signal);
  if (sha256 !== null && copied !== sha256) throw new UserError('io', `copying ${path.basename(src)} produced different bytes; check the disk and import again`);
  return { size: (await stat(dst)).size, sha256: copied };
}

export async function importModels(fromDir: string, toDir: string, opts: ImportOptions = {}): Promise<ModelsStatus> {
  const from = path.resolve(fromDir);
  const to = path.resolve(toDir);
  if (!(await stat(from).then((s) => s.isDirectory(), () => false))) throw new UserError('not-found', `${from} is not a folder; choose the folder that holds ProPainter's .pth weight files or converted .onnx files`);
  if (from === to) throw new UserError('bad-input', `${from} already is the models folder; choose the folder you downloaded or converted the models into`);
  await removeStaleTemporaries(to);

  const own = await readFolderManifest(from);
  const manifest = own ?? bundledManifest();
  const listedWeights = weightFiles(manifest).length ? weightFiles(manifest) : weightFiles(bundledManifest());
  const weights = await verifiedWeights(from, listedWeights, opts.signal);
  const graphs = await verifiedGraphs(from, manifest, opts.signal);
  if (weights.length === 0 && graphs.length === 0)
    throw new UserError('bad-input', `cannot import from ${from}: it holds neither ProPainter's weights (${listFiles(listedWeights)}) nor its ONNX graphs (${manifest.files[0]!.file} and ${manifest.files.length - 1} more)`);

  // Graphs alone keep the weights already in the models folder (hard links: no copy, no risk).
  const current = await readFolderManifest(to).catch(() => null);
  const keptWeights: WeightFile[] = [];
  if (weights.length === 0 && current) for (const w of weightFiles(current)) if (w.sha256 !== null && (await isFile(path.join(to, w.file)))) keptWeights.push(w);

  // Copy into a sibling staging folder, re-hash the copies, then swap folders with renames.
  const parent = path.dirname(to);
  await mkdir(parent, { recursive: true });
  const staging = importStagingPath(to);
  const retired = retiredPath(to);
  try {
    await mkdir(staging);
    const copiedWeights: WeightFile[] = [];
    for (const entry of weights) {
      opts.signal?.throwIfAborted();
      copiedWeights.push({ ...entry, ...(await copyVerified(path.join(from, entry.file), path.join(staging, entry.file), entry.sha256, opts.signal)) });
    }
    for (const entry of keptWeights) {
      await link(path.join(to, entry.file), path.join(staging, entry.file)).catch(() => copyFile(path.join(to, entry.file), path.join(staging, entry.file)));
      copiedWeights.push(entry);
    }
    const copiedGraphs: ModelFile[] = [];
    for (const entry of graphs) {
      opts.signal?.throwIfAborted();
      copiedGraphs.push({ ...entry, ...(await copyVerified(path.join(from, entry.file), path.join(staging, entry.file), entry.sha256, opts.signal)) });
    }
    const files = copiedGraphs.length ? copiedGraphs : manifest.files.map((f) => ({ ...f, size: null, sha256: null }));
    await writeFolderManifest(staging, { ...manifest, weights: copiedWeights.length ? copiedWeights : undefined, files });
    if (await exists(to)) await rename(to, retired);
    await rename(staging, to);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    if ((await exists(retired)) && !(await exists(to))) await rename(retired, to);
    if (opts.signal?.aborted) throw new UserError('cancelled', 'model import cancelled; the models folder is unchanged');
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new UserError('io', `the disk is full while importing models into ${parent}; free space and import again`);
    throw new UserError('io', `cannot import models into ${to}: ${(err as Error).message}`);
  }
  await rm(retired, { recursive: true, force: true });

  const build = resolveBuildStep(opts);
  if (weights.length && graphs.length === 0 && build) await build(to, { signal: opts.signal, onProgress: opts.onBuildProgress });
  return modelsStatus(to);
}
