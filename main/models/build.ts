/**
 * The step from verified weights to the contract's ONNX graphs: read the three release files, hand
 * them to the graph builder (main/models/builder, `buildProPainterModels`) with a staging folder
 * inside the models folder, check what it wrote, and move the graphs in.
 *
 * Building is CPU work of seconds: the CLI runs it in its own process (`buildInProcess`), while the
 * app's models service, which lives in the main process that must never compute (DESIGN.md), hands
 * the same step to an engine process (main/services/model-build.ts) through a `BuildStep`.
 *
 * Atomic as a set: the old graphs are taken out of the folder's manifest and deleted before the new
 * ones are renamed in, so a kill at any point leaves either no graphs (status: "not built", and the
 * next download or import builds them) or a complete new set, never a mix. The staging folder is
 * `.build-<pid>-<time>` and is removed at the next start if the process died (temporaries.ts).
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../common/errors';
import { buildProPainterModels } from './builder';
import { WeightsMismatchError, type ProPainterWeights } from './builder/weights';
import { contractFiles } from './contract';
import { layoutFor, manifestFor, weightFiles, writeFolderManifest, type ModelFile, type ModelManifest } from './manifest';
import { CheckpointError } from './pth';
import { buildStagingName } from './temporaries';
import { looksLikeOnnx, sha256File } from './verify';
import { readProPainterWeights } from './weights';

export interface GraphBuildProgress {
  /** What the builder is doing, for a person ("raft", "pp_transformer (fp16)"). */
  step: string;
  done: number;
  total: number;
}

export interface GraphBuildOptions {
  onProgress?: (p: GraphBuildProgress) => void;
  signal?: AbortSignal;
}

/** Writes the contract's graphs (`<graph>.onnx`, optional `<graph>.fp16.onnx`) into `outDir`. */
export type GraphSetBuilder = (weights: ProPainterWeights, outDir: string, opts: GraphBuildOptions) => Promise<unknown>;

/** The product's graph builder. */
export const propainterGraphSetBuilder: GraphSetBuilder = buildProPainterModels;

export interface BuildResult {
  built: string[];
}

/** Runs `buildGraphs` for a models folder somewhere: in this process, or in an engine process. */
export type BuildStep = (dir: string, opts: GraphBuildOptions) => Promise<BuildResult>;

export const buildInProcess: BuildStep = (dir, opts) => buildGraphs(dir, propainterGraphSetBuilder, opts);

/**
 * The build step download and import use: `buildStep` where the caller runs it elsewhere (the app's
 * engine process), a given `builder` in this process (tests), none for `builder: null`, else the
 * product's builder in this process (the CLI).
 */
export function resolveBuildStep(opts: { builder?: GraphSetBuilder | null; buildStep?: BuildStep }): BuildStep | null {
  if (opts.buildStep) return opts.buildStep;
  if (opts.builder === null) return null;
  const builder = opts.builder ?? propainterGraphSetBuilder;
  return (dir, o) => buildGraphs(dir, builder, o);
}

/**
 * Builds the graphs from the verified weights in `dir` (its manifest must list them with their
 * sha256, as download and import record them). Throws a one-line UserError on any failure; the
 * folder then holds no graphs and the weights are untouched.
 */
export async function buildGraphs(dir: string, builder: GraphSetBuilder, opts: GraphBuildOptions = {}): Promise<BuildResult> {
  const manifest = await manifestFor(dir);
  const weightEntries = weightFiles(manifest);
  if (weightEntries.length === 0) throw new UserError('bad-input', `${path.join(dir, 'manifest.json')} lists no weight files to build the graphs from; download or import the weights first`);
  const present = await Promise.all(weightEntries.map((w) => stat(path.join(dir, w.file)).then(() => true, () => false)));
  const unverified = weightEntries.find((w, i) => w.sha256 === null || !present[i]);
  if (unverified) throw new UserError('bad-input', `${unverified.file} is not in ${dir} as a verified download; download or import the weights first`);

  const staging = path.join(dir, buildStagingName());
  try {
    let weights: ProPainterWeights | null = await readProPainterWeights(
      weightEntries.map((w) => ({ path: path.join(dir, w.file), layout: layoutFor(w) })),
      { signal: opts.signal },
    );
    await mkdir(staging);
    await builder(weights, staging, opts);
    weights = null; // the graphs are written: let the weights go before hashing
    opts.signal?.throwIfAborted();

    const written = new Set(await readdir(staging));
    const graphs: ModelFile[] = [];
    for (const f of contractFiles()) {
      if (!written.has(f.file)) {
        if (f.required) throw new UserError('internal', `the graph builder did not write ${f.file}`);
        continue;
      }
      const file = path.join(staging, f.file);
      if (!(await looksLikeOnnx(file))) throw new UserError('internal', `the graph builder wrote ${f.file}, but it is not an ONNX file`);
      graphs.push({ file: f.file, graph: f.graph, precision: f.precision, url: null, size: (await stat(file)).size, sha256: await sha256File(file, opts.signal) });
    }
    await swapGraphsIn(dir, staging, manifest, graphs);
    return { built: graphs.map((g) => g.file) };
  } catch (err) {
    if (opts.signal?.aborted) throw new UserError('cancelled', 'building the ProPainter graphs was cancelled; download or import again to build them');
    if (err instanceof UserError) throw err;
    if (err instanceof CheckpointError) throw new UserError('bad-input', `${err.message}; download or import the weights again`);
    if (err instanceof WeightsMismatchError)
      throw new UserError('bad-input', `the weights in ${dir} do not fit ProPainter v0.1.0's architecture (${err.message}); download or import the official weights again`);
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new UserError('io', `the disk is full while building the ProPainter graphs in ${dir}; free about 400 MB and download again to build them`);
    throw err;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function swapGraphsIn(dir: string, staging: string, manifest: ModelManifest, graphs: ModelFile[]): Promise<void> {
  // 1. The manifest forgets the old graphs, 2. they go, 3. the new ones come in, 4. the manifest records them.
  const unbuilt = manifest.files.map((f) => ({ ...f, size: null, sha256: null }));
  await writeFolderManifest(dir, { ...manifest, files: unbuilt });
  for (const f of contractFiles()) await rm(path.join(dir, f.file), { force: true });
  for (const g of graphs) await rename(path.join(staging, g.file), path.join(dir, g.file));
  const built = new Map(graphs.map((g) => [g.file, g]));
  const listed = new Map(unbuilt.map((f) => [f.file, f]));
  const files = contractFiles().flatMap((f) => built.get(f.file) ?? listed.get(f.file) ?? []);
  await writeFolderManifest(dir, { ...manifest, files });
}
