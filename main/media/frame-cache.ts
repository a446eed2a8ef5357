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
 */
import { createHash } from 'node:crypto';
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
   * Frames on disk, read once from the folder and kept up to date as frames are written: answering
   * from memory keeps file system calls off the app's main process, which serves every scrub.
   */
  private known: Set<number> | null = null;
  private loadingKnown: Promise<Set<number>> | null = null;

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
  async ensure(index: number): Promise<MediaRef> {
    const { frameCount, path: source } = this.opts.probe;
    if (!Number.isInteger(index) || index < 0 || index >= frameCount) throw new UserError('bad-input', `Frame ${index} is not in ${source}, which has frames 0..${frameCount - 1}.`);
    const backwards = this.lastRequested !== null && index < this.lastRequested;
    this.lastRequested = index;
    if (!this.known) await this.loadKnown();
    return this.request(index, backwards);
  }

  private loadKnown(): Promise<Set<number>> {
    return (this.loadingKnown ??= readdir(this.dir)
      .then((names) => new Set(names.filter((n) => /^\d{6}\.jpg$/.test(n)).map((n) => Number(n.slice(0, 6)))), () => new Set<number>())
      .then((set) => (this.known = set)));
  }

  private has(index: number): boolean {
    return this.known!.has(index);
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
          if (!this.has(frame.index)) await this.write(frame.index, frame.data);
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

  private async write(index: number, data: Uint8Array): Promise<void> {
    await writeFileAtomically(this.pathFor(index), data);
    this.known!.add(index);
  }

  /** Waits for one of the ensure() process slots; the newest request is served first. */
  private async slot(): Promise<void> {
    if (this.running >= MAX_ENSURE_PROCESSES) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
  }

  private async runFill(signal: AbortSignal, onProgress?: (cached: number, total: number) => void): Promise<void> {
    const total = this.opts.probe.frameCount;
    await mkdir(this.dir, { recursive: true });
    const cached = this.known ?? (await this.loadKnown());
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
        if (!cached.has(frame.index)) await this.write(frame.index, frame.data);
        report();
      }
    } catch (err) {
      if (signal.aborted) return; // stop() is not a failure
      throw err;
    }
    if (!signal.aborted) report(true);
  }
}
