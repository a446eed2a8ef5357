/**
 * Writes the tests' seeded random weights (models/fixtures/random-weights.ts) as one .npy file per
 * tensor, `<out>/<network>/<key>.npy`, so the PyTorch reference scripts of this folder can load
 * exactly the weights the product's graph builder is fed; `<network>/weights.json` holds the seed
 * and the weights' fingerprint, which the goldens record so their tests can refuse stale ones:
 *
 *     npx tsx models/parity/export-weights.ts --seed 1 --out /tmp/propainter-weights [--networks raft,flowCompletion]
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeNpy } from '../../test/helpers/npy';
import type { NetworkName } from '../../main/models/builder/weights';
import { randomProPainterWeights } from '../fixtures/random-weights';
import { stateDictFingerprint } from './weights-fingerprint';

const NETWORKS: NetworkName[] = ['raft', 'flowCompletion', 'generator'];

function main(): void {
  const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, out: { type: 'string' }, networks: { type: 'string', default: NETWORKS.join(',') } } });
  const seed = Number(values.seed);
  if (!values.out || !Number.isInteger(seed)) {
    console.error('usage: export-weights.ts --seed N --out DIR [--networks raft,flowCompletion,generator]');
    process.exit(2);
  }
  const networks = values.networks.split(',') as NetworkName[];
  const unknown = networks.find((n) => !NETWORKS.includes(n));
  if (unknown) {
    console.error(`unknown network ${unknown}: use ${NETWORKS.join(', ')}`);
    process.exit(2);
  }
  const weights = randomProPainterWeights(seed);
  for (const network of networks) {
    // written under a temporary name and renamed, so a killed run never leaves a partial folder behind
    const dir = path.join(values.out, network);
    const tmp = `${dir}.${process.pid}.tmp`;
    mkdirSync(tmp, { recursive: true });
    for (const [key, t] of weights[network]) {
      const dtype = t.data instanceof BigInt64Array ? 'int64' : 'float32';
      writeNpy(path.join(tmp, `${key}.npy`), { shape: [...t.shape], dtype, data: t.data });
    }
    writeFileSync(path.join(tmp, 'weights.json'), `${JSON.stringify({ seed, fingerprint: stateDictFingerprint(weights[network]) })}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    console.log(`${dir}: ${weights[network].size} tensors (seed ${seed})`);
  }
}

main();
