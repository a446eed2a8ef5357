/**
 * `cleanplate models list|verify|import`: the model manager of main/models, for people (a table) and
 * scripts (`--json`: one JSON line per result, an error event on failure). Also where the CLI finds
 * the models folder for `--engine propainter`.
 */
import path from 'node:path';
import { UserError } from '../../../common/errors';
import type { ModelsStatus } from '../../../common/contract/types';
import { readFile } from 'node:fs/promises';
import { bundledManifest, defaultModelsDir, downloadModels, importModels, modelsStatus, parseManifest, verifyModels, type ModelManifest } from '../../models';
import { defaultUserDataDir } from '../../services/paths';
import { writeJsonLine } from '../reporter';
import type { CliContext } from '../program';

interface ModelsOptions {
  models?: string;
  json?: boolean;
}

/** `--models DIR`, else the folder the app uses (`<userData>/models`, CLEANPLATE_USER_DATA honoured like the web host). */
export function modelsDirFor(flag: string | undefined): string {
  if (flag) return path.resolve(flag);
  return defaultModelsDir(path.resolve(process.env.CLEANPLATE_USER_DATA || defaultUserDataDir()));
}

const STATE_WORDS = { missing: 'missing from', partial: 'incomplete in', corrupt: 'damaged in' } as const;

/** For `--engine propainter`: the models folder, refused up front (before any decoding) when a file is missing or damaged. */
export async function resolveModelsDir(flag: string | undefined, opts: { requireReady: boolean }): Promise<string> {
  const dir = modelsDirFor(flag);
  if (!opts.requireReady) return dir;
  const status = await modelsStatus(dir);
  if (status.engines.find((e) => e.id === 'propainter')?.ready) return dir;
  // The fp32 set is what every device needs; the fp16 files are optional extras.
  const bad = status.files.filter((f) => f.state !== 'ok' && !f.file.endsWith('.fp16.onnx'));
  const states = new Set(bad.map((f) => f.state as keyof typeof STATE_WORDS));
  const where = states.size === 1 ? STATE_WORDS[[...states][0]!] : 'missing or damaged in';
  const what =
    bad.length === 0 ? 'model files are' : bad.length === 1 ? `${bad[0]!.file} is` : bad.length === 2 ? `${bad[0]!.file} and ${bad[1]!.file} are` : `${bad[0]!.file}, ${bad[1]!.file} and ${bad.length - 2} more model files are`;
  throw new UserError('bad-input', `ProPainter cannot run: ${what} ${where} ${dir}; import the models with \`cleanplate models import <folder>\`, or pass --models DIR`);
}

const formatMb = (bytes: number | null) => (bytes === null ? '' : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

function printStatus(status: ModelsStatus, ctx: CliContext): void {
  const lines = [`Models folder: ${status.dir}`];
  for (const e of status.engines) lines.push(`  ${e.id.padEnd(11)} ${e.ready ? e.detail : `not ready: ${e.detail}`}`);
  if (status.files.length) {
    lines.push('Files:');
    const width = Math.max(...status.files.map((f) => f.file.length));
    for (const f of status.files) {
      const size = f.state !== 'missing' ? formatMb(f.sizeBytes) : f.expectedBytes !== null ? `(${formatMb(f.expectedBytes)})` : '';
      lines.push(`  ${f.state.padEnd(8)} ${f.file.padEnd(width)}  ${size}`.trimEnd());
    }
  }
  lines.push(`Licence: ${status.license.name} (${status.license.url}): ${status.license.summary}`);
  ctx.streams.out.write(`${lines.join('\n')}\n`);
}

function report(status: ModelsStatus, o: ModelsOptions, ctx: CliContext): void {
  if (o.json) writeJsonLine(ctx.streams.out, { event: 'models', ...status });
  else printStatus(status, ctx);
}

export async function modelsListCommand(o: ModelsOptions, ctx: CliContext): Promise<void> {
  report(await modelsStatus(modelsDirFor(o.models)), o, ctx);
}

export async function modelsVerifyCommand(o: ModelsOptions, ctx: CliContext): Promise<void> {
  const verified = await verifyModels(modelsDirFor(o.models), { signal: ctx.signal });
  report(verified.status, o, ctx);
  const problems = verified.checks.filter((c) => c.problem && (c.required || c.state !== 'missing'));
  if (!verified.ok) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''} above)` : '';
    throw new UserError('bad-input', `${problems[0]?.problem ?? 'the model files do not match the manifest'}${more}`);
  }
}

export async function modelsImportCommand(from: string, o: ModelsOptions, ctx: CliContext): Promise<void> {
  const status = await importModels(path.resolve(from), modelsDirFor(o.models));
  report(status, o, ctx);
}

interface DownloadFlags extends ModelsOptions {
  acceptLicense?: boolean;
  manifest?: string;
  fp16?: boolean;
}

async function manifestFrom(file: string | undefined): Promise<ModelManifest> {
  if (!file) return bundledManifest();
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError('not-found', `the manifest ${file} does not exist; check the --manifest path`);
    throw new UserError('bad-input', `cannot read the manifest ${file}: ${code ?? 'it is not valid JSON'}`);
  }
  return parseManifest(json, file);
}

/** Downloads only after the licence was shown and accepted on the command line (--accept-license). */
export async function modelsDownloadCommand(o: DownloadFlags, ctx: CliContext): Promise<void> {
  const manifest = await manifestFrom(o.manifest);
  const dir = modelsDirFor(o.models);
  const { license } = manifest;
  if (!o.acceptLicense) {
    if (!o.json) ctx.streams.err.write(`The ProPainter models are licensed under the ${license.name} (${license.url}):\n  ${license.summary}\n`);
    throw new UserError('bad-input', `downloading needs your acceptance of the ${license.name}; read it, then run again with --accept-license`);
  }
  const tty = !o.json && ctx.streams.err.isTTY;
  const result = await downloadModels({
    dir,
    manifest,
    acceptLicense: true,
    includeFp16: o.fp16 !== false,
    signal: ctx.signal,
    onProgress: (p) => {
      if (o.json) writeJsonLine(ctx.streams.out, { event: 'download', ...p });
      else if (tty) ctx.streams.err.write(`\r\x1b[2K${p.file}: ${formatMb(p.receivedBytes)}${p.totalBytes ? ` of ${formatMb(p.totalBytes)}` : ''}`);
      else if (p.totalBytes && p.receivedBytes >= p.totalBytes) ctx.streams.err.write(`downloaded ${p.file} (${formatMb(p.totalBytes)})\n`);
    },
  });
  if (tty) ctx.streams.err.write('\r\x1b[2K');
  if (!o.json) ctx.streams.err.write(`downloaded ${result.downloaded.length} file(s), ${result.skipped.length} already present\n`);
  report(await modelsStatus(dir), o, ctx);
}
