/**
 * Downloading ProPainter's model files into the user's models folder, only after the licence was
 * accepted. The bundled manifest lists the three release weight files (upstream's GitHub release);
 * each arrives in `<file>.partial` (resumable with HTTP Range requests), is checked structurally
 * against its layout (no checksum is published), takes its real name, and its size and sha256 are
 * recorded in the folder's manifest. Then the graphs are built from the weights (build.ts), when a
 * builder is available. A manifest of a mirror may also list already built graphs with URLs, sizes
 * and hashes (the fixtures' manifest does): those are fetched and checked byte for byte.
 *
 * Files that already verify are skipped, so running a download again resumes, repairs or builds
 * whatever is missing and fetches nothing twice.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../common/errors';
import { resolveBuildStep, type BuildStep, type GraphSetBuilder, type GraphBuildProgress } from './build';
import { fetchToPartial, type DownloadProgress } from './fetch-file';
import { fileUrl, layoutFor, readFolderManifest, weightFiles, writeFolderManifest, type ModelFile, type ModelManifest, type WeightFile } from './manifest';
import { partialName, removeStaleTemporaries } from './temporaries';
import { summarizeChecks } from './status';
import { checkModelFile, checkModelFiles, isRequired, looksLikeOnnx, sha256File } from './verify';
import { checkWeightsFile, type WeightsLayout } from './weights';

export type { DownloadProgress } from './fetch-file';

/** What the manager is doing: fetching a file (bytes), checking it, or building the graphs (steps). */
export type ModelsProgress = ({ phase: 'download' } & DownloadProgress) | { phase: 'verify'; file: string } | ({ phase: 'build' } & GraphBuildProgress);

export interface DownloadOptions {
  dir: string;
  manifest: ModelManifest;
  /** The caller showed the licence (manifest.license) and the user accepted it. */
  acceptLicense: boolean;
  /** Also fetch the optional fp16 graphs a mirror lists (default true). */
  includeFp16?: boolean;
  /** Builds the graphs once the weights are verified; default: the product's builder (null: stop after the weights). */
  builder?: GraphSetBuilder | null;
  /** Runs the build elsewhere (the app: in an engine process); overrides `builder`. */
  buildStep?: BuildStep;
  onProgress?: (p: ModelsProgress) => void;
  signal?: AbortSignal;
}

export interface DownloadResult {
  downloaded: string[];
  skipped: string[];
  /** Graph files built from the weights, or null when nothing was built (no builder, or the graphs were there). */
  built: string[] | null;
}

/** Exact sizes and hashes a folder's manifest recorded, by file name. */
function recordsOf(folder: ModelManifest | null): Map<string, { size: number | null; sha256: string | null }> {
  const entries = folder ? [...weightFiles(folder), ...folder.files] : [];
  return new Map(entries.map((f) => [f.file, { size: f.size, sha256: f.sha256 }]));
}

function readFolderManifestOrNull(dir: string): Promise<ModelManifest | null> {
  return readFolderManifest(dir).catch(() => null); // unreadable or for another contract: rewritten below from what verifies
}

/** A weight file already in the folder that still matches what was recorded (or verifies now): its record. */
async function verifiedInPlace(dir: string, entry: WeightFile, recorded: { size: number | null; sha256: string | null } | undefined, others: WeightsLayout[], signal?: AbortSignal): Promise<WeightFile | null> {
  const file = path.join(dir, entry.file);
  const found = await stat(file).catch(() => null);
  if (!found) return null;
  const size = found.size;
  if (recorded?.sha256 && recorded.size === size) {
    if ((await sha256File(file, signal)) === recorded.sha256 && (entry.sha256 === null || entry.sha256 === recorded.sha256)) return { ...entry, size, sha256: recorded.sha256 };
  } else if ((await checkWeightsFile(file, layoutFor(entry), { integrity: true, others, signal })) === null) {
    const sha256 = await sha256File(file, signal);
    if (entry.sha256 === null || entry.sha256 === sha256) return { ...entry, size, sha256 };
  }
  await rm(file, { force: true });
  return null;
}

async function downloadWeight(url: string, entry: WeightFile, dir: string, others: WeightsLayout[], opts: DownloadOptions): Promise<WeightFile> {
  const partial = path.join(dir, partialName(entry.file));
  const host = new URL(url).host;
  await fetchToPartial({ url, name: entry.file, partial, expectedBytes: entry.size, approxBytes: entry.approxBytes, signal: opts.signal, onProgress: (p) => opts.onProgress?.({ phase: 'download', ...p }) });
  opts.onProgress?.({ phase: 'verify', file: entry.file });
  const refuse = async (problem: string) => {
    await rm(partial, { force: true });
    return new UserError('bad-input', `${problem}; the download from ${host} was deleted: try again`);
  };
  const problem = await checkWeightsFile(partial, layoutFor(entry), { name: entry.file, integrity: true, others, signal: opts.signal });
  if (problem) throw await refuse(problem);
  const sha256 = await sha256File(partial, opts.signal);
  if (entry.sha256 !== null && sha256 !== entry.sha256) throw await refuse(`${entry.file} has the wrong contents (its sha256 differs from the manifest's)`);
  const size = (await stat(partial)).size;
  await rename(partial, path.join(dir, entry.file));
  return { ...entry, size, sha256 };
}

/** A built graph from a mirror: size and sha256 as the manifest says, and ONNX. */
async function downloadGraph(url: string, entry: ModelFile, dir: string, opts: DownloadOptions): Promise<void> {
  const partial = path.join(dir, partialName(entry.file));
  const host = new URL(url).host;
  await fetchToPartial({ url, name: entry.file, partial, expectedBytes: entry.size, approxBytes: null, signal: opts.signal, onProgress: (p) => opts.onProgress?.({ phase: 'download', ...p }) });
  const size = (await stat(partial)).size;
  if (entry.size !== null && size !== entry.size) throw new UserError('io', `${entry.file} from ${host} is ${size} bytes but should be ${entry.size}; run the download again`);
  if ((entry.sha256 !== null && (await sha256File(partial, opts.signal)) !== entry.sha256) || !(await looksLikeOnnx(partial))) {
    await rm(partial, { force: true });
    throw new UserError('io', `${entry.file} downloaded from ${host} is corrupt (${entry.sha256 !== null ? 'sha256 mismatch' : 'not an ONNX file'}) and was deleted; run the download again`);
  }
  await rename(partial, path.join(dir, entry.file));
}

export async function downloadModels(opts: DownloadOptions): Promise<DownloadResult> {
  const at = { file: 'the models' };
  try {
    return await download(opts, at);
  } catch (err) {
    if (opts.signal?.aborted && !(err instanceof UserError)) throw new UserError('cancelled', 'model download cancelled; run it again to resume');
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new UserError('io', `the disk is full while downloading ${at.file} into ${opts.dir}; free space and download again to resume`);
    throw err;
  }
}

/** `at.file` follows the file being handled, for a failure that does not name it. */
async function download(opts: DownloadOptions, at: { file: string }): Promise<DownloadResult> {
  const { manifest, dir } = opts;
  if (opts.acceptLicense !== true)
    throw new UserError('bad-input', `the ProPainter models are under the ${manifest.license.name} (${manifest.license.commercialUse ? 'commercial use allowed' : 'non-commercial use only'}); accept the licence before downloading`);
  const weights = weightFiles(manifest);
  const graphs = manifest.files.filter((f) => isRequired(f) || opts.includeFp16 !== false);
  // The release weights are the download; graphs come from a mirror only when it lists them with URLs.
  const graphsToFetch = weights.length ? graphs.filter((f) => fileUrl(manifest, f) !== null) : graphs;
  const noUrl = [...weights, ...graphsToFetch].find((f) => fileUrl(manifest, f) === null);
  if (noUrl)
    throw new UserError('unsupported', `no download location is known for ${noUrl.file}; get the file yourself and use "Import models folder" instead`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new UserError('io', `cannot create the models folder ${dir}: ${(err as Error).message}`);
  }
  await removeStaleTemporaries(dir);

  const previous = await readFolderManifestOrNull(dir);
  const recorded = recordsOf(previous);
  const result: DownloadResult = { downloaded: [], skipped: [], built: null };
  const verifiedWeights: WeightFile[] = [];
  const layouts = weights.map(layoutFor); // to recognise a file that is one of the others renamed
  // The folder's manifest is rewritten after every file, so an interruption keeps what was verified.
  const graphEntries = graphsToFetch.length || !previous ? graphs : previous.files;
  const save = () => writeFolderManifest(dir, { ...manifest, weights: [...verifiedWeights, ...weights.slice(verifiedWeights.length)], files: graphEntries });

  for (const entry of weights) {
    opts.signal?.throwIfAborted();
    at.file = entry.file;
    const kept = await verifiedInPlace(dir, entry, recorded.get(entry.file), layouts, opts.signal);
    if (kept) {
      verifiedWeights.push(kept);
      result.skipped.push(entry.file);
      continue;
    }
    verifiedWeights.push(await downloadWeight(fileUrl(manifest, entry)!, entry, dir, layouts, opts));
    result.downloaded.push(entry.file);
    await save();
  }
  for (const entry of graphsToFetch) {
    opts.signal?.throwIfAborted();
    at.file = entry.file;
    const existing = await checkModelFile(dir, entry, { hash: true, signal: opts.signal });
    if (existing.state === 'ok') {
      result.skipped.push(entry.file);
      continue;
    }
    if (existing.state !== 'missing') await rm(path.join(dir, entry.file), { force: true });
    await downloadGraph(fileUrl(manifest, entry)!, entry, dir, opts);
    result.downloaded.push(entry.file);
  }
  at.file = 'the models';
  await save();

  const build = resolveBuildStep(opts);
  const graphsReady = summarizeChecks(await checkModelFiles(dir, { ...manifest, files: graphEntries }, { hash: false })).ready;
  if (weights.length && build && !graphsReady) {
    const { built } = await build(dir, { signal: opts.signal, onProgress: (p) => opts.onProgress?.({ phase: 'build', ...p }) });
    result.built = built;
  }
  return result;
}
