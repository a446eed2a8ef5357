/**
 * The model manifest (models/manifest.json, and the manifest.json a models folder carries): the
 * licence; the release weight files (`weights`: where they download from, and once verified in a
 * folder their size and sha256); and the contract's ONNX graphs (`files`), which are built from the
 * weights on the user's machine, or imported already built. Sizes and hashes are null until
 * somebody measured them: the upstream release publishes no checksums, so the bundled manifest has
 * none, and a folder's manifest records what was verified there.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../../common/errors';
import { CONTRACT_VERSION, GRAPH_NAMES } from './contract';
import { manifestTempName } from './temporaries';
import { NETWORK_NAMES, officialLayout, WeightsLayoutSchema, type WeightsLayout } from './weights';
import bundledManifestJson from '../../models/manifest.json';

export const MANIFEST_FILE = 'manifest.json';

const sha256Schema = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .nullable();

export const WeightFileSchema = z.object({
  file: WeightsLayoutSchema.shape.file,
  network: z.enum(NETWORK_NAMES),
  /** Absolute, or relative to the manifest's baseUrl; null = no known download location. */
  url: z.string().min(1).nullable(),
  /** As the release page shows it, for the licence dialog and progress before the server says; not a check. */
  approxBytes: z.number().int().positive().nullable().default(null),
  /** Exact size and sha256: recorded after verification (none is published for the release). */
  size: z.number().int().positive().nullable(),
  sha256: sha256Schema,
  /**
   * The tensors the file must hold. Absent for the release files, whose layout ships with the app
   * (main/models/weights/official-weights.json); a test or a mirror of other weights states its own.
   */
  layout: WeightsLayoutSchema.pick({ keyPrefix: true, tensors: true }).optional(),
});

export const ModelFileSchema = z.object({
  file: z.string().regex(/^[a-z0-9_]+(\.fp16)?\.onnx$/, 'file names are <graph>.onnx or <graph>.fp16.onnx'),
  graph: z.enum(GRAPH_NAMES),
  precision: z.enum(['fp32', 'fp16']),
  /** Absolute, or relative to the manifest's baseUrl; null = no known download location. */
  url: z.string().min(1).nullable(),
  size: z.number().int().positive().nullable(),
  sha256: sha256Schema,
});

export const ModelManifestSchema = z.object({
  name: z.string().min(1),
  contract: z.number().int().positive(),
  license: z.object({
    id: z.string().min(1),
    name: z.string().min(1),
    url: z.string().min(1),
    summary: z.string().min(1),
    commercialUse: z.boolean(),
  }),
  baseUrl: z.string().min(1).nullable(),
  note: z.string().optional(),
  /** The release files the graphs are built from; absent in a folder of converted graphs (see weightFiles). */
  weights: z.array(WeightFileSchema).optional(),
  /** The contract's graphs: built from `weights` here, or imported/downloaded already built. */
  files: z.array(ModelFileSchema).min(1),
});

export type WeightFile = z.infer<typeof WeightFileSchema>;
export type ModelFile = z.infer<typeof ModelFileSchema>;
export type ModelManifest = z.infer<typeof ModelManifestSchema>;

/** The manifest shipped with the app (models/manifest.json). */
export function bundledManifest(): ModelManifest {
  return ModelManifestSchema.parse(bundledManifestJson);
}

export function parseManifest(json: unknown, where: string): ModelManifest {
  const r = ModelManifestSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new UserError('bad-input', `${where} is not a valid model manifest (${issue.path.join('.') || 'root'}: ${issue.message}); regenerate it with the converter or the fixture generator`);
  }
  if (r.data.contract !== CONTRACT_VERSION)
    throw new UserError('bad-input', `${where} describes models for contract version ${r.data.contract}, but this Cleanplate needs version ${CONTRACT_VERSION}; build them again from the weights (Download models… in the app, or: cleanplate models download)`);
  const unknown = weightFiles(r.data).find((w) => !w.layout && !officialLayout(w.file));
  if (unknown) throw new UserError('bad-input', `${where} lists the weight file ${unknown.file}, which is not one of ProPainter's release files and has no layout; fix the manifest`);
  return r.data;
}

export function weightFiles(manifest: ModelManifest): WeightFile[] {
  return manifest.weights ?? [];
}

/** What a weight file must hold: its own layout, else the release file's of the same name. */
export function layoutFor(entry: WeightFile): WeightsLayout {
  if (entry.layout) return { file: entry.file, network: entry.network, ...entry.layout };
  const official = officialLayout(entry.file);
  if (!official) throw new UserError('bad-input', `no layout is known for ${entry.file}; it is not one of ProPainter's release files`);
  return official;
}

/** Writes a models folder's manifest atomically (temporary name, then rename). */
export async function writeFolderManifest(dir: string, manifest: ModelManifest): Promise<void> {
  const file = path.join(dir, MANIFEST_FILE);
  const tmp = path.join(dir, manifestTempName(MANIFEST_FILE));
  try {
    await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The manifest inside a models folder, or null when the folder has none. */
export async function readFolderManifest(dir: string): Promise<ModelManifest | null> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError('io', `cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError('bad-input', `${file} is not valid JSON; regenerate it with the converter or the fixture generator`);
  }
  return parseManifest(json, file);
}

/** The manifest that describes `dir`: its own if it has one, else the bundled one. */
export async function manifestFor(dir: string): Promise<ModelManifest> {
  return (await readFolderManifest(dir)) ?? bundledManifest();
}

/** Where a file downloads from, or null. */
export function fileUrl(manifest: ModelManifest, file: { url: string | null }): string | null {
  if (!file.url) return null;
  if (/^[a-z]+:\/\//i.test(file.url)) return file.url;
  if (!manifest.baseUrl) return null;
  return new URL(file.url, manifest.baseUrl.endsWith('/') ? manifest.baseUrl : `${manifest.baseUrl}/`).toString();
}
