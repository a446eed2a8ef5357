/**
 * FrameCache: the UI's proxy frames of one source, as JPEG files under
 * `<cacheRoot>/frames/<mediaId>/<index 6 digits>.jpg`, served to the renderer by ref.
 *
 * ensure(i) decodes a missing frame at once (exact seek, its own ffmpeg), and with it a short run of
 * its neighbours in the direction the user is moving: the seek costs up to a GOP of decoding, the
 * frames after it little, so stepping or scrubbing on pays one seek per run instead of one per frame.
 * fillInBackground() decodes every missing frame in order with one ffmpeg process, and pauses (by not
 * reading its pipe, so ffmpeg waits) while any ensure() is running: what the user looks at comes first.
 * Files appear atomically (temporary name, then rename), so a reader never sees half a JPEG, and a
 * later fill resumes from the first missing frame.
 *
 * Which frames are on disk is the budget's record (frame-cache-budget.ts), shared by every source: it
 * removes the least recently used frames over its size limit. The background fill stops when the
 * next frame would not fit, so reading ahead never pushes out frames the user looked at.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { MediaRef } from '../../common/contract/define';
import type { ProbeResult } from '../../common/contract/types';
import { UserError } from '../../common/errors';
import { cacheRefFor, fitWithin } from './cache-layout';
import { FrameCacheBudget } from './frame-cache-budget';
import { jpegFrames } from './jpeg-frames';
import { writeFileAtomically } from './output-files';
import { inspectSource } from './source';

export { generateThumbnails, type ThumbnailOptions } from './thumbnails';

/** The largest proxy frame: enough for a viewer on a laptop screen, light enough to scrub. */
const PROXY_MAX = { width: 960, height: 540 };
const PROXY_JPEG_QUALITY = 3;
/** ensure() runs at most this many ffmpeg processes; newer requests go first (scrubbing). */
const MAX_ENSURE_PROCESSES = 2;
/** Frames one ensure() decodes: the asked-for frame and its next neighbours (~0.3 s more at 1080p). */
const RUN_LENGTH = 12;
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
  /** The size limit shared with the other sources' caches; default: no limit. */
  budget?: FrameCacheBudget;
}

/** A frame an ensure() run will write; `wanted` once a caller waits for it (not only read ahead). */
interface PendingFrame {
  promise: Promise<MediaRef>;
  resolve(ref: MediaRef | Promise<MediaRef>): void;
  reject(err: unknown): void;
  wanted: boolean;
}

export class FrameCache {
  readonly proxy: { width: number; height: number };
  private readonly dir: string;
  private readonly inFlight = new Map<number, PendingFrame>();
  /** The last frame asked for: a request below it means the user is going backwards. */
  private lastRequested: number | null = null;
  private running = 0;
  /** ensure() calls waiting for a process slot, newest last (served first). */
  private readonly waiting: Array<() => void> = [];
  /** Resolves the background fill's wait when no ensure() is pending. */
  private idleWaiters: Array<() => void> = [];
  private fill: { promise: Promise<void>; controller: AbortController } | null = null;
  /**
   * Which frames are on disk, counted once and kept up to date as frames are written and removed:
   * answering from memory keeps file system calls off the app's main process, which serves every scrub.
   */
  private readonly budget: FrameCacheBudget;

  constructor(private readonly opts: FrameCacheOptions) {
    this.proxy = proxySizeFor(opts.probe.width, opts.probe.height);
    this.dir = path.join(opts.cacheRoot, 'frames', opts.mediaId);
    this.budget = opts.budget ?? new FrameCacheBudget(opts.cacheRoot, Infinity);
  }

  refFor(index: number): MediaRef {
    return cacheRefFor('frames', this.opts.mediaId, index);
  }

  pathFor(index: number): string {
    return path.join(this.opts.cacheRoot, this.refFor(index));
  }

  /** Makes sure frame `index` is cached and returns its ref. */
  async ensure(index: number): Promise<MediaRef> {
    const { frameCount, path: source } = this.opts.probe;
    if (!Number.isInteger(index) || index < 0 || index >= frameCount) throw new UserError('bad-input', `Frame ${index} is not in ${source}, which has frames 0..${frameCount - 1}.`);
    const backwards = this.lastRequested !== null && index < this.lastRequested;
    this.lastRequested = index;
    await this.budget.loadMedia(this.opts.mediaId);
    this.budget.touch(this.opts.mediaId, index);
    return this.request(index, backwards);
  }

  private has(index: number): boolean {
    return this.budget.has(this.opts.mediaId, index);
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

  private request(index: number, backwards: boolean): Promise<MediaRef> {
    if (this.has(index)) return Promise.resolve(this.refFor(index));
    const pending = this.inFlight.get(index);
    if (pending) {
      pending.wanted = true;
      return pending.promise;
    }
    const last = this.opts.probe.frameCount - 1;
    const run = backwards ? { start: Math.max(0, index - RUN_LENGTH + 1), end: index } : { start: index, end: Math.min(last, index + RUN_LENGTH - 1) };
    const mine = new Map<number, PendingFrame>();
    for (let i = run.start; i <= run.end; i++) {
      if (i === index || (!this.inFlight.has(i) && !this.has(i))) mine.set(i, this.pend(i, i === index));
    }
    const requested = mine.get(index)!.promise;
    void this.decodeRun(index, mine);
    return requested;
  }

  private pend(index: number, wanted: boolean): PendingFrame {
    let resolve!: PendingFrame['resolve'];
    let reject!: PendingFrame['reject'];
    const promise = new Promise<MediaRef>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => {}); // a frame read ahead may fail with nobody waiting for it
    const entry = { promise, resolve, reject, wanted };
    this.inFlight.set(index, entry);
    return entry;
  }

  /** Takes `entry` of frame `index` out of the in-flight map, if it is still the one there. */
  private settle(index: number, entry: PendingFrame): boolean {
    if (this.inFlight.get(index) !== entry) return false;
    this.inFlight.delete(index);
    if (this.inFlight.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    return true;
  }

  /**
   * Decodes the frames of `mine` (consecutive but for frames others decode) with one ffmpeg process.
   * A frame the run did not deliver is asked for again when a caller waits for it, so a failure only
   * reaches the caller whose own frame failed.
   */
  private async decodeRun(index: number, mine: Map<number, PendingFrame>): Promise<void> {
    let failure: unknown = null;
    await this.slot();
    try {
      // While this run waited for a slot, the background fill may have written some of its frames.
      const missing: number[] = [];
      for (const [i, entry] of mine) {
        if (!this.has(i)) missing.push(i);
        else if (this.settle(i, entry)) entry.resolve(this.refFor(i));
      }
      if (missing.length) {
        const range = { start: missing[0]!, end: missing.at(-1)! };
        for await (const frame of jpegFrames(this.opts.probe, { ...this.proxy, quality: PROXY_JPEG_QUALITY, range })) {
          const entry = mine.get(frame.index);
          if (!entry || this.inFlight.get(frame.index) !== entry) continue;
          if (!this.has(frame.index)) await this.write(frame.index, frame.data, entry.wanted);
          this.settle(frame.index, entry);
          entry.resolve(this.refFor(frame.index));
        }
      }
    } catch (err) {
      failure = err;
    } finally {
      this.running--;
      this.waiting.pop()?.();
    }
    for (const [i, entry] of mine) {
      if (!this.settle(i, entry)) continue;
      if (i === index) entry.reject(failure ?? new Error(`ffmpeg delivered no frame ${i} of ${this.opts.probe.path}`));
      else if (entry.wanted) entry.resolve(this.request(i, false));
      else entry.reject(failure);
    }
  }

  /** Writes a frame; `asked`: someone waits for it (else it was read ahead). */
  private async write(index: number, data: Uint8Array, asked: boolean): Promise<void> {
    await this.budget.beforeWrite(this.opts.mediaId, index);
    await writeFileAtomically(this.pathFor(index), data);
    await this.budget.added(this.opts.mediaId, index, data.length, asked);
  }

  /** Waits for one of the ensure() process slots; the newest request is served first. */
  private async slot(): Promise<void> {
    if (this.running >= MAX_ENSURE_PROCESSES) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
  }

  private async runFill(signal: AbortSignal, onProgress?: (cached: number, total: number) => void): Promise<void> {
    const total = this.opts.probe.frameCount;
    await mkdir(this.dir, { recursive: true });
    await this.budget.loadMedia(this.opts.mediaId);
    let firstMissing = 0;
    while (this.has(firstMissing)) firstMissing++;
    let reported = 0;
    const report = (force = false) => {
      const now = Date.now();
      if (force || now - reported >= PROGRESS_INTERVAL_MS) {
        reported = now;
        onProgress?.(Math.min(this.budget.countOf(this.opts.mediaId), total), total);
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
        if (!this.has(frame.index)) {
          if (!this.budget.hasRoomFor(frame.data.length)) break; // the cache is full: what is there stays
          await this.write(frame.index, frame.data, false);
        }
        report();
      }
    } catch (err) {
      if (signal.aborted) return; // stop() is not a failure
      throw err;
    }
    if (!signal.aborted) report(true);
  }
}
