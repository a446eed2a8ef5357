/**
 * Render results kept in the cache with what made them, so they survive a reload, a restart and
 * reopening the project, and a later run redoes only the frames whose inputs changed
 * (common/project/fingerprint.ts). One folder per source video and mode:
 *
 *   <cache>/results/<key>/manifest.json          what the last completed run left (below)
 *   <cache>/results/<key>/result-<run>.mkv       the whole clip, FFV1 (what export transcodes)
 *   <cache>/results/<key>/runs/<run>/preview/    JPEG previews of the frames that run computed
 *
 * The manifest names the video and, per frame of the range, its fingerprint and preview; a run that
 * reused a frame points at the earlier run's preview. A run writes under its own names and the
 * manifest is replaced atomically when it completes; whatever no manifest names (a failed, cancelled
 * or killed run's files, an older video) is removed then and at the next start.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { StoredResults } from '../../common/contract/types';
import type { RenderMode } from '../../common/project/fingerprint';
import type { ProjectDoc, ProjectSource } from '../../common/project/schema';
import { mediaIdFor } from '../media/index';
import { writeFileAtomic } from './atomic-file';
import type { Log } from './log';

interface Manifest {
  format: 'cleanplate-results';
  version: 1;
  /** The video of the whole clip, relative to the folder. */
  video: string;
  /** The source as the render saw it (export needs its path, rotation and frame rate). */
  source: ProjectSource;
  /** Per frame of the range: its fingerprint and its preview (relative to the folder). */
  frames: Record<string, { fingerprint: string; preview: string }>;
}

export interface StoredResult {
  key: string;
  dir: string;
  video: string;
  source: ProjectSource;
  frames: Map<number, { fingerprint: string; preview: string }>;
}

const RESULT_ID = /^res-([0-9a-f]{20})$/;

export class ResultStore {
  readonly root: string;

  constructor(
    cacheDir: string,
    private readonly log: Log,
  ) {
    this.root = path.join(cacheDir, 'results');
  }

  /** The folder of `doc`'s results in `mode` (the outpainting canvas is part of it: its frames are larger). */
  async keyFor(doc: Pick<ProjectDoc, 'source' | 'outpaint'>, mode: RenderMode): Promise<string> {
    const mediaId = await mediaIdFor(doc.source.path);
    const canvas = mode === 'outpaint' ? [doc.outpaint.scaleH, doc.outpaint.scaleW] : null;
    return createHash('sha256').update(JSON.stringify([mediaId, mode, canvas])).digest('hex').slice(0, 20);
  }

  dirOf(key: string): string {
    return path.join(this.root, key);
  }

  /** The id export.start takes for a kept result. */
  static idOf(key: string): string {
    return `res-${key}`;
  }

  async read(doc: Pick<ProjectDoc, 'source' | 'outpaint'>, mode: RenderMode): Promise<StoredResult | null> {
    return this.readKey(await this.keyFor(doc, mode).catch(() => ''));
  }

  /** A kept result by the id results.get gave out (for export). */
  async byId(resultId: string): Promise<StoredResult | null> {
    const m = RESULT_ID.exec(resultId);
    return m ? this.readKey(m[1]!) : null;
  }

  /** What the renderer is told: the result's id and each frame's fingerprint and preview ref. */
  static describe(stored: StoredResult): StoredResults {
    return {
      resultId: ResultStore.idOf(stored.key),
      frames: [...stored.frames].map(([index, f]) => ({ index, fingerprint: f.fingerprint, ref: `results/${stored.key}/${f.preview}` })),
    };
  }

  /** Makes a completed run the kept result, then removes what no longer belongs to it. */
  async commit(key: string, run: { video: string; source: ProjectSource; frames: Map<number, { fingerprint: string; preview: string }> }): Promise<void> {
    const dir = this.dirOf(key);
    const manifest: Manifest = {
      format: 'cleanplate-results',
      version: 1,
      video: path.relative(dir, run.video),
      source: run.source,
      frames: Object.fromEntries([...run.frames].map(([i, f]) => [String(i), f])),
    };
    await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    await this.prune(key);
  }

  /** Removes what a failed or cancelled run wrote. */
  async discardRun(key: string, runId: string): Promise<void> {
    const dir = this.dirOf(key);
    await Promise.all([fs.rm(path.join(dir, `result-${runId}.mkv`), { force: true }), fs.rm(path.join(dir, 'runs', runId), { recursive: true, force: true })]);
  }

  /** At start: what killed runs left behind goes (a folder without a manifest goes whole). */
  async clean(): Promise<void> {
    const keys = await fs.readdir(this.root).catch(() => [] as string[]);
    for (const key of keys) await this.prune(key).catch((err) => this.log.warn(`results ${key}: cleanup failed`, err));
  }

  private async readKey(key: string): Promise<StoredResult | null> {
    if (!/^[0-9a-f]{20}$/.test(key)) return null;
    const dir = this.dirOf(key);
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    } catch {
      return null;
    }
    if (manifest.format !== 'cleanplate-results' || manifest.version !== 1 || typeof manifest.video !== 'string') return null;
    const video = path.join(dir, manifest.video);
    if (!(await fs.stat(video).catch(() => null))) return null;
    const frames = new Map<number, { fingerprint: string; preview: string }>();
    for (const [i, f] of Object.entries(manifest.frames ?? {})) if (typeof f?.fingerprint === 'string' && typeof f.preview === 'string') frames.set(Number(i), f);
    return { key, dir, video, source: manifest.source, frames };
  }

  /** Deletes the folder's files and run folders its manifest does not name. */
  private async prune(key: string): Promise<void> {
    const dir = this.dirOf(key);
    const stored = await this.readKey(key);
    if (!stored) {
      await fs.rm(dir, { recursive: true, force: true });
      return;
    }
    const keepVideo = path.basename(stored.video);
    const keepRuns = new Set([...stored.frames.values()].map((f) => f.preview.split('/')[1]));
    for (const name of await fs.readdir(dir)) {
      if (name === 'manifest.json' || name === keepVideo || name === 'runs') continue;
      await fs.rm(path.join(dir, name), { recursive: true, force: true });
    }
    for (const run of await fs.readdir(path.join(dir, 'runs')).catch(() => [] as string[]))
      if (!keepRuns.has(run)) await fs.rm(path.join(dir, 'runs', run), { recursive: true, force: true });
  }
}
