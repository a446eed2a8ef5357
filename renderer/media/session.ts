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

/** Finished frames of the current job and the refs of their preview JPEGs. */
export class JobResults {
  private readonly refs = new Map<number, string>();
  constructor(readonly jobId: string | null = null) {}
  add(index: number, ref: string): void {
    this.refs.set(index, ref);
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

  startJob(jobId: string): void {
    this.results = new JobResults(jobId);
  }
}
