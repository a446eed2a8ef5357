/**
 * Opened media, by mediaId: the probe, the UI's proxy frame cache (main/media FrameCache) and the
 * timeline thumbnails. Decoding happens in ffmpeg processes; this only routes requests and events.
 * The newest media fills its frame cache in the background (`media.frameCache` events); the others
 * keep answering single frames on demand. One budget keeps the frames of all media under the
 * user's size limit (least recently used first).
 */
import type { MediaInfo, ProbeResult } from '../../common/contract/types';
import type { MediaRef } from '../../common/contract/define';
import { UserError } from '../../common/errors';
import { DEFAULT_FRAME_CACHE_BYTES, FrameCache, FrameCacheBudget, generateThumbnails, mediaIdFor, probeMedia } from '../media/index';
import type { Emit } from './context';
import type { Log } from './log';
import type { MediaOpener } from './project-store';

/** Media kept open at once; older ones are closed (their cached files stay on disk). */
const MAX_OPEN = 4;

interface OpenMedia {
  probe: ProbeResult;
  cache: FrameCache;
  thumbnails: AbortController | null;
}

export class MediaLibrary implements MediaOpener {
  private readonly open_ = new Map<string, OpenMedia>();
  private readonly budget: FrameCacheBudget;

  constructor(
    private readonly cacheDir: string,
    private readonly emit: Emit,
    private readonly log: Log,
    frameCacheLimitBytes = DEFAULT_FRAME_CACHE_BYTES,
  ) {
    this.budget = new FrameCacheBudget(cacheDir, frameCacheLimitBytes);
    // Counting a large cache takes a while: frames are served meanwhile, the limit applies after.
    void this.budget.scanAll().catch((err: unknown) => this.log.warn('could not count the frame cache', err));
  }

  /** The frame cache's size limit changed (a user setting): what is over it goes now. */
  setFrameCacheLimit(bytes: number): Promise<void> {
    return this.budget.setLimit(bytes);
  }

  /** Disk the frame cache takes now, and its limit. */
  frameCacheUsage(): { usedBytes: number; limitBytes: number; frames: number } {
    return { usedBytes: this.budget.usedBytes, limitBytes: this.budget.limit, frames: this.budget.frameCount };
  }

  async open(videoPath: string): Promise<MediaInfo> {
    const probe = await probeMedia(videoPath);
    const mediaId = await mediaIdFor(videoPath);
    let media = this.open_.get(mediaId);
    if (media) this.open_.delete(mediaId); // re-insert as the newest
    else media = { probe, cache: new FrameCache({ cacheRoot: this.cacheDir, mediaId, probe, budget: this.budget }), thumbnails: null };
    this.open_.set(mediaId, media);
    for (const [id, other] of this.open_) {
      if (id === mediaId) continue;
      other.cache.stop(); // only the media on screen fills in the background
      other.thumbnails?.abort();
      if (this.open_.size > MAX_OPEN) this.open_.delete(id);
    }
    media.cache
      .fillInBackground((cached, total) => this.emit('media.frameCache', { mediaId, cached, total }))
      .catch((err: unknown) => this.log.warn(`background frame cache for ${videoPath} stopped`, err));
    return { mediaId, probe, proxy: media.cache.proxy };
  }

  async frame(mediaId: string, index: number): Promise<{ ref: MediaRef }> {
    const media = this.get(mediaId);
    return { ref: await media.cache.ensure(index) };
  }

  /** Starts (or restarts) the thumbnail strip; each thumbnail arrives as a `media.thumbnail` event. */
  thumbnails(mediaId: string, count: number): { started: true } {
    const media = this.get(mediaId);
    media.thumbnails?.abort();
    const ctl = new AbortController();
    media.thumbnails = ctl;
    generateThumbnails({
      cacheRoot: this.cacheDir,
      mediaId,
      probe: media.probe,
      count,
      onThumbnail: (index: number, ref: MediaRef) => this.emit('media.thumbnail', { mediaId, index, ref }),
      signal: ctl.signal,
    }).catch((err: unknown) => {
      if (!ctl.signal.aborted) this.log.warn(`thumbnails for ${media.probe.path} stopped`, err);
    });
    return { started: true };
  }

  dispose(): void {
    for (const media of this.open_.values()) {
      media.cache.stop();
      media.thumbnails?.abort();
    }
    this.open_.clear();
  }

  private get(mediaId: string): OpenMedia {
    const media = this.open_.get(mediaId);
    if (!media) throw new UserError('not-found', 'That video is not open any more; open the project again.');
    return media;
  }
}
