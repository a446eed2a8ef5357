import { UserError } from '../../common/errors';
import type { ProbeResult } from '../../common/contract/types';

/** Checks a frame range against a source; a range from the user gets a line that says what fits. */
export function checkRange(probe: ProbeResult, range: { start: number; end: number } | undefined): { start: number; count: number } {
  if (!range) return { start: 0, count: probe.frameCount };
  const { start, end } = range;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end >= probe.frameCount)
    throw new UserError('bad-input', `Frames ${start}..${end} are not inside ${probe.path}, which has frames 0..${probe.frameCount - 1}; choose a range inside it.`);
  return { start, count: end - start + 1 };
}
