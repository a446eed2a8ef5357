/**
 * The only code that turns project JSON into a ProjectDoc: checks that it is a Cleanplate project of a
 * version this app reads, migrates it to the current version, fills defaults and validates it with the
 * schema (which also checks the invariants: sorted unique key frames, equal point counts per shape, the
 * range within the clip, unique ids). Failure is one line naming the field and the problem.
 */
import type { z } from 'zod';
import { CURRENT_PROJECT_VERSION, ProjectDocSchema } from './schema';
import type { ProjectDoc } from './schema';
import { isObject, migrate } from './migrations';
import { formatPath } from './path';

export type RestoreResult = { ok: true; doc: ProjectDoc; migratedFrom: number | null } | { ok: false; message: string };

export function restore(json: unknown): RestoreResult {
  if (!isObject(json)) return { ok: false, message: 'not a Cleanplate project: expected a JSON object' };
  if (json.format !== 'cleanplate') return { ok: false, message: `not a Cleanplate project: format is ${JSON.stringify(json.format) ?? 'missing'}, expected "cleanplate"` };
  const version = json.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    return { ok: false, message: `version: expected a whole number from 1, got ${JSON.stringify(version) ?? 'nothing'}` };
  if (version > CURRENT_PROJECT_VERSION)
    return {
      ok: false,
      message: `this project was saved by a newer Cleanplate (project version ${version}; this one reads up to ${CURRENT_PROJECT_VERSION}): update Cleanplate to open it`,
    };
  const parsed = ProjectDocSchema.safeParse(migrate(json, version));
  if (!parsed.success) return { ok: false, message: describeIssue(parsed.error.issues[0]!) };
  return { ok: true, doc: parsed.data, migratedFrom: version < CURRENT_PROJECT_VERSION ? version : null };
}

/** "layers[2].shapes[0].keys: keys have different point counts (4 and 5)"; `within` prefixes the path. */
export function describeIssue(issue: z.core.$ZodIssue, within: PropertyKey[] = []): string {
  const where = formatPath([...within, ...issue.path]);
  let message = issue.message;
  const missing = /^Invalid input: expected (.+), received undefined$/.exec(message);
  if (missing) message = `missing (expected ${missing[1]})`;
  return where ? `${where}: ${message}` : message;
}
