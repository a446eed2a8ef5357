/**
 * FrameCacheBudget: the proxy frames of every source (`<cacheRoot>/frames/<mediaId>/<index>.jpg`) kept
 * under one size limit in bytes, the least recently used frames removed first. It is the record of
 * which frames are on disk, shared by the FrameCaches of all open media, so a frame it removes is
 * decoded again when asked for.
 *
 * Frames found on disk at start are older than anything used in this session and go first, oldest
 * file first; then frames read ahead that nobody asked for yet, oldest first; then the frames asked
 * for in this session, in the order they were last used. Disk use is bounded
 * by the limit and memory by the number of frames that fit in it (one small entry per frame),
 * whatever the length of the videos.
 *
 * Eviction starts once every folder has been counted (scanAll), so a limit is never enforced on a
 * partial count; frames written until then are counted and removed later if need be.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** The limit when the user has not chosen one: about an hour of 1080p proxies, a few hours at 640x360. */
export const DEFAULT_FRAME_CACHE_BYTES = 4 * 1024 ** 3;

const FRAME_FILE = /^(\d{6})\.jpg$/;
/** Files stat()ed at once while counting a folder. */
const STAT_BATCH = 64;

interface Entry {
  bytes: number;
  /** The file's mtime for frames found on disk; 0 once used in this session. */
  mtimeMs: number;
}

export class FrameCacheBudget {
  /** Frames found on disk and not used since, oldest file first once scanAll() sorted them. */
  private cold = new Map<string, Entry>();
  /** Frames read ahead (neighbours, the background fill) and not asked for since, oldest first. */
  private readonly ahead = new Map<string, Entry>();
  /** Frames asked for in this session, least recently used first. */
  private readonly hot = new Map<string, Entry>();
  private totalBytes = 0;
  /** Frames on disk per source. */
  private readonly perMedia = new Map<string, number>();
  private readonly folders = new Map<string, Promise<void>>();
  private scanned: Promise<void> | null = null;
  private counting = true;
  /** Removals under way, by key: a frame is not written again before its old file is gone. */
  private readonly removing = new Map<string, Promise<void>>();

  constructor(
    private readonly cacheRoot: string,
    private limitBytes: number = DEFAULT_FRAME_CACHE_BYTES,
  ) {}

  get limit(): number {
    return this.limitBytes;
  }

  /** Bytes of frames on disk (as far as counted). */
  get usedBytes(): number {
    return this.totalBytes;
  }

  get frameCount(): number {
    return this.cold.size + this.ahead.size + this.hot.size;
  }

  /** Changes the limit; frames over it are removed at once. */
  setLimit(bytes: number): Promise<void> {
    this.limitBytes = bytes;
    return this.evict();
  }

  /** Counts the frames of one source (before its first frame is served). */
  loadMedia(mediaId: string): Promise<void> {
    let loading = this.folders.get(mediaId);
    if (!loading) {
      loading = this.countFolder(mediaId);
      this.folders.set(mediaId, loading);
    }
    return loading;
  }

  /** Counts every folder of the cache, then removes what is over the limit. Safe to call again. */
  scanAll(): Promise<void> {
    return (this.scanned ??= (async () => {
      let ids: string[] = [];
      try {
        ids = (await readdir(path.join(this.cacheRoot, 'frames'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
      } catch {
        /* no cache yet */
      }
      for (const id of ids) await this.loadMedia(id);
      // Oldest file first: what was used longest ago (as far as the disk can tell) goes first.
      this.cold = new Map([...this.cold].sort((a, b) => a[1].mtimeMs - b[1].mtimeMs));
      this.counting = false;
      await this.evict();
    })());
  }

  /** Frames of one source on disk. */
  countOf(mediaId: string): number {
    return this.perMedia.get(mediaId) ?? 0;
  }

  has(mediaId: string, index: number): boolean {
    return this.entry(keyOf(mediaId, index)) !== undefined;
  }

  private entry(key: string): Entry | undefined {
    return this.hot.get(key) ?? this.ahead.get(key) ?? this.cold.get(key);
  }

  /** Marks a frame as just used. */
  touch(mediaId: string, index: number): void {
    const key = keyOf(mediaId, index);
    const entry = this.entry(key);
    if (!entry) return;
    this.cold.delete(key);
    this.ahead.delete(key);
    this.hot.delete(key);
    this.hot.set(key, { bytes: entry.bytes, mtimeMs: 0 });
  }

  /** Whether `bytes` more fit without removing anything (read-ahead never pushes out what was used). */
  hasRoomFor(bytes: number): boolean {
    return this.totalBytes + bytes <= this.limitBytes;
  }

  /** Resolves when an earlier file of this frame is gone, so that a new one can be written. */
  beforeWrite(mediaId: string, index: number): Promise<void> {
    return this.removing.get(keyOf(mediaId, index)) ?? Promise.resolve();
  }

  /**
   * Records a frame just written, as the most recently used one when it was `asked` for (else as read
   * ahead), and removes what is over the limit.
   */
  added(mediaId: string, index: number, bytes: number, asked: boolean): Promise<void> {
    const key = keyOf(mediaId, index);
    const previous = this.entry(key);
    if (previous) this.forget(key, previous);
    (asked ? this.hot : this.ahead).set(key, { bytes, mtimeMs: 0 });
    this.counted(mediaId, bytes, 1);
    return this.evict();
  }

  /** Removes least recently used frames until the total is within the limit; the newest frame always stays. */
  private async evict(): Promise<void> {
    if (this.counting) return;
    const removals: Promise<void>[] = [];
    while (this.totalBytes > this.limitBytes && this.frameCount > 1) {
      const from = this.cold.size ? this.cold : this.ahead.size ? this.ahead : this.hot;
      const [key, entry] = from.entries().next().value as [string, Entry];
      this.forget(key, entry);
      removals.push(this.remove(key));
    }
    await Promise.all(removals);
  }

  private forget(key: string, entry: Entry): void {
    this.cold.delete(key);
    this.ahead.delete(key);
    this.hot.delete(key);
    this.counted(key.slice(0, key.indexOf('/')), -entry.bytes, -1);
  }

  private counted(mediaId: string, bytes: number, frames: number): void {
    this.totalBytes += bytes;
    const n = (this.perMedia.get(mediaId) ?? 0) + frames;
    if (n > 0) this.perMedia.set(mediaId, n);
    else this.perMedia.delete(mediaId);
  }

  private remove(key: string): Promise<void> {
    const earlier = this.removing.get(key) ?? Promise.resolve();
    const removal = earlier
      .then(() => rm(path.join(this.cacheRoot, 'frames', `${key}.jpg`), { force: true }))
      .catch(() => undefined) // a file already gone is what we wanted
      .finally(() => {
        if (this.removing.get(key) === removal) this.removing.delete(key);
      });
    this.removing.set(key, removal);
    return removal;
  }

  private async countFolder(mediaId: string): Promise<void> {
    const dir = path.join(this.cacheRoot, 'frames', mediaId);
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => FRAME_FILE.test(n));
    } catch {
      return; // nothing cached for this source yet
    }
    for (let i = 0; i < names.length; i += STAT_BATCH) {
      const batch = names.slice(i, i + STAT_BATCH);
      const stats = await Promise.all(batch.map((n) => stat(path.join(dir, n)).catch(() => null)));
      batch.forEach((name, k) => {
        const st = stats[k];
        const key = keyOf(mediaId, Number(name.slice(0, 6)));
        // A frame written in this session while the folder was being counted is already known.
        if (!st || !st.isFile() || this.entry(key)) return;
        this.cold.set(key, { bytes: st.size, mtimeMs: st.mtimeMs });
        this.counted(mediaId, st.size, 1);
      });
    }
  }
}

function keyOf(mediaId: string, index: number): string {
  return `${mediaId}/${String(index).padStart(6, '0')}`;
}
