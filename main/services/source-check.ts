/**
 * A document names its source video and the size and frame count it was made for; everything that
 * reads the source for a document (renders, propagation, mask export, reopening a project) checks
 * that the file is still there and still that video first. A document that claims more frames than
 * its clip has would otherwise make the engine write frames that do not exist.
 */
import { promises as fs } from 'node:fs';
import type { ProbeResult } from '../../common/contract/types';
import { UserError } from '../../common/errors';
import type { ProjectDoc } from '../../common/project/schema';
import { probeMedia } from '../media/index';

/** The one line for a source that is not the video the document was made for; null when it is. */
export function sourceMismatch(doc: ProjectDoc, probe: ProbeResult): UserError | null {
  const s = doc.source;
  if (probe.width === s.width && probe.height === s.height && probe.frameCount === s.frameCount) return null;
  return new UserError(
    'bad-input',
    `The source video ${s.path} is ${probe.width}x${probe.height} with ${probe.frameCount} frames, but the project was made for ${s.width}x${s.height} with ${s.frameCount}; it was replaced by a different file.`,
  );
}

/** Refuses a document whose source is missing or is not the video it describes. */
export async function checkDocumentSource(doc: ProjectDoc, signal?: AbortSignal): Promise<void> {
  try {
    await fs.access(doc.source.path);
  } catch {
    throw new UserError('not-found', `The source video ${doc.source.path} is missing; put it back (or reopen the project) and run again.`);
  }
  const mismatch = sourceMismatch(doc, await probeMedia(doc.source.path, { signal }));
  if (mismatch) throw mismatch;
}
