/**
 * Image propagation in isolation: runs the product's propagateImages (main/engine/propagation), in
 * the orchestrator's chunks, on upstream's own completed flows, frames and masks, and writes the
 * result as .npy for parity.py. End to end, the product's propagation reads the product's flows,
 * and a flow that differs from upstream's by 1e-5 px can flip a per-pixel decision; fed upstream's
 * flows, the two implementations must agree exactly.
 *
 *   npx tsx models/parity/propagate.ts <upstream dump folder> <frames folder> <out folder>
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { propagateImages } from '../../main/engine/propagation';
import { rgbToPlanar } from '../../main/engine/engines/propainter/tensors';
import { imagePropagationLength, IMAGE_PROPAGATION_PAD, paddedWindows } from '../../main/engine/engines/propainter/windows';
import { decodeFrames } from '../../main/media';
import { encodeNpy, readNpy } from '../../test/helpers/npy';

async function main(): Promise<void> {
  const [dump, framesDir, out] = process.argv.slice(2);
  if (!dump || !framesDir || !out) {
    console.error('usage: tsx models/parity/propagate.ts <upstream dump folder> <frames folder> <out folder>');
    process.exit(2);
  }
  const masks = readNpy(path.join(dump, 'masks.npy'));
  const [T, H, W] = masks.shape as [number, number, number];
  const n = W * H;
  const flows = (name: string) => readNpy(path.join(dump, `${name}.npy`)).data as Float32Array;
  const forward = flows('completed_forward');
  const backward = flows('completed_backward');
  const rgb: Uint8Array[] = [];
  for await (const f of decodeFrames(framesDir, { width: W, height: H })) rgb.push(f.data);
  if (rgb.length < T || readdirSync(framesDir).length < T) throw new Error(`${framesDir} has ${rgb.length} frames, the dump ${T}`);

  const propagated = new Float32Array(T * 3 * n);
  const updated = new Uint8Array(T * n);
  for (const chunk of paddedWindows(T, imagePropagationLength({ subvideoLength: 80 }), IMAGE_PROPAGATION_PAD)) {
    const frames: Float32Array[] = [];
    const chunkMasks: Uint8Array[] = [];
    for (let q = chunk.start; q < chunk.end; q++) {
      const mask = (masks.data as Uint8Array).slice(q * n, (q + 1) * n);
      const planar = new Float32Array(3 * n);
      rgbToPlanar(rgb[q]!, n, planar);
      for (let i = 0; i < n; i++) if (mask[i]) planar[i] = planar[n + i] = planar[2 * n + i] = 0;
      frames.push(planar);
      chunkMasks.push(mask);
    }
    const pair = (all: Float32Array, k: number) => all.subarray(k * 2 * n, (k + 1) * 2 * n);
    const range = Array.from({ length: chunk.end - chunk.start - 1 }, (_, i) => chunk.start + i);
    propagateImages({
      width: W,
      height: H,
      layout: 'chw',
      frames,
      masks: chunkMasks,
      forwardFlows: range.map((k) => pair(forward, k)),
      backwardFlows: range.map((k) => pair(backward, k)),
    });
    for (let q = chunk.keepStart; q < chunk.keepEnd; q++) {
      propagated.set(frames[q - chunk.start]!, q * 3 * n);
      updated.set(chunkMasks[q - chunk.start]!, q * n);
    }
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'propagated.npy'), encodeNpy({ shape: [T, 3, H, W], data: propagated, dtype: 'float32' }));
  writeFileSync(path.join(out, 'propagated_masks.npy'), encodeNpy({ shape: [T, H, W], data: updated, dtype: 'bool' }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
