/**
 * Per-project resources outside the store (they hold decoded images and grow with the clip, so they
 * are indexes with a version number in the store rather than store state): the proxy frame source,
 * timeline thumbnails, the current job's finished frames, imported mask frames and the overlay cache.
 * The editor owns one MediaSession; `open` switches it to another clip.
 */
import type { MediaInfo } from '../../common/contract/types';
import { BitmapFrames } from './bitmaps';
import { BitmapCache, FrameSource } from './images';
import { MaskOverlay } from './maskOverlay';

/**
 * Result frames: their preview refs and what made them (fingerprints, common/project/fingerprint.ts).
 * Loaded from the result the host keeps for the clip when a project opens; a run adds its frames as
 * they stream in, on top of the earlier ones (which stay on screen until replaced).
 */
export class JobResults {
  private readonly refs = new Map<number, string>();
  private readonly madeFrom = new Map<number, string>();
  /** The fingerprints of the frames the running job makes, from `from` on (what its frames are made from). */
  private run: { from: number; fingerprints: readonly string[] } | null = null;
  /** Bumped by every change, so what is derived from the results can be cached. */
  version = 0;

  constructor(
    readonly jobId: string | null = null,
    earlier?: JobResults,
  ) {
    if (earlier)
      for (const [i, ref] of earlier.refs) {
        this.refs.set(i, ref);
        const f = earlier.madeFrom.get(i);
        if (f) this.madeFrom.set(i, f);
      }
  }

  /** What the frames of this job are made from (computed when it starts). */
  setRun(from: number, fingerprints: readonly string[]): void {
    this.run = { from, fingerprints };
  }

  add(index: number, ref: string, fingerprint?: string): void {
    this.version++;
    this.refs.set(index, ref);
    const f = fingerprint ?? this.run?.fingerprints[index - this.run.from];
    if (f) this.madeFrom.set(index, f);
    else this.madeFrom.delete(index);
  }

  /** What frame `index`'s result was made from, or null (unknown: treated as stale). */
  fingerprint(index: number): string | null {
    return this.madeFrom.get(index) ?? null;
  }
  ref(index: number): string | null {
    return this.refs.get(index) ?? null;
  }
  has(index: number): boolean {
    return this.refs.has(index);
  }
  get count(): number {
    return this.refs.size;
  }
  indices(): IterableIterator<number> {
    return this.refs.keys();
  }
}

export interface MediaHost {
  /** Asks the host for the cache ref of one proxy frame (api.media.frame). */
  frameRef(mediaId: string, index: number): Promise<string>;
  mediaUrl(ref: string): string;
}

export class MediaSession {
  info: MediaInfo | null = null;
  frames: FrameSource | null = null;
  readonly thumbnails = new Map<number, string>();
  results = new JobResults();
  /** Result previews (decoded) by URL. */
  readonly resultImages = new BitmapCache(96 << 20);
  readonly bitmaps: BitmapFrames;
  readonly overlay: MaskOverlay;

  constructor(private readonly host: MediaHost) {
    this.bitmaps = new BitmapFrames((ref) => host.mediaUrl(ref));
    this.overlay = new MaskOverlay(this.bitmaps);
  }

  url(ref: string): string {
    return this.host.mediaUrl(ref);
  }

  open(info: MediaInfo): void {
    if (this.info?.mediaId === info.mediaId && this.frames) return;
    this.frames?.dispose();
    this.info = info;
    this.thumbnails.clear();
    this.results = new JobResults();
    this.resultImages.clear();
    this.overlay.clear();
    this.frames = new FrameSource({
      frameCount: info.probe.frameCount,
      frameRef: (index) => this.host.frameRef(info.mediaId, index),
      url: (ref) => this.host.mediaUrl(ref),
    });
  }

  /** A job starts: its frames replace the earlier ones as they arrive; `fingerprints` say what they are made from. */
  startJob(jobId: string, from: number, fingerprints: readonly string[]): void {
    this.results = new JobResults(jobId, this.results);
    this.results.setRun(from, fingerprints);
  }

  /** The result the host keeps for this clip (results.get), shown until a run replaces it. */
  keep(frames: readonly { index: number; fingerprint: string; ref: string }[]): void {
    this.results = new JobResults();
    for (const f of frames) this.results.add(f.index, f.ref, f.fingerprint);
  }
}
