/**
 * Decoded pictures for the viewer. Frames are kept as ImageBitmaps (decoded once, off the main
 * thread, drawn without another decode) in an LRU bounded by bytes, and the source's proxy frames are
 * fetched ahead of the playhead in its direction of travel, so scrubbing and playback draw cached
 * frames at display rate and never wait on the network or the decoder.
 */

type Picture = ImageBitmap;

/** Loads a URL into a decoded bitmap. The <img> path works for every scheme the CSP allows images from. */
async function loadBitmap(url: string): Promise<Picture> {
  const img = new Image();
  img.decoding = 'async';
  img.src = url;
  await img.decode();
  return createImageBitmap(img);
}

export class BitmapCache {
  private readonly items = new Map<string, Picture>();
  private readonly pending = new Map<string, Promise<Picture>>();
  private bytes = 0;

  constructor(
    private readonly budgetBytes: number,
    private readonly load: (url: string) => Promise<Picture> = loadBitmap,
  ) {}

  /** A decoded picture, or null; touching it keeps it longer. */
  get(url: string): Picture | null {
    const p = this.items.get(url);
    if (!p) return null;
    this.items.delete(url);
    this.items.set(url, p);
    return p;
  }

  fetch(url: string): Promise<Picture> {
    const have = this.get(url);
    if (have) return Promise.resolve(have);
    let p = this.pending.get(url);
    if (!p) {
      p = this.load(url)
        .then((pic) => {
          this.items.set(url, pic);
          this.bytes += pic.width * pic.height * 4;
          this.evict();
          return pic;
        })
        .finally(() => this.pending.delete(url));
      this.pending.set(url, p);
    }
    return p;
  }

  private evict(): void {
    for (const [url, pic] of this.items) {
      if (this.bytes <= this.budgetBytes || this.items.size <= 2) break;
      this.items.delete(url);
      this.bytes -= pic.width * pic.height * 4;
      pic.close();
    }
  }

  clear(): void {
    for (const pic of this.items.values()) pic.close();
    this.items.clear();
    this.bytes = 0;
  }
}

export interface FrameSourceOptions {
  frameCount: number;
  /** Asks the host for the cache ref of one proxy frame (api.media.frame). */
  frameRef(index: number): Promise<string>;
  url(ref: string): string;
  /** Decoded frames kept, in bytes (a 960x540 frame is about 2 MB). */
  budgetBytes?: number;
  /** Frames fetched ahead in the direction of travel. */
  lookahead?: number;
  /** Concurrent fetches. */
  concurrency?: number;
  load?: (url: string) => Promise<Picture>;
}

/** Proxy frames of one opened media. */
export class FrameSource {
  private readonly refs = new Map<number, string>();
  private readonly cache: BitmapCache;
  private wanted: number[] = [];
  private lastFocus: { index: number; direction: -1 | 0 | 1 } | null = null;
  private readonly active = new Set<number>();
  private readonly listeners = new Set<(index: number) => void>();
  private disposed = false;
  readonly failed = new Map<number, string>();

  constructor(private readonly o: FrameSourceOptions) {
    this.cache = new BitmapCache(o.budgetBytes ?? 256 << 20, o.load);
  }

  /** The decoded frame if it is ready now. */
  image(index: number): Picture | null {
    const ref = this.refs.get(index);
    return ref ? this.cache.get(this.o.url(ref)) : null;
  }

  /** Called whenever a frame becomes ready. */
  onReady(listener: (index: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Makes `index` the most urgent frame and queues the frames after it in `direction` (+1 forwards,
   * -1 backwards, 0 both ways). Queued frames no longer near the playhead are dropped.
   */
  focus(index: number, direction: -1 | 0 | 1 = 0): void {
    this.lastFocus = { index, direction };
    const ahead = this.o.lookahead ?? 24;
    const order: number[] = [index];
    const sign = direction === -1 ? -1 : 1;
    const front = direction === 0 ? ahead / 2 : ahead;
    const behind = direction === 0 ? ahead / 2 : 2;
    for (let k = 1; k <= Math.max(front, behind); k++) {
      if (k <= front) order.push(index + sign * k);
      if (k <= behind) order.push(index - sign * k);
    }
    this.wanted = order.filter((i) => i >= 0 && i < this.o.frameCount && !this.image(i) && !this.active.has(i));
    this.pump();
  }

  private pump(): void {
    const limit = this.o.concurrency ?? 6;
    while (!this.disposed && this.active.size < limit && this.wanted.length) {
      const index = this.wanted.shift()!;
      if (this.image(index) || this.active.has(index)) continue;
      this.active.add(index);
      this.fetch(index)
        .then(() => {
          if (!this.disposed) for (const l of this.listeners) l(index);
        })
        .catch((err: unknown) => this.failed.set(index, err instanceof Error ? err.message : String(err)))
        .finally(() => {
          this.active.delete(index);
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
    await this.cache.fetch(this.o.url(ref));
  }

  /** Asks again for what failed (the host was away) around the last focus. */
  retry(): void {
    this.failed.clear();
    if (this.lastFocus) this.focus(this.lastFocus.index, this.lastFocus.direction);
  }

  dispose(): void {
    this.disposed = true;
    this.wanted = [];
    this.listeners.clear();
    this.cache.clear();
  }
}
