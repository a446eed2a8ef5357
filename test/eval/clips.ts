/**
 * The evaluation clips (clips.json): where their files are, whether they are complete, how to import
 * them from a git clone of their source repository, and reading them at 432x240.
 *
 * Clip files never enter the repository. bmx-trees is read from ../shared/data (always present); the
 * others are copied into test/eval/clips/<name>/ (git-ignored) by `npm run eval -- --import <dir>...`,
 * where each <dir> is a clone (work tree or bare git directory) of a source repository. Every group of
 * files is checked against the manifest's sha256: that of the text `sha256sum *` prints in the
 * group's folder (one "<hex>  <name>" line per file, names in byte order), or of the file itself.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { decodeFrames } from '../../main/media';
import { repoRoot } from '../helpers/media';
import { rotoMasks, RotoSchema } from './masks';

export const EVAL_WIDTH = 432;
export const EVAL_HEIGHT = 240;

const GroupSchema = z.object({
  /** Path in the source repository (a folder, or one video file). */
  path: z.string(),
  /** Folder name in the clip's local folder (folders), or file name (a video). */
  folder: z.string().optional(),
  file: z.string().optional(),
  files: z.number().int().optional(),
  /** Inclusive frame range of a video. */
  range: z.tuple([z.number().int(), z.number().int()]).optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const ClipSchema = z.object({
  name: z.string(),
  split: z.enum(['tune', 'held-out']),
  pans: z.boolean(),
  what: z.string(),
  source: z.object({ repo: z.string(), commit: z.string().regex(/^[0-9a-f]{40}$/), licence: z.string() }),
  /** A folder (relative to the repository root) that already holds the files (frames/, masks/). */
  local: z.string().optional(),
  frames: GroupSchema,
  objects: z.discriminatedUnion('kind', [
    GroupSchema.extend({ kind: z.literal('segmentation') }),
    z.object({ kind: z.literal('roto'), path: z.string() }),
  ]),
  /** The clip whose object masks are laid over this one for the scored "object" masks. */
  donor: z.string(),
});

const ManifestSchema = z.object({ about: z.string(), clips: z.array(ClipSchema) });

export type EvalClip = z.infer<typeof ClipSchema>;
type Group = z.infer<typeof GroupSchema>;

export const clipsDir = path.join(repoRoot, 'test/eval/clips');

export function loadManifest(file = path.join(repoRoot, 'test/eval/clips.json')): EvalClip[] {
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const names = new Set(manifest.clips.map((c) => c.name));
  for (const c of manifest.clips) if (!names.has(c.donor) || c.donor === c.name) throw new Error(`clips.json: ${c.name}'s donor "${c.donor}" is not another clip of the set`);
  return manifest.clips;
}

/** The folder holding a clip's files. */
export function clipFolder(clip: EvalClip): string {
  return clip.local ? path.resolve(repoRoot, clip.local) : path.join(clipsDir, clip.name);
}

function groupTarget(clip: EvalClip, group: Group): string {
  return path.join(clipFolder(clip), group.folder ?? group.file ?? path.basename(group.path));
}

/** sha256 of `sha256sum *` in a folder (plain files, names in byte order), or of a file. */
export function groupHash(target: string): string {
  if (!statSync(target).isDirectory()) return sha256(readFileSync(target));
  const names = readdirSync(target)
    .filter((n) => statSync(path.join(target, n)).isFile())
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return sha256(Buffer.from(names.map((n) => `${sha256(readFileSync(path.join(target, n)))}  ${n}\n`).join('')));
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function groups(clip: EvalClip): Group[] {
  return clip.objects.kind === 'segmentation' ? [clip.frames, clip.objects] : [clip.frames];
}

/** Why a clip cannot be used, or null when its files are present and match the manifest. */
export function clipProblem(clip: EvalClip): string | null {
  for (const g of groups(clip)) {
    const target = groupTarget(clip, g);
    if (!existsSync(target)) return 'missing';
    if (groupHash(target) !== g.sha256) return `${path.relative(repoRoot, target)} does not match its sha256 in clips.json`;
  }
  return null;
}

/**
 * Copies the missing clips' files out of the given clones. A source is used for a clip when it holds
 * the clip's commit (a git directory) or its paths (a plain folder). Files are written under a
 * temporary name and renamed once they match their sha256, so nothing half-copied is left behind.
 */
export function importClips(clips: EvalClip[], sources: string[]): { imported: string[]; failed: string[] } {
  const imported: string[] = [];
  const failed: string[] = [];
  for (const clip of clips) {
    if (clip.local || clipProblem(clip) === null) continue;
    let done = false;
    for (const source of sources) {
      const reader = sourceReader(source, clip.source.commit);
      if (!reader || !groups(clip).every((g) => reader.has(g.path))) continue;
      const folder = clipFolder(clip);
      const tmp = `${folder}.import-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp, { recursive: true });
      let ok = true;
      for (const g of groups(clip)) {
        const target = path.join(tmp, g.folder ?? g.file ?? path.basename(g.path));
        reader.copy(g.path, target);
        if (groupHash(target) !== g.sha256) {
          console.error(`eval: ${clip.name}: ${g.path} in ${source} does not match its sha256; skipped`);
          ok = false;
        }
      }
      if (ok) {
        rmSync(folder, { recursive: true, force: true });
        renameSync(tmp, folder);
        imported.push(clip.name);
        done = true;
        break;
      }
      rmSync(tmp, { recursive: true, force: true });
    }
    if (!done) failed.push(clip.name);
  }
  return { imported, failed };
}

interface SourceReader {
  has(p: string): boolean;
  /** Copies a file or a folder's files to `target`. */
  copy(p: string, target: string): void;
}

function sourceReader(source: string, commit: string): SourceReader | null {
  const gitDir = existsSync(path.join(source, '.git')) ? path.join(source, '.git') : existsSync(path.join(source, 'HEAD')) && existsSync(path.join(source, 'objects')) ? source : null;
  const git = (args: string[], binary = false) => spawnSync('git', ['--git-dir', gitDir!, ...args], { maxBuffer: 1 << 30, encoding: binary ? 'buffer' : 'utf8' });
  if (gitDir && git(['cat-file', '-e', `${commit}^{commit}`]).status === 0) {
    const list = (p: string): string[] => {
      const r = git(['ls-tree', '--name-only', commit, `${p.replace(/\/$/, '')}/`]);
      return r.status === 0 ? String(r.stdout).split('\n').filter(Boolean) : [];
    };
    const isFile = (p: string) => git(['cat-file', '-e', `${commit}:${p}`]).status === 0 && git(['cat-file', '-t', `${commit}:${p}`]).stdout.toString().trim() === 'blob';
    const blob = (p: string) => git(['cat-file', 'blob', `${commit}:${p}`], true).stdout as unknown as Buffer;
    return {
      has: (p) => isFile(p) || list(p).length > 0,
      copy(p, target) {
        if (isFile(p)) return writeFileSync(target, blob(p));
        mkdirSync(target, { recursive: true });
        for (const f of list(p)) writeFileSync(path.join(target, path.basename(f)), blob(f));
      },
    };
  }
  if (!existsSync(source) || !statSync(source).isDirectory()) return null;
  return {
    has: (p) => existsSync(path.join(source, p)),
    copy(p, target) {
      const from = path.join(source, p);
      if (!statSync(from).isDirectory()) return writeFileSync(target, readFileSync(from));
      mkdirSync(target, { recursive: true });
      for (const f of readdirSync(from)) if (statSync(path.join(from, f)).isFile()) writeFileSync(path.join(target, f), readFileSync(path.join(from, f)));
    },
  };
}

/** One line saying how to get the missing clips. */
export function importHint(missing: EvalClip[]): string {
  const repos = [...new Set(missing.map((c) => `github.com/${c.source.repo} (${c.source.commit.slice(0, 7)})`))];
  return `eval: ${missing.length} clip(s) missing (${missing.map((c) => c.name).join(', ')}); get them with: npm run eval -- --import <git clone of ${repos.join('> <git clone of ')}>`;
}

export interface ClipData {
  frames: Uint8Array[];
  /** The clip's own object, 1 = object, per frame. */
  objects: Uint8Array[];
}

/** A clip's frames (RGB) and object masks (0/1) at 432x240. */
export async function readClip(clip: EvalClip): Promise<ClipData> {
  const W = EVAL_WIDTH;
  const H = EVAL_HEIGHT;
  const range = clip.frames.range ? { start: clip.frames.range[0], end: clip.frames.range[1] } : undefined;
  const frames: Uint8Array[] = [];
  for await (const f of decodeFrames(groupTarget(clip, clip.frames), { width: W, height: H, scale: 'area', range })) frames.push(f.data);
  let objects: Uint8Array[];
  if (clip.objects.kind === 'segmentation') {
    objects = [];
    for await (const f of decodeFrames(groupTarget(clip, clip.objects), { width: W, height: H, pixelFormat: 'gray', scale: 'neighbor' })) objects.push(f.data.map((v) => (v > 127 ? 1 : 0)));
  } else {
    const roto = RotoSchema.parse(JSON.parse(readFileSync(path.join(repoRoot, clip.objects.path), 'utf8')));
    objects = rotoMasks(roto, range?.start ?? 0, frames.length, W, H);
  }
  if (objects.length !== frames.length) throw new Error(`eval: ${clip.name} has ${frames.length} frames but ${objects.length} object masks`);
  return { frames, objects };
}
