/**
 * Writes the seeded random InpaintGenerator weights (models/fixtures/random-weights.ts) as one .npy
 * per state-dict key, for reference_generator.py to load into upstream's InpaintGenerator, plus
 * their fingerprint (the golden test checks it, so goldens made from other weights are refused).
 *
 *   npx tsx models/parity/write-generator-weights.ts OUT_DIR [SEED]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeNpy } from '../../test/helpers/npy';
import { randomProPainterWeights } from '../fixtures/random-weights';
import { stateDictFingerprint } from './weights-fingerprint';

function main(): void {
  const [out, seedText] = process.argv.slice(2);
  if (!out) {
    console.error('usage: tsx models/parity/write-generator-weights.ts OUT_DIR [SEED]');
    process.exit(2);
  }
  const seed = seedText === undefined ? 1 : Number(seedText);
  if (!Number.isInteger(seed)) {
    console.error(`seed must be an integer, got ${seedText}`);
    process.exit(2);
  }
  const generator = randomProPainterWeights(seed).generator;
  mkdirSync(out, { recursive: true });
  for (const [key, t] of generator) {
    const dtype = t.data instanceof BigInt64Array ? 'int64' : 'float32';
    writeFileSync(path.join(out, `${key}.npy`), encodeNpy({ shape: [...t.shape], data: t.data, dtype }));
  }
  writeFileSync(path.join(out, 'weights.json'), JSON.stringify({ seed, fingerprint: stateDictFingerprint(generator), tensors: generator.size }, null, 1));
  console.log(`${generator.size} tensors of seed ${seed} in ${out}`);
}

main();
