/**
 * The tiny stand-ins of ProPainter's three release files (test/data/pth/tiny-release, written by
 * PyTorch with test/data/pth/make_pth.py) and a manifest that lists them with their own layout, so
 * the model manager downloads, verifies and imports real .pth files of a few KB instead of 200 MB.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bundledManifest, type ModelManifest } from '../../main/models';
import { WeightsLayoutSchema, type WeightsLayout } from '../../main/models/weights';

export const pthDataDir = path.join(__dirname, '../data/pth');
export const tinyReleaseDir = path.join(pthDataDir, 'tiny-release');

export const tinyLayouts: WeightsLayout[] = JSON.parse(readFileSync(path.join(pthDataDir, 'tiny-layout.json'), 'utf8')).files.map((f: unknown) => WeightsLayoutSchema.parse(f));

/** The bundled manifest (licence, graphs) with the tiny files as its weights, downloaded from `baseUrl`. */
export function tinyManifest(baseUrl: string | null = null): ModelManifest {
  return {
    ...bundledManifest(),
    baseUrl,
    weights: tinyLayouts.map((l) => ({ file: l.file, network: l.network, url: l.file, approxBytes: null, size: null, sha256: null, layout: { keyPrefix: l.keyPrefix, tensors: l.tensors } })),
  };
}
