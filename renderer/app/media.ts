/**
 * Per-project resources outside the store (they hold decoded images and grow with the clip, so they
 * are indexes with a version number in the store rather than store state): the proxy frame source,
 * timeline thumbnails, the current job's finished frames, imported mask frames and the overlay cache.
 */
import type { MediaInfo } from '../../common/contract/types';
import { api, mediaUrl } from '../bridge';
import { BitmapCache, FrameSource } from '../canvas/images';
import { MaskOverlay } from '../canvas/maskOverlay';
import { BitmapFrames } from './bitmaps';

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

class MediaSession {
  info: MediaInfo | null = null;
  frames: FrameSource | null = null;
  readonly thumbnails = new Map<number, string>();
  results = new JobResults();
  /** Result previews (decoded) by URL. */
  readonly resultImages = new BitmapCache(96 << 20);
  readonly bitmaps = new BitmapFrames(mediaUrl);
  readonly overlay = new MaskOverlay(this.bitmaps);

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
      frameRef: async (index) => (await api.media.frame({ mediaId: info.mediaId, index })).ref,
      url: mediaUrl,
    });
  }

  startJob(jobId: string): void {
    this.results = new JobResults(jobId);
  }
}

export const media = new MediaSession();
