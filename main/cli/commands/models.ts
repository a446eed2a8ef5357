/**
 * `cleanplate models list|verify|import`: the model manager of main/models, for people (a table) and
 * scripts (`--json`: one JSON line per result, an error event on failure). Also where the CLI finds
 * the models folder for `--engine propainter`.
 */
import path from 'node:path';
import { UserError } from '../../../common/errors';
import type { ModelFileStatus, ModelsStatus } from '../../../common/contract/types';
import { readFile } from 'node:fs/promises';
import { bundledManifest, defaultModelsDir, downloadModels, importModels, modelsStatus, parseManifest, verifyModels, type ModelManifest, type ModelsProgress } from '../../models';
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
const DOWNLOAD_HINT = '`cleanplate models download --accept-license`';

/** For `--engine propainter`: the models folder, refused up front (before any decoding) when ProPainter cannot run from it. */
export async function resolveModelsDir(flag: string | undefined, opts: { requireReady: boolean }): Promise<string> {
  const dir = modelsDirFor(flag);
  if (!opts.requireReady) return dir;
  const status = await modelsStatus(dir);
  if (status.stage === 'ready') return dir;
  // The fp32 set is what every device needs; the fp16 files are optional extras.
  const bad = status.files.filter((f) => f.state !== 'ok' && !f.file.endsWith('.fp16.onnx'));
  const graphs = bad.length === 0 ? 'its graphs' : bad.length <= 2 ? bad.map((f) => f.file).join(' and ') : `${bad[0]!.file} and ${bad.length - 1} more graphs`;
  if (status.stage === 'weights') {
    throw new UserError('bad-input', `ProPainter cannot run: ${graphs} are not built from the weights in ${dir} yet; run ${DOWNLOAD_HINT} to build them`);
  }
  if (status.stage === 'partial') throw new UserError('bad-input', `ProPainter cannot run: the download of its weights into ${dir} stopped part-way; run ${DOWNLOAD_HINT} to resume it`);
  const states = new Set(bad.map((f) => f.state as keyof typeof STATE_WORDS));
  const where = states.size === 1 ? STATE_WORDS[[...states][0]!] : 'missing or damaged in';
  const what =
    bad.length === 0 ? 'model files are' : bad.length === 1 ? `${bad[0]!.file} is` : bad.length === 2 ? `${bad[0]!.file} and ${bad[1]!.file} are` : `${bad[0]!.file}, ${bad[1]!.file} and ${bad.length - 2} more model files are`;
  throw new UserError('bad-input', `ProPainter cannot run: ${what} ${where} ${dir}; get them with ${DOWNLOAD_HINT} or \`cleanplate models import <folder>\``);
}

const formatMb = (bytes: number | null) => (bytes === null ? '' : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

function fileLines(files: ModelFileStatus[], approximate: boolean): string[] {
  const width = Math.max(...files.map((f) => f.file.length));
  return files.map((f) => {
    const about = approximate && f.sha256 === null ? 'about ' : '';
    let size = '';
    if (f.state === 'missing') size = f.expectedBytes !== null ? `(${about}${formatMb(f.expectedBytes)})` : '';
    else if (f.state === 'partial') size = `${formatMb(f.sizeBytes)}${f.expectedBytes !== null ? ` of ${about}${formatMb(f.expectedBytes)}` : ''}`;
    else size = `${formatMb(f.sizeBytes).padStart(9)}${f.state === 'ok' && f.sha256 ? `  sha256 ${f.sha256}` : ''}`;
    return `  ${f.state.padEnd(8)} ${f.file.padEnd(width)}  ${size}`.trimEnd();
  });
}

function printStatus(status: ModelsStatus, ctx: CliContext): void {
  const lines = [`Models folder: ${status.dir}`];
  for (const e of status.engines) lines.push(`  ${e.id.padEnd(11)} ${e.ready ? e.detail : `not ready: ${e.detail}`}`);
  if (status.weights.length) lines.push('Weights (ProPainter v0.1.0 release files; the graphs are built from them):', ...fileLines(status.weights, true));
  if (status.files.length) lines.push('Graphs (ONNX):', ...fileLines(status.files, false));
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
  // Damaged files first; graphs that are merely not built yet are what the status line explains.
  const damaged = verified.checks.filter((c) => c.problem && c.state !== 'missing');
  const problems = damaged.length || verified.status.stage === 'weights' ? damaged : verified.checks.filter((c) => c.problem && c.required);
  if (!verified.ok) {
    const first = problems[0]?.problem ?? verified.status.engines.find((e) => e.id === 'propainter')!.detail;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''} above)` : '';
    throw new UserError('bad-input', `${first}${more}`);
  }
}

export async function modelsImportCommand(from: string, o: ModelsOptions, ctx: CliContext): Promise<void> {
  const tty = !o.json && ctx.streams.err.isTTY;
  const status = await importModels(path.resolve(from), modelsDirFor(o.models), {
    signal: ctx.signal,
    onBuildProgress: (p) => {
      if (o.json) writeJsonLine(ctx.streams.out, { event: 'build', ...p });
      else if (tty) ctx.streams.err.write(`\r\x1b[2K${progressLine({ phase: 'build', ...p })}${p.done === p.total ? '\n' : ''}`);
    },
  });
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

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
}

/** One line of progress for a terminal, e.g. "ProPainter.pth  40.2 of 150.4 MB  3.1 MB/s  36 s left". */
export function progressLine(p: ModelsProgress): string {
  if (p.phase === 'verify') return `checking ${p.file}…`;
  if (p.phase === 'build') return `building the graphs: ${p.step} (${p.done}/${p.total})`;
  const parts = [`${p.file}  ${formatMb(p.receivedBytes)}${p.totalBytes ? ` of ${formatMb(p.totalBytes)}` : ''}`];
  if (p.bytesPerSecond > 0) parts.push(`${formatMb(p.bytesPerSecond)}/s`);
  if (p.etaSeconds !== null && p.receivedBytes < p.totalBytes) parts.push(`${formatDuration(p.etaSeconds)} left`);
  return parts.join('  ');
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
  if (!o.json) ctx.streams.err.write(`Downloading under the ${license.name} (${license.commercialUse ? 'commercial use allowed' : 'non-commercial use only'}) into ${dir}\n`);
  const result = await downloadModels({
    dir,
    manifest,
    acceptLicense: true,
    includeFp16: o.fp16 !== false,
    signal: ctx.signal,
    onProgress: (p) => {
      if (o.json) writeJsonLine(ctx.streams.out, p.phase === 'download' ? { event: 'download', file: p.file, receivedBytes: p.receivedBytes, totalBytes: p.totalBytes, bytesPerSecond: Math.round(p.bytesPerSecond), etaSeconds: p.etaSeconds === null ? null : Math.round(p.etaSeconds) } : { event: p.phase, ...p, phase: undefined });
      else if (tty) ctx.streams.err.write(`\r\x1b[2K${progressLine(p)}`);
      else if (p.phase === 'verify') ctx.streams.err.write(`downloaded ${p.file}; checking it\n`);
      else if (p.phase === 'build' && p.done === p.total) ctx.streams.err.write(`built the graphs (${p.total} steps)\n`);
    },
  });
  if (tty) ctx.streams.err.write('\r\x1b[2K');
  if (!o.json) {
    const built = result.built ? `; built ${result.built.length} graph file(s)` : '';
    ctx.streams.err.write(`downloaded ${result.downloaded.length} file(s), ${result.skipped.length} already present and verified${built}\n`);
  }
  report(await modelsStatus(dir), o, ctx);
}
