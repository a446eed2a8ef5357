/**
 * What the UI and the CLI show about models: which engines are ready, the weight files and the
 * graphs file by file, the stage ProPainter's files are at (none, partly downloaded, weights without
 * graphs, ready), and one line saying what to do. The classic engine needs no files and is always ready.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../common/errors';
import type { ModelsStage, ModelsStatus } from '../../common/contract/types';
import { bundledManifest, manifestFor, weightFiles, type ModelManifest } from './manifest';
import { checkModelFiles, formatBytes, type FileCheck } from './verify';
import { checkWeightFiles, type WeightCheck } from './weight-files';

export function defaultModelsDir(userDataDir: string): string {
  return path.join(userDataDir, 'models');
}

function listNames(names: string[]): string {
  if (names.length <= 2) return names.join(' and ');
  return `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}

/** One line about the ProPainter graphs: "ready", or what is wrong and what to do. */
export function summarizeChecks(checks: FileCheck[]): { ready: boolean; detail: string } {
  const required = checks.filter((c) => c.required);
  const bad = required.filter((c) => c.state !== 'ok');
  if (bad.length === 0) return { ready: true, detail: 'ready' };
  if (bad.length === 1) return { ready: false, detail: bad[0]!.problem! };
  const byState = (s: FileCheck['state']) => bad.filter((c) => c.state === s).map((c) => c.file);
  const parts: string[] = [];
  const missing = byState('missing');
  const partial = byState('partial');
  const corrupt = byState('corrupt');
  if (missing.length) parts.push(`missing ${listNames(missing)}`);
  if (partial.length) parts.push(`incomplete ${listNames(partial)}`);
  if (corrupt.length) parts.push(`damaged ${listNames(corrupt)}`);
  return { ready: false, detail: `${parts.join('; ')} — download or import models` };
}

const sum = (xs: (number | null)[]) => xs.reduce<number>((a, b) => a + (b ?? 0), 0);

/** The stage, and the line the app's status shows for ProPainter. */
export function propainterStage(graphs: FileCheck[], weights: WeightCheck[]): { stage: ModelsStage; detail: string } {
  const graphSummary = summarizeChecks(graphs);
  if (graphSummary.ready) return { stage: 'ready', detail: 'ready' };
  if (weights.length > 0 && weights.every((w) => w.state === 'ok'))
    return {
      stage: 'weights',
      detail: 'the weights are downloaded and verified, but the ONNX graphs are not built yet; download again to build them (nothing is downloaded twice)',
    };
  const partial = weights.filter((w) => w.state === 'partial');
  if (partial.length > 0) {
    if (partial.length === 1 && weights.every((w) => w.state === 'ok' || w.state === 'partial')) return { stage: 'partial', detail: partial[0]!.problem! };
    const have = sum(weights.map((w) => (w.state === 'missing' ? 0 : w.sizeBytes)));
    return { stage: 'partial', detail: `the weights are partly downloaded (${formatBytes(have)} of about ${formatBytes(sum(weights.map((w) => w.expectedBytes)))}); download again to resume` };
  }
  const damaged = weights.find((w) => w.state === 'corrupt');
  if (damaged) return { stage: 'none', detail: damaged.problem! };
  if (graphs.some((g) => g.required && g.state !== 'missing')) return { stage: 'none', detail: graphSummary.detail };
  const someWeights = weights.find((w) => w.state === 'missing') && weights.some((w) => w.state === 'ok');
  if (someWeights) return { stage: 'none', detail: weights.find((w) => w.state === 'missing')!.problem! };
  const total = sum(weights.map((w) => w.expectedBytes));
  return {
    stage: 'none',
    detail: weights.length
      ? `no model files yet: download ProPainter's weights (${listNames(weights.map((w) => w.file))}, about ${formatBytes(total)}) or import a folder with them or with converted ONNX graphs`
      : graphSummary.detail,
  };
}

function toStatus(dir: string, manifest: ModelManifest, graphs: FileCheck[], weights: WeightCheck[]): ModelsStatus {
  const { stage, detail } = propainterStage(graphs, weights);
  return {
    dir,
    stage,
    engines: [
      { id: 'classic', ready: true, detail: 'ready (no model files needed)' },
      { id: 'propainter', ready: stage === 'ready', detail },
    ],
    weights: weights.map((w) => ({ file: w.file, network: w.network, state: w.state, sizeBytes: w.sizeBytes, expectedBytes: w.expectedBytes, sha256: w.sha256 })),
    files: graphs.map((c) => ({ file: c.file, state: c.state, sizeBytes: c.sizeBytes, expectedBytes: c.expectedBytes, sha256: c.sha256 })),
    license: { name: manifest.license.name, url: manifest.license.url, summary: manifest.license.summary },
  };
}

/**
 * The manifest that describes the weights of `dir`: the folder's own lists them once downloaded or
 * imported; a folder of converted graphs alone still offers the release weights (to download).
 */
function withReleaseWeights(manifest: ModelManifest, bundled: ModelManifest): ModelManifest {
  return weightFiles(manifest).length ? manifest : { ...manifest, weights: weightFiles(bundled) };
}

/** Fast status (sizes, headers, and the structure of unrecorded weights; no hashing), for the UI and `cleanplate models list`. */
export async function modelsStatus(dir: string): Promise<ModelsStatus> {
  const manifest = await manifestFor(dir);
  const described = withReleaseWeights(manifest, bundledManifest());
  return toStatus(dir, manifest, await checkModelFiles(dir, manifest, { hash: false }), await checkWeightFiles(dir, described, { full: false }));
}

export interface VerifyReport {
  dir: string;
  ok: boolean;
  /** Weight files first, then graphs; only files that are present or required. */
  checks: (FileCheck | (WeightCheck & { required: boolean }))[];
  status: ModelsStatus;
}

/** Full verification (sha256 where recorded, the weights' structure and CRC-32s), for `cleanplate models verify`. */
export async function verifyModels(dir: string, opts: { signal?: AbortSignal } = {}): Promise<VerifyReport> {
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) throw new UserError('not-found', `the models folder ${dir} does not exist; download or import the models first`);
  const manifest = await manifestFor(dir);
  const graphs = await checkModelFiles(dir, manifest, { hash: true, signal: opts.signal });
  const weights = await checkWeightFiles(dir, withReleaseWeights(manifest, bundledManifest()), { full: true, signal: opts.signal });
  const status = toStatus(dir, manifest, graphs, weights);
  const weightChecks = weights.filter((w) => w.state !== 'missing').map((w) => ({ ...w, required: false }));
  const ok = status.stage === 'ready' && weightChecks.every((w) => w.state === 'ok') && graphs.every((c) => c.state === 'ok' || (!c.required && c.state === 'missing'));
  return { dir, ok, checks: [...weightChecks, ...graphs], status };
}

/**
 * For the engine at job start: the files of one precision, checked cheaply; throws the first
 * problem as a one-line UserError. Returns the absolute paths by graph file name.
 */
export async function requireModelFiles(dir: string | null, files: string[]): Promise<Record<string, string>> {
  if (!dir) throw new UserError('bad-input', 'the ProPainter engine needs its model files; download or import them (Models), or pass --models DIR');
  if (!(await stat(dir).then(() => true, () => false))) throw new UserError('not-found', `the models folder ${dir} does not exist; download or import the ProPainter models first`);
  const manifest = await manifestFor(dir);
  const wanted = manifest.files.filter((f) => files.includes(f.file));
  const checks = await checkModelFiles(dir, { ...manifest, files: wanted }, { hash: false });
  const bad = checks.find((c) => c.state !== 'ok');
  if (bad) throw new UserError('bad-input', bad.problem!);
  const unknown = files.filter((f) => !wanted.some((w) => w.file === f));
  if (unknown.length) throw new UserError('bad-input', `${path.join(dir, 'manifest.json')} does not list ${unknown[0]}; convert or import the models again`);
  return Object.fromEntries(files.map((f) => [f, path.join(dir, f)]));
}
