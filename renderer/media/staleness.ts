/**
 * Which result frames of the range are current: made from the document as it is now (same
 * fingerprint), stale (made from other masks or settings), or missing. What the timeline shows, what
 * a run will redo, and what export warns about.
 */
import { frameFingerprints } from '../../common/project/fingerprint';
import type { ProjectDoc } from '../../common/project/schema';
import type { JobResults } from './session';

export interface ResultStatus {
  /** Frames of the range whose result is current. */
  current: number;
  /** Frames of the range with a result made from other inputs. */
  stale: Set<number>;
  /** Frames of the range with no result at all. */
  missing: number;
  /** In-range frames a run has to make: stale plus missing. */
  toRedo: number;
}

export function resultStatus(doc: Pick<ProjectDoc, 'layers' | 'range' | 'engine' | 'outpaint'>, results: JobResults): ResultStatus {
  const mode = doc.outpaint.enabled ? 'outpaint' : 'inpaint';
  const now = frameFingerprints(doc, mode, doc.range.in, doc.range.out);
  const stale = new Set<number>();
  let current = 0;
  let missing = 0;
  now.forEach((fingerprint, k) => {
    const index = doc.range.in + k;
    if (!results.has(index)) missing++;
    else if (results.fingerprint(index) === fingerprint) current++;
    else stale.add(index);
  });
  return { current, stale, missing, toRedo: stale.size + missing };
}

const cache = new WeakMap<JobResults, { key: unknown[]; status: ResultStatus }>();

/** resultStatus, computed again only when the document's masks or settings or the results change. */
export function cachedResultStatus(doc: Pick<ProjectDoc, 'layers' | 'range' | 'engine' | 'outpaint'>, results: JobResults): ResultStatus {
  const key = [doc.layers, doc.range, doc.engine, doc.outpaint, results.version];
  const hit = cache.get(results);
  if (hit && hit.key.every((k, i) => k === key[i])) return hit.status;
  const status = resultStatus(doc, results);
  cache.set(results, { key, status });
  return status;
}
