/**
 * What the UI and the CLI show about models: which engines are ready, file by file, and one line
 * saying what to do. The classic engine needs no files and is always ready.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../common/errors';
import type { ModelsStatus } from '../../common/contract/types';
import { manifestFor, type ModelManifest } from './manifest';
import { checkModelFiles, type FileCheck } from './verify';

export function defaultModelsDir(userDataDir: string): string {
  return path.join(userDataDir, 'models');
}

function listNames(names: string[]): string {
  if (names.length <= 2) return names.join(' and ');
  return `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}

/** One line about the ProPainter files: "ready", or what is wrong and what to do. */
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

function toStatus(dir: string, manifest: ModelManifest, checks: FileCheck[]): ModelsStatus {
  const propainter = summarizeChecks(checks);
  return {
    dir,
    engines: [
      { id: 'classic', ready: true, detail: 'ready (no model files needed)' },
      { id: 'propainter', ready: propainter.ready, detail: propainter.detail },
    ],
    files: checks.map((c) => ({ file: c.file, state: c.state, sizeBytes: c.sizeBytes, expectedBytes: c.expectedBytes })),
    license: { name: manifest.license.name, url: manifest.license.url, summary: manifest.license.summary },
  };
}

/** Fast status (sizes and headers, no hashing), for the UI and `cleanplate models list`. */
export async function modelsStatus(dir: string): Promise<ModelsStatus> {
  const manifest = manifestFor(dir);
  return toStatus(dir, manifest, await checkModelFiles(dir, manifest, { hash: false }));
}

export interface VerifyReport {
  dir: string;
  ok: boolean;
  checks: FileCheck[];
  status: ModelsStatus;
}

/** Full verification including sha256 (where the manifest knows it), for `cleanplate models verify`. */
export async function verifyModels(dir: string, opts: { signal?: AbortSignal } = {}): Promise<VerifyReport> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError('not-found', `the models folder ${dir} does not exist; download or import the models first`);
  const manifest = manifestFor(dir);
  const checks = await checkModelFiles(dir, manifest, { hash: true, signal: opts.signal });
  const status = toStatus(dir, manifest, checks);
  return { dir, ok: checks.every((c) => c.state === 'ok' || (!c.required && c.state === 'missing')), checks, status };
}

/**
 * For the engine at job start: the files of one precision, checked cheaply; throws the first
 * problem as a one-line UserError. Returns the absolute paths by graph file name.
 */
export async function requireModelFiles(dir: string | null, files: string[]): Promise<Record<string, string>> {
  if (!dir) throw new UserError('bad-input', 'the ProPainter engine needs its model files; download or import them (Models), or pass --models DIR');
  if (!existsSync(dir)) throw new UserError('not-found', `the models folder ${dir} does not exist; download or import the ProPainter models first`);
  const manifest = manifestFor(dir);
  const wanted = manifest.files.filter((f) => files.includes(f.file));
  const checks = await checkModelFiles(dir, { ...manifest, files: wanted }, { hash: false });
  const bad = checks.find((c) => c.state !== 'ok');
  if (bad) throw new UserError('bad-input', bad.problem!);
  const unknown = files.filter((f) => !wanted.some((w) => w.file === f));
  if (unknown.length) throw new UserError('bad-input', `${path.join(dir, 'manifest.json')} does not list ${unknown[0]}; convert or import the models again`);
  return Object.fromEntries(files.map((f) => [f, path.join(dir, f)]));
}
