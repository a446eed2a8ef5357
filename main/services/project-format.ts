/**
 * Reading, creating and writing project documents. Until common/project's restore(), createProject()
 * and serializeProject() land, this validates with the current schema only (no migrations).
 */
import { CURRENT_PROJECT_VERSION, ProjectDocSchema } from '../../common/project/schema';
import type { ProjectDoc, ProjectSource } from '../../common/project/schema';
import { describeIssues } from './dispatcher';

export type RestoreResult = { ok: true; doc: ProjectDoc; migratedFrom: number | null } | { ok: false; message: string };

export function restoreProject(json: unknown): RestoreResult {
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > CURRENT_PROJECT_VERSION)
    return { ok: false, message: `it was saved by a newer Cleanplate (project version ${version}, this one reads up to ${CURRENT_PROJECT_VERSION}); update Cleanplate to open it` };
  const parsed = ProjectDocSchema.safeParse(json);
  return parsed.success ? { ok: true, doc: parsed.data, migratedFrom: null } : { ok: false, message: describeIssues(parsed.error) };
}

export function newProject(source: ProjectSource, now: string, appVersion: string): ProjectDoc {
  return ProjectDocSchema.parse({
    format: 'cleanplate',
    version: CURRENT_PROJECT_VERSION,
    source,
    range: { in: 0, out: source.frameCount - 1 },
    layers: [],
    meta: { createdAt: now, modifiedAt: now, appVersion },
  });
}

export function serializeProject(doc: ProjectDoc): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
