/**
 * FrameCache: the UI's proxy frames of one source, as JPEG files under
 * `<cacheRoot>/frames/<mediaId>/<index 6 digits>.jpg`, served to the renderer by ref.
 *
 * ensure(i) decodes one missing frame at once (exact seek, its own ffmpeg). fillInBackground()
 * decodes every missing frame in order with one ffmpeg process, and pauses (by not reading its
 * pipe, so ffmpeg waits) while any ensure() is running: what the user is looking at comes first.
 * Files appear atomically (temporary name, then rename), so a reader never sees half a JPEG, and a
 * later fill resumes from the first missing frame.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { MediaRef } from '../../common/contract/define';
import type { ProbeResult } from '../../common/contract/types';
import { UserError } from '../../common/errors';
import { cacheRefFor, fitWithin } from './cache-layout';
import { jpegFrames } from './jpeg-frames';
import { writeFileAtomically } from './output-files';
import { inspectSource } from './source';

export { generateThumbnails, type ThumbnailOptions } from './thumbnails';

/** The largest proxy frame: enough for a viewer on a laptop screen, light enough to scrub. */
const PROXY_MAX = { width: 960, height: 540 };
const PROXY_JPEG_QUALITY = 3;
/** ensure() runs at most this many ffmpeg processes; newer requests go first (scrubbing). */
const MAX_ENSURE_PROCESSES = 2;
/** Background progress is reported at most this often (and once at the end). */
const PROGRESS_INTERVAL_MS = 200;

/** Size of the UI's proxy frames for a source of `width`x`height` (display orientation). */
export function proxySizeFor(width: number, height: number): { width: number; height: number } {
  return fitWithin(width, height, PROXY_MAX);
}

/** A stable id for a media file or frames folder: hash of its absolute path, size and mtime (hex). */
export async function mediaIdFor(file: string): Promise<string> {
  const abs = path.resolve(file);
  const source = await inspectSource(abs);
  const size = source.kind === 'file' ? source.size : source.files.length;
  return createHash('sha256').update(JSON.stringify([abs, size, source.mtimeMs])).digest('hex').slice(0, 16);
}

export interface FrameCacheOptions {
  cacheRoot: string;
  mediaId: string;
  probe: ProbeResult;
}

export class FrameCache {
  readonly proxy: { width: number; height: number };
  private readonly dir: string;
  private readonly inFlight = new Map<number, Promise<MediaRef>>();
  private running = 0;
  /** ensure() calls waiting for a process slot, newest last (served first). */
  private readonly waiting: Array<() => void> = [];
  /** Resolves the background fill's wait when no ensure() is pending. */
  private idleWaiters: Array<() => void> = [];
  private fill: { promise: Promise<void>; controller: AbortController } | null = null;

  constructor(private readonly opts: FrameCacheOptions) {
    this.proxy = proxySizeFor(opts.probe.width, opts.probe.height);
    this.dir = path.join(opts.cacheRoot, 'frames', opts.mediaId);
  }

  refFor(index: number): MediaRef {
    return cacheRefFor('frames', this.opts.mediaId, index);
  }

  pathFor(index: number): string {
    return path.join(this.opts.cacheRoot, this.refFor(index));
  }

  /** Makes sure frame `index` is cached and returns its ref. */
  ensure(index: number, signal?: AbortSignal): Promise<MediaRef> {
    const { frameCount, path: source } = this.opts.probe;
    if (!Number.isInteger(index) || index < 0 || index >= frameCount)
      return Promise.reject(new UserError('bad-input', `Frame ${index} is not in ${source}, which has frames 0..${frameCount - 1}.`));
    if (existsSync(this.pathFor(index))) return Promise.resolve(this.refFor(index));
    let pending = this.inFlight.get(index);
    if (!pending) {
      pending = this.decodeOne(index, signal).finally(() => {
        this.inFlight.delete(index);
        if (this.inFlight.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
      this.inFlight.set(index, pending);
    }
    return pending;
  }

  /**
   * Decodes every frame not yet cached, in order, with one ffmpeg process; reports
   * (cached, total) as it goes. Resolves when all are cached or stop() was called.
   */
  fillInBackground(onProgress?: (cached: number, total: number) => void): Promise<void> {
    if (this.fill) return this.fill.promise;
    const controller = new AbortController();
    const promise = this.runFill(controller.signal, onProgress).finally(() => {
      if (this.fill?.controller === controller) this.fill = null;
    });
    this.fill = { promise, controller };
    return promise;
  }

  /** Stops the background fill (ensure() keeps working). */
  stop(): void {
    this.fill?.controller.abort();
    this.fill = null;
  }

  private async decodeOne(index: number, signal?: AbortSignal): Promise<MediaRef> {
    await this.slot();
    try {
      signal?.throwIfAborted();
      if (existsSync(this.pathFor(index))) return this.refFor(index); // the fill got there first
      for await (const frame of jpegFrames(this.opts.probe, { ...this.proxy, quality: PROXY_JPEG_QUALITY, range: { start: index, end: index }, signal })) {
        await writeFileAtomically(this.pathFor(index), frame.data);
      }
      return this.refFor(index);
    } finally {
      this.running--;
      this.waiting.pop()?.();
    }
  }

  /** Waits for one of the ensure() process slots; the newest request is served first. */
  private async slot(): Promise<void> {
    if (this.running >= MAX_ENSURE_PROCESSES) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
  }

  private async runFill(signal: AbortSignal, onProgress?: (cached: number, total: number) => void): Promise<void> {
    const total = this.opts.probe.frameCount;
    await mkdir(this.dir, { recursive: true });
    const cached = new Set((await readdir(this.dir)).filter((n) => /^\d{6}\.jpg$/.test(n)).map((n) => Number(n.slice(0, 6))));
    let firstMissing = 0;
    while (cached.has(firstMissing)) firstMissing++;
    let reported = 0;
    const report = (force = false) => {
      const now = Date.now();
      if (force || now - reported >= PROGRESS_INTERVAL_MS) {
        reported = now;
        onProgress?.(Math.min(cached.size, total), total);
      }
    };
    report(true);
    if (firstMissing >= total) return;
    try {
      const frames = jpegFrames(this.opts.probe, { ...this.proxy, quality: PROXY_JPEG_QUALITY, range: { start: firstMissing, end: total - 1 }, signal });
      for await (const frame of frames) {
        // While the user waits for a frame, stop pulling: ffmpeg blocks on its pipe and yields the CPU.
        if (this.inFlight.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
        if (signal.aborted) break;
        if (!cached.has(frame.index) && !existsSync(this.pathFor(frame.index))) await writeFileAtomically(this.pathFor(frame.index), frame.data);
        cached.add(frame.index);
        report();
      }
    } catch (err) {
      if (signal.aborted) return; // stop() is not a failure
      throw err;
    }
    if (!signal.aborted) report(true);
  }
}
