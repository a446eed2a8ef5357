/**
 * One HTTP download into `<file>.partial`, resumable: bytes already there are kept and the rest is
 * asked for with a Range request (a server that ignores it sends everything and the download starts
 * over). Progress carries speed and time left. Failures are one line naming the file: the HTTP
 * status, the network error, a full disk, an interruption (the partial file stays for the next try).
 */
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { UserError } from '../../common/errors';
import { formatBytes } from './verify';

export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  /** The manifest's size, else the server's, else the manifest's approximate size; 0 when unknown. */
  totalBytes: number;
  /** Over the last few seconds; 0 until measurable. */
  bytesPerSecond: number;
  /** Null while the speed or the total is unknown. */
  etaSeconds: number | null;
}

/** Bytes per second over a sliding window of recent samples (a plain average would hide a stall). */
export class RateMeter {
  private readonly samples: { t: number; bytes: number }[] = [];
  constructor(private readonly windowMs = 5000) {}

  add(t: number, totalBytes: number): void {
    this.samples.push({ t, bytes: totalBytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > this.windowMs) this.samples.shift();
  }

  bytesPerSecond(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.t - first.t < 200) return 0;
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t);
  }
}

export interface FetchFileOptions {
  url: string;
  /** The file's name, for messages and progress. */
  name: string;
  partial: string;
  /** Exact size when the manifest knows it (then a longer partial file is discarded). */
  expectedBytes: number | null;
  /** For progress only, when neither the manifest nor the server says. */
  approxBytes: number | null;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Milliseconds between progress reports (the last one always comes). */
  progressEveryMs?: number;
}

const cancelled = () => new UserError('cancelled', 'model download cancelled; run it again to resume');

/** Downloads the rest of `url` into `partial`; resolves when the server has sent everything it has. */
export async function fetchToPartial(opts: FetchFileOptions): Promise<void> {
  const { url, name, partial, expectedBytes } = opts;
  const host = new URL(url).host;
  let have = (await stat(partial).catch(() => null))?.size ?? 0;
  if (expectedBytes !== null && have > expectedBytes) {
    await rm(partial, { force: true });
    have = 0;
  }
  if (expectedBytes !== null && have === expectedBytes) return;

  let res: Response;
  try {
    res = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: opts.signal, redirect: 'follow' });
  } catch (err) {
    if (opts.signal?.aborted) throw cancelled();
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new UserError('io', `cannot reach ${host} to download ${name} (${cause?.code ?? cause?.message ?? (err as Error).message}); check the connection and try again`);
  }
  if (res.status === 416 && have > 0) {
    // Nothing past what we hold: the partial file is complete (the caller verifies it).
    await res.body?.cancel();
    return;
  }
  if (res.status !== 200 && res.status !== 206) {
    await res.body?.cancel();
    throw new UserError('io', `downloading ${name} from ${host} failed (HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}); try again later`);
  }
  // Append only when the server answered our range from where we stopped; otherwise start over.
  const rangeStart = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
  const append = res.status === 206 && have > 0 && rangeStart !== null && Number(rangeStart[1]) === have;
  if (res.status === 206 && !append) {
    await res.body?.cancel();
    await rm(partial, { force: true });
    throw new UserError('io', `${host} answered the resumed download of ${name} with the wrong part; run the download again to start it over`);
  }
  if (!append) have = 0;
  const length = Number(res.headers.get('content-length') ?? 0);
  const total = expectedBytes ?? (length ? have + length : (opts.approxBytes ?? 0));

  let received = have;
  const meter = new RateMeter();
  const every = opts.progressEveryMs ?? 250;
  let lastReport = 0;
  const report = (final: boolean) => {
    const now = Date.now();
    meter.add(now, received);
    if (!opts.onProgress || (!final && now - lastReport < every)) return;
    lastReport = now;
    const speed = meter.bytesPerSecond();
    const eta = speed > 0 && total > received ? (total - received) / speed : final || total === received ? 0 : null;
    opts.onProgress({ file: name, receivedBytes: received, totalBytes: total, bytesPerSecond: speed, etaSeconds: eta });
  };
  report(true);
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      report(false);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), counter, createWriteStream(partial, { flags: append ? 'a' : 'w' }), { signal: opts.signal });
  } catch (err) {
    if (opts.signal?.aborted) throw cancelled();
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new UserError('io', `the disk is full while downloading ${name} into ${path.dirname(partial)} (${formatBytes(received)} so far); free space and download again to resume`);
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new UserError('io', `the download of ${name} from ${host} was interrupted after ${formatBytes(received)} (${cause ?? (err as Error).message}); run it again to resume`);
  }
  report(true);
}
