/**
 * "Import models folder": copy a folder of converted or downloaded files into the user's models
 * folder, verified before and after copying, and swapped in atomically so a failed import never
 * leaves a half-filled models folder behind.
 */
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../common/errors';
import type { ModelsStatus } from '../../common/contract/types';
import { MANIFEST_FILE, manifestFor, type ModelFile, type ModelManifest } from './manifest';
import { modelsStatus } from './status';
import { checkModelFile, sha256File } from './verify';

export async function importModels(fromDir: string, toDir: string, opts: { signal?: AbortSignal } = {}): Promise<ModelsStatus> {
  const from = path.resolve(fromDir);
  const to = path.resolve(toDir);
  if (!existsSync(from) || !statSync(from).isDirectory()) throw new UserError('not-found', `${from} is not a folder; choose the folder that holds the .onnx model files`);
  if (from === to) throw new UserError('bad-input', `${from} already is the models folder; choose the folder you converted or downloaded the models into`);

  const manifest = manifestFor(from);
  const present: ModelFile[] = [];
  for (const entry of manifest.files) {
    const check = await checkModelFile(from, entry, { hash: true, signal: opts.signal });
    if (check.state === 'missing' && !check.required) continue;
    if (check.state !== 'ok') throw new UserError('bad-input', `cannot import from ${from}: ${check.problem}`);
    present.push(entry);
  }

  // Copy into a sibling staging folder, re-hash the copies, then swap folders with renames.
  const parent = path.dirname(to);
  await mkdir(parent, { recursive: true });
  const staging = `${to}.import-${process.pid}-${Date.now()}`;
  const retired = `${to}.old-${process.pid}-${Date.now()}`;
  try {
    await mkdir(staging);
    const copied: ModelFile[] = [];
    for (const entry of present) {
      opts.signal?.throwIfAborted();
      const target = path.join(staging, entry.file);
      await copyFile(path.join(from, entry.file), target);
      const sha256 = await sha256File(target, opts.signal);
      if (entry.sha256 !== null && sha256 !== entry.sha256) throw new UserError('io', `copying ${entry.file} into ${parent} produced different bytes; check the disk and import again`);
      copied.push({ ...entry, url: entry.url, size: statSync(target).size, sha256 });
    }
    const imported: ModelManifest = { ...manifest, files: copied };
    await writeFile(path.join(staging, MANIFEST_FILE), `${JSON.stringify(imported, null, 2)}\n`);
    if (existsSync(to)) await rename(to, retired);
    await rename(staging, to);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    if (existsSync(retired) && !existsSync(to)) await rename(retired, to);
    if (opts.signal?.aborted) throw new UserError('cancelled', 'model import cancelled; the models folder is unchanged');
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new UserError('io', `the disk is full while importing models into ${parent}; free space and import again`);
    throw new UserError('io', `cannot import models into ${to}: ${(err as Error).message}`);
  }
  await rm(retired, { recursive: true, force: true });
  return modelsStatus(to);
}
