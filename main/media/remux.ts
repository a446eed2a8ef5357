/**
 * writeRotation(): puts a display rotation into a finished MP4/MOV by a stream-copy remux, the only
 * way the bundled ffmpeg 4.1 writes the display matrix, and checks the result with ffprobe (the
 * tag's direction differs between ffmpeg versions, see rotation.ts).
 */
import { rename, rm } from 'node:fs/promises';
import type { ColorInfo } from '../../common/contract/types';
import { describeWriteFailure, temporaryPathFor } from './output-files';
import { colorTagArgs, containerArgs } from './output-args';
import { probeMedia } from './probe';
import { runTool, ToolFailure } from './process';
import { rotateTagFor, type Rotation } from './rotation';

/** Rewrites `file` (the temporary output for `target`) so that it displays at `rotation`. */
export async function writeRotation(file: string, target: string, muxer: string, rotation: Rotation, color: ColorInfo | null, signal?: AbortSignal): Promise<void> {
  const remuxed = temporaryPathFor(target, 'rotate');
  try {
    // The mirrored tag is right for ffmpeg 4.1; the plain one for builds that fixed the direction.
    for (const tag of [rotateTagFor(rotation), String(rotation)]) {
      await runTool(
        'ffmpeg',
        [
          '-hide_banner', '-loglevel', 'error', '-nostdin', '-i', file, '-map', '0', '-c', 'copy', '-metadata:s:v:0', `rotate=${tag}`,
          // Restated: ffmpeg 4.1 drops a ProRes stream's colour tags when copying it.
          ...colorTagArgs(color), ...containerArgs(muxer, true, color), '-f', muxer, '-y', remuxed,
        ],
        { signal },
      );
      if ((await probeMedia(remuxed, { signal })).rotation === rotation) {
        await rename(remuxed, file);
        return;
      }
    }
    throw new Error(`this ffmpeg build did not write a display rotation of ${rotation} degrees into ${target}`);
  } catch (err) {
    throw (err instanceof ToolFailure && describeWriteFailure(target, err.stderr)) || err;
  } finally {
    await rm(remuxed, { force: true });
  }
}
