/**
 * Downloading the model files a manifest lists, into the user's models folder: only after the
 * licence was accepted, with progress, resumable (bytes arrive in `<file>.partial`; a rerun asks
 * for the rest with an HTTP Range request) and verified (size and sha256) before the file takes
 * its real name. Files that already verify are skipped.
 */
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { UserError } from '../../common/errors';
import { fileUrl, MANIFEST_FILE, type ModelFile, type ModelManifest } from './manifest';
import { checkModelFile, formatBytes, isRequired, sha256File } from './verify';

export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  /** From the manifest, else the server's Content-Length; 0 when unknown. */
  totalBytes: number;
}

export interface DownloadOptions {
  dir: string;
  manifest: ModelManifest;
  /** The caller showed the licence (manifest.license) and the user accepted it. */
  acceptLicense: boolean;
  /** Also fetch the optional fp16 files (default true). */
  includeFp16?: boolean;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
}

export interface DownloadResult {
  downloaded: string[];
  skipped: string[];
}

/** Calls through at most every `ms` milliseconds, and always for the final value. */
function throttle(fn: (p: DownloadProgress) => void, ms: number): (p: DownloadProgress, final?: boolean) => void {
  let last = 0;
  return (p, final = false) => {
    const now = Date.now();
    if (final || now - last >= ms) {
      last = now;
      fn(p);
    }
  };
}

async function downloadOne(url: string, entry: ModelFile, dir: string, opts: DownloadOptions): Promise<void> {
  const target = path.join(dir, entry.file);
  const partial = `${target}.partial`;
  let have = existsSync(partial) ? statSync(partial).size : 0;
  if (entry.size !== null && have > entry.size) {
    await rm(partial, { force: true });
    have = 0;
  }
  const report = throttle((p) => opts.onProgress?.(p), 100);
  const host = new URL(url).host;

  if (entry.size === null || have < entry.size) {
    let res: Response;
    try {
      res = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: opts.signal, redirect: 'follow' });
    } catch (err) {
      if (opts.signal?.aborted) throw new UserError('cancelled', 'model download cancelled; run it again to resume');
      throw new UserError('io', `cannot reach ${host} to download ${entry.file} (${(err as Error).message}); check the connection and try again`);
    }
    if (res.status === 416 && have > 0) {
      // The server has nothing past what we hold: the partial file is complete (checked below).
      await res.body?.cancel();
    } else {
      if (res.status !== 200 && res.status !== 206) {
        await res.body?.cancel();
        throw new UserError('io', `downloading ${entry.file} from ${host} failed (HTTP ${res.status}); try again later`);
      }
      const append = res.status === 206 && have > 0;
      if (!append) have = 0; // the server ignored the range: start over
      const length = Number(res.headers.get('content-length') ?? 0);
      const total = entry.size ?? (length ? have + length : 0);
      let received = have;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          received += chunk.length;
          report({ file: entry.file, receivedBytes: received, totalBytes: total });
          done(null, chunk);
        },
      });
      try {
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), counter, createWriteStream(partial, { flags: append ? 'a' : 'w' }), { signal: opts.signal });
      } catch (err) {
        if (opts.signal?.aborted) throw new UserError('cancelled', 'model download cancelled; run it again to resume');
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new UserError('io', `the disk is full while downloading ${entry.file} into ${dir}; free space and download again`);
        throw new UserError('io', `the download of ${entry.file} from ${host} was interrupted after ${formatBytes(received)} (${(err as Error).message}); run it again to resume`);
      }
      report({ file: entry.file, receivedBytes: received, totalBytes: total }, true);
    }
  }

  const size = statSync(partial).size;
  if (entry.size !== null && size !== entry.size) {
    if (size > entry.size) await rm(partial, { force: true });
    throw new UserError('io', `${entry.file} from ${host} is ${formatBytes(size)} but should be ${formatBytes(entry.size)}; run the download again`);
  }
  if (entry.sha256 !== null && (await sha256File(partial, opts.signal)) !== entry.sha256) {
    await rm(partial, { force: true });
    throw new UserError('io', `${entry.file} downloaded from ${host} is corrupt (sha256 mismatch) and was deleted; run the download again`);
  }
  await rename(partial, target);
}

export async function downloadModels(opts: DownloadOptions): Promise<DownloadResult> {
  const { manifest, dir } = opts;
  if (opts.acceptLicense !== true)
    throw new UserError('bad-input', `the ProPainter models are under the ${manifest.license.name} (${manifest.license.commercialUse ? 'commercial use allowed' : 'non-commercial use only'}); accept the licence before downloading`);
  const wanted = manifest.files.filter((f) => isRequired(f) || opts.includeFp16 !== false);
  const noUrl = wanted.find((f) => fileUrl(manifest, f) === null);
  if (noUrl)
    throw new UserError('unsupported', `no download location is known for ${noUrl.file}; convert the official weights with models/convert and use "Import models folder" instead`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new UserError('io', `cannot create the models folder ${dir}: ${(err as Error).message}`);
  }

  const result: DownloadResult = { downloaded: [], skipped: [] };
  for (const entry of wanted) {
    opts.signal?.throwIfAborted();
    const existing = await checkModelFile(dir, entry, { hash: true, signal: opts.signal });
    if (existing.state === 'ok') {
      result.skipped.push(entry.file);
      continue;
    }
    if (existing.state !== 'missing') await rm(path.join(dir, entry.file), { force: true });
    await downloadOne(fileUrl(manifest, entry)!, entry, dir, opts);
    result.downloaded.push(entry.file);
  }
  const tmp = path.join(dir, `${MANIFEST_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify({ ...manifest, files: wanted }, null, 2)}\n`);
  await rename(tmp, path.join(dir, MANIFEST_FILE));
  return result;
}
