/**
 * New projects and the file text of a project. Both are deterministic: the caller passes the time and
 * the app version (common/ reads no clock), and the same document always serializes to the same text.
 */
import type { z } from 'zod';
import { UserError } from '../errors';
import { CURRENT_PROJECT_VERSION, ProjectDocSchema, SourceSchema } from './schema';
import type { ProjectDoc } from './schema';
import { describeIssue } from './restore';

/** What a probe tells about the source; `relativePath` and `rotation` default to null and 0. */
export type ProjectSourceInfo = z.input<typeof SourceSchema>;

/** A project on `source`: the whole clip as the range, no layers, default settings. */
export function createProject(source: ProjectSourceInfo, now: string, appVersion: string): ProjectDoc {
  const parsedSource = SourceSchema.safeParse(source);
  if (!parsedSource.success) throw new UserError('bad-input', `Cannot make a project for this video: ${describeIssue(parsedSource.error.issues[0]!, ['source'])}`);
  return ProjectDocSchema.parse({
    format: 'cleanplate',
    version: CURRENT_PROJECT_VERSION,
    source: parsedSource.data,
    range: { in: 0, out: parsedSource.data.frameCount - 1 },
    layers: [],
    meta: { createdAt: now, modifiedAt: now, appVersion },
  });
}

/**
 * The `.cleanplate` file text: pretty JSON (2 spaces, final newline) with keys in schema order, so saving
 * an unchanged document gives the same bytes and diffs stay readable. Numbers are written exactly
 * (no rounding), so a reloaded document rasterizes to the same pixels. Refuses an invalid document
 * rather than write a file restore() would reject.
 */
export function serializeProject(doc: ProjectDoc): string {
  const parsed = ProjectDocSchema.safeParse(doc);
  if (!parsed.success) throw new Error(`refusing to save an invalid project: ${describeIssue(parsed.error.issues[0]!)}`);
  return `${JSON.stringify(parsed.data, null, 2)}\n`;
}
