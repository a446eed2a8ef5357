/**
 * `mask.import` and `mask.exportSequence`. Importing decodes a user's masks (PNG folder, single PNG,
 * mask video; main/media checks sizes and counts) at the UI's proxy size into PNG frames in the cache,
 * `masks/<id>/<index 6 digits>.png` (a single PNG: just 000000.png), for the overlay; the project keeps
 * the original path. Exporting runs in the engine process (main/engine/mask-export.ts; started from
 * here, see exportMasksInEngine). ffmpeg does the decoding and encoding; frames are handed on one at a
 * time, so memory stays flat.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ImportedMask } from '../../common/contract/types';
import type { BitmapSource, ProjectDoc } from '../../common/project/schema';
import type { MaskExportResult } from '../engine/mask-export';
import { createEncoder, decodeMaskFrames, probeMedia, proxySizeFor } from '../media/index';
import type { EnginePool } from './engine-pool';
import { requestInEngine } from './engine-request';

const pad6 = (n: number) => String(n).padStart(6, '0');
/** Encoders need a rate; mask frames are matched by index, never by time. */
const MASK_FPS = { num: 25, den: 1 };

export async function importMask(cacheDir: string, args: { path: string; width: number; height: number; frameCount: number }): Promise<ImportedMask> {
  const input = path.resolve(args.path);
  const [probe, st] = await Promise.all([probeMedia(input), fs.stat(input)]);
  const kind: BitmapSource['kind'] = st.isDirectory() ? 'png-sequence' : probe.isImageSequence ? 'png' : 'video';
  const source: BitmapSource = { kind, path: input, frameCount: probe.frameCount, width: probe.width, height: probe.height };
  const proxy = proxySizeFor(args.width, args.height);
  const id = createHash('sha1').update(JSON.stringify([input, st.size, st.mtimeMs, probe.frameCount, proxy, args.frameCount])).digest('hex').slice(0, 16);
  const framePrefix = `masks/${id}/`;
  const dir = path.join(cacheDir, 'masks', id);
  if (await fs.stat(dir).then(() => true, () => false)) return { source, framePrefix };

  await fs.mkdir(path.dirname(dir), { recursive: true });
  const staging = `${dir}.${process.pid}.partial`;
  const encoder = createEncoder(staging, { format: 'png', width: proxy.width, height: proxy.height, fps: MASK_FPS, inputPixelFormat: 'gray' });
  try {
    for await (const frame of decodeMaskFrames(input, { width: proxy.width, height: proxy.height, frameCount: args.frameCount, videoSize: { width: args.width, height: args.height } })) {
      await encoder.write(frame.data);
      if (probe.frameCount === 1) break; // one image applies to every frame: keep it once
    }
    await encoder.finish();
    // The encoder names frames 00000.png; the cache's refs use six digits like every other frame ref.
    for (const name of await fs.readdir(staging)) await fs.rename(path.join(staging, name), path.join(staging, `${pad6(Number.parseInt(name, 10))}.png`));
    await fs.rename(staging, dir);
  } catch (err) {
    await encoder.abort();
    await fs.rm(staging, { recursive: true, force: true });
    throw err;
  }
  return { source, framePrefix };
}

/**
 * Runs the mask export in a fresh engine process and resolves with its result; the engine's refusal
 * (a folder that already has files, a missing mask source) comes back as the same one-line UserError.
 */
export function exportMasksInEngine(engines: EnginePool, doc: ProjectDoc, dir: string): Promise<MaskExportResult> {
  return requestInEngine(engines, {
    label: 'mask-export',
    message: (jobId) => ({ type: 'exportMasks', jobId, doc, dir: path.resolve(dir) }),
    answer: (m, jobId) => (m.type === 'masksExported' && m.jobId === jobId ? m.result : undefined),
    stopped: 'The engine process stopped while exporting the masks; nothing was written. Retry.',
  });
}
