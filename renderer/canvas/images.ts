/**
 * Decoded images by URL with a bounded LRU, and a loader for the source's proxy frames that asks the
 * host for each frame's cache ref, decodes it ahead of the playhead and keeps neighbours ready so that
 * scrubbing and playback never wait on the network or the decoder for cached frames.
 */

export class ImageCache {
  private readonly images = new Map<string, HTMLImageElement>();
  private readonly pending = new Map<string, Promise<HTMLImageElement>>();

  constructor(private readonly capacity: number) {}

  /** A decoded image, or null; touching it keeps it in the cache. */
  get(url: string): HTMLImageElement | null {
    const img = this.images.get(url);
    if (!img) return null;
    this.images.delete(url);
    this.images.set(url, img);
    return img;
  }

  load(url: string, crossOrigin = false): Promise<HTMLImageElement> {
    const have = this.get(url);
    if (have) return Promise.resolve(have);
    let p = this.pending.get(url);
    if (!p) {
      const img = new Image();
      if (crossOrigin) img.crossOrigin = 'anonymous';
      img.decoding = 'async';
      img.src = url;
      // decode() resolves once the bitmap is ready to paint, so drawing it never stalls a frame.
      p = img
        .decode()
        .then(() => {
          this.images.set(url, img);
          while (this.images.size > this.capacity) this.images.delete(this.images.keys().next().value!);
          return img;
        })
        .finally(() => this.pending.delete(url));
      this.pending.set(url, p);
    }
    return p;
  }

  clear(): void {
    this.images.clear();
  }
}

export interface FrameSourceOptions {
  frameCount: number;
  /** Asks the host for the cache ref of one proxy frame (api.media.frame). */
  frameRef(index: number): Promise<string>;
  url(ref: string): string;
  /** Decoded frames kept: enough for a few seconds of scrubbing around the playhead. */
  capacity?: number;
  /** Frames decoded ahead in the direction of travel. */
  lookahead?: number;
  /** Concurrent ref requests + decodes. */
  concurrency?: number;
}

/** Proxy frames of one opened media. */
export class FrameSource {
  private readonly refs = new Map<number, string>();
  private readonly cache: ImageCache;
  private readonly wanted: number[] = [];
  private active = 0;
  private readonly listeners = new Set<(index: number) => void>();
  private disposed = false;
  readonly failed = new Map<number, string>();

  constructor(private readonly o: FrameSourceOptions) {
    this.cache = new ImageCache(o.capacity ?? 96);
  }

  /** The decoded frame if it is ready now. */
  image(index: number): HTMLImageElement | null {
    const ref = this.refs.get(index);
    return ref ? this.cache.get(this.o.url(ref)) : null;
  }

  /** Called whenever a frame becomes ready. */
  onReady(listener: (index: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Makes `index` the most urgent frame and queues its neighbours, mostly in `direction` (+1 forwards,
   * -1 backwards, 0 around). Older requests that are no longer near the playhead are dropped.
   */
  focus(index: number, direction: -1 | 0 | 1 = 0): void {
    const ahead = this.o.lookahead ?? 12;
    const order: number[] = [index];
    const behind = direction === 0 ? Math.ceil(ahead / 2) : 3;
    const front = direction === 0 ? Math.ceil(ahead / 2) : ahead;
    const sign = direction === -1 ? -1 : 1;
    for (let k = 1; k <= Math.max(front, behind); k++) {
      if (k <= front) order.push(index + sign * k);
      if (k <= behind) order.push(index - sign * k);
    }
    this.wanted.length = 0;
    for (const i of order) if (i >= 0 && i < this.o.frameCount && !this.image(i)) this.wanted.push(i);
    this.pump();
  }

  private pump(): void {
    const limit = this.o.concurrency ?? 4;
    while (!this.disposed && this.active < limit && this.wanted.length) {
      const index = this.wanted.shift()!;
      if (this.image(index)) continue;
      this.active++;
      this.fetch(index)
        .then(() => {
          if (!this.disposed) for (const l of this.listeners) l(index);
        })
        .catch((err: unknown) => this.failed.set(index, err instanceof Error ? err.message : String(err)))
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }

  private async fetch(index: number): Promise<void> {
    let ref = this.refs.get(index);
    if (!ref) {
      ref = await this.o.frameRef(index);
      this.refs.set(index, ref);
    }
    await this.cache.load(this.o.url(ref));
  }

  dispose(): void {
    this.disposed = true;
    this.wanted.length = 0;
    this.listeners.clear();
    this.cache.clear();
  }
}
