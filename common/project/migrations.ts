/**
 * The migration chain of `.cleanplate` files. `migrations[n]` turns a version-n document into version
 * n + 1; restore() applies them in order, then validates against the current schema (schema.ts).
 * Migrations see untrusted JSON: they reshape what they recognise, never throw, never modify their
 * input, and leave anything unexpected for validation to report with its path.
 *
 * Version 1 (pre-release, 0.0.x):
 *   - `source.fps` was a decimal number (29.97);
 *   - layers had `type` where version 2 has `kind`, and no `feather` or `dilation`;
 *   - brush strokes had no `hold` (a stroke showed on its own frame only) and no `hardness` (hard).
 * Version 2:
 *   - layers had no `activeRange`: every layer masked on every frame (a roto shape held its first key
 *     before it and its last key after it). Version 3 layers mask only within their active range,
 *     by default from their first key to their last, so migrated layers get the whole clip as an
 *     explicit range and keep exactly the frames they masked before.
 * Version 3: schema.ts.
 */
import { rationalFromDecimal } from '../time';
import { CURRENT_PROJECT_VERSION } from './schema';

type Json = Record<string, unknown>;

export const migrations: Record<number, (doc: Json) => Json> = {
  1: (doc) => {
    const source = isObject(doc.source) ? doc.source : null;
    const fps = typeof source?.fps === 'number' ? rationalFromDecimal(source.fps) : null;
    return {
      ...doc,
      version: 2,
      ...(source && fps ? { source: { ...source, fps } } : {}),
      layers: Array.isArray(doc.layers) ? doc.layers.map(layerV1toV2) : doc.layers,
    };
  },
  2: (doc) => {
    const source = isObject(doc.source) ? doc.source : null;
    const frames = typeof source?.frameCount === 'number' && Number.isInteger(source.frameCount) && source.frameCount >= 1 ? source.frameCount : null;
    const wholeClip = frames ? { in: 0, out: frames - 1 } : null;
    return {
      ...doc,
      version: 3,
      layers: Array.isArray(doc.layers) ? doc.layers.map((layer) => (isObject(layer) && wholeClip && layer.activeRange === undefined ? { ...layer, activeRange: wholeClip } : layer)) : doc.layers,
    };
  },
};

function layerV1toV2(layer: unknown): unknown {
  if (!isObject(layer)) return layer;
  const { type, ...rest } = layer;
  const upgraded: Json = { ...rest, kind: rest.kind ?? type, feather: rest.feather ?? 0, dilation: rest.dilation ?? 0 };
  if (Array.isArray(rest.strokes))
    upgraded.strokes = rest.strokes.map((stroke) => (isObject(stroke) ? { ...stroke, hold: stroke.hold ?? 1, hardness: stroke.hardness ?? 1 } : stroke));
  return upgraded;
}

/** Runs the chain from `version` up to the current version. */
export function migrate(doc: Json, version: number): Json {
  let current = doc;
  for (let v = version; v < CURRENT_PROJECT_VERSION; v++) {
    const step = migrations[v];
    if (!step) throw new Error(`no migration from project version ${v}`);
    current = step(current);
  }
  return current;
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
