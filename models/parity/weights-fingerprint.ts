/**
 * A sha256 over a state dict's keys, shapes and bytes (keys sorted), so data made from one set of
 * weights (the generator goldens) can tell when the seeded weights have changed since.
 */
import { createHash } from 'node:crypto';
import type { StateDict } from '../../main/models/builder/weights';

export function stateDictFingerprint(sd: StateDict): string {
  const hash = createHash('sha256');
  for (const key of [...sd.keys()].sort()) {
    const t = sd.get(key)!;
    hash.update(`${key}:${t.shape.join('x')}:`);
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}
