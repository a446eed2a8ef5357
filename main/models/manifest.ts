/**
 * The model manifest (models/manifest.json, and the manifest.json a models folder carries): which
 * files make up the ProPainter model set, where they download from, how big they are, their sha256,
 * their licence and the contract version they satisfy. Sizes and hashes may be null when nobody can
 * know them yet (the official weights have no ONNX release): such files are checked for shape, not
 * for bytes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../../common/errors';
import { CONTRACT_VERSION, GRAPH_NAMES } from './contract';
import bundledManifestJson from '../../models/manifest.json';

export const MANIFEST_FILE = 'manifest.json';

export const ModelFileSchema = z.object({
  file: z.string().regex(/^[a-z0-9_]+(\.fp16)?\.onnx$/, 'file names are <graph>.onnx or <graph>.fp16.onnx'),
  graph: z.enum(GRAPH_NAMES),
  precision: z.enum(['fp32', 'fp16']),
  /** Absolute, or relative to the manifest's baseUrl; null = no known download location. */
  url: z.string().min(1).nullable(),
  size: z.number().int().positive().nullable(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
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
  files: z.array(ModelFileSchema).min(1),
});

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
    throw new UserError('bad-input', `${where} describes models for contract version ${r.data.contract}, but this Cleanplate needs version ${CONTRACT_VERSION}; convert the models again with models/convert`);
  return r.data;
}

/** The manifest inside a models folder, or null when the folder has none. */
export function readFolderManifest(dir: string): ModelManifest | null {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
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
export function manifestFor(dir: string): ModelManifest {
  return readFolderManifest(dir) ?? bundledManifest();
}

/** Where a file downloads from, or null. */
export function fileUrl(manifest: ModelManifest, file: ModelFile): string | null {
  if (!file.url) return null;
  if (/^[a-z]+:\/\//i.test(file.url)) return file.url;
  if (!manifest.baseUrl) return null;
  return new URL(file.url, manifest.baseUrl.endsWith('/') ? manifest.baseUrl : `${manifest.baseUrl}/`).toString();
}
