/**
 * Media benchmark, called by `npm run bench`: probe time, decode-only and encode-only speed
 * (H.264 CRF 18 and FFV1) on the bmx-trees sample (its JPEG frames made into a clip) and on a
 * generated 1080p clip; the frame cache's first frame of a 5-minute 1080p clip; and export speed
 * against a plain ffmpeg transcode of the same intermediate (budget: at least 0.8x).
 *
 *   CLEANPLATE_BENCH_MINUTES=1   a shorter long clip for the first-frame measurement
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProbeResult } from '../../common/contract/types';
import { createEncoder, decodeFrames, exportVideo, FrameCache, locateFfmpeg, probeMedia, type OutputFormat } from '../../main/media/index';
import { bmxFrames, makeClip, makeClipFromFrames } from '../helpers/media';

const MINUTES = Number(process.env.CLEANPLATE_BENCH_MINUTES ?? 5);

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/** Frames per second of a full decode to RGB at the source size (frames are dropped). */
async function decodeFps(probe: ProbeResult): Promise<number> {
  const { ms, value: frames } = await timed(async () => {
    let n = 0;
    for await (const _ of decodeFrames(probe, { width: probe.width, height: probe.height })) n++;
    return n;
  });
  return (frames * 1000) / ms;
}

/**
 * Frames per second of encoding alone: `count` frames written from memory. To keep memory small at
 * 1080p, up to 16 decoded frames are played back and forth (no cuts for the encoder to pay for).
 */
async function encodeFps(probe: ProbeResult, format: OutputFormat, dir: string, count: number): Promise<number> {
  const frames: Uint8Array[] = [];
  for await (const f of decodeFrames(probe, { width: probe.width, height: probe.height, range: { start: 0, end: Math.min(15, probe.frameCount - 1) } })) frames.push(f.data);
  const pingPong = [...frames, ...frames.slice(1, -1).reverse()];
  const out = path.join(dir, `encode-${format}.${format === 'ffv1' ? 'mkv' : 'mp4'}`);
  const { ms } = await timed(async () => {
    const encoder = createEncoder(out, { format, width: probe.width, height: probe.height, fps: probe.fps, crf: format === 'h264' ? 18 : undefined });
    for (let i = 0; i < count; i++) await encoder.write(pingPong[i % pingPong.length]!);
    await encoder.finish();
  });
  rmSync(out, { force: true });
  return (count * 1000) / ms;
}

/**
 * CPU seconds used by this process's finished children (ffmpeg), from /proc (Linux; NaN elsewhere).
 * On a shared machine CPU time compares two runs fairly where wall time measures the neighbours.
 */
function childCpuSeconds(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100; // cutime + cstime, in USER_HZ (100)
  } catch {
    return Number.NaN;
  }
}

/** exportVideo() against a plain `ffmpeg -i intermediate -c:v libx264 -crf 18` of the same file. */
async function exportRatio(probe: ProbeResult, dir: string) {
  const intermediate = path.join(dir, 'intermediate.mkv');
  const encoder = createEncoder(intermediate, { format: 'ffv1', width: probe.width, height: probe.height, fps: probe.fps });
  for await (const f of decodeFrames(probe, { width: probe.width, height: probe.height })) await encoder.write(f.data);
  await encoder.finish();
  const run = async (work: () => Promise<unknown>) => {
    const cpu = childCpuSeconds();
    const { ms } = await timed(work);
    return { ms, cpu: childCpuSeconds() - cpu };
  };
  const exported = await run(() => exportVideo({ video: intermediate, audioFrom: null, out: path.join(dir, 'export.mp4'), format: 'h264', crf: 18 }));
  const plain = await run(async () => {
    const r = spawnSync(locateFfmpeg().ffmpeg, ['-v', 'error', '-y', '-i', intermediate, '-c:v', 'libx264', '-crf', '18', '-pix_fmt', 'yuv420p', path.join(dir, 'plain.mp4')]);
    if (r.status !== 0) throw new Error(`plain ffmpeg transcode failed: ${r.stderr}`);
  });
  return { exportFps: (probe.frameCount * 1000) / exported.ms, wallRatio: plain.ms / exported.ms, cpuRatio: plain.cpu / exported.cpu };
}

export async function benchMedia(): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cp-bench-media-'));
  const results: Record<string, number> = {};
  try {
    const clips = {
      bmx: makeClipFromFrames('bench-bmx', bmxFrames),
      '1080p': makeClip('bench-1080p', { width: 1920, height: 1080, frames: 150, background: 'testsrc' }),
    };
    for (const [name, file] of Object.entries(clips)) {
      const { ms, value: probe } = await timed(() => probeMedia(file));
      results[`media.probe.${name}.ms`] = ms;
      results[`media.decode.${name}.fps`] = await decodeFps(probe);
      results[`media.encode.h264-crf18.${name}.fps`] = await encodeFps(probe, 'h264', dir, name === 'bmx' ? probe.frameCount : 60);
      results[`media.encode.ffv1.${name}.fps`] = await encodeFps(probe, 'ffv1', dir, name === 'bmx' ? probe.frameCount : 60);
      const { exportFps, wallRatio, cpuRatio } = await exportRatio(probe, dir);
      results[`media.export.h264.${name}.fps`] = exportFps;
      // Speed relative to a plain ffmpeg transcode (budget: >= 0.8), by wall time and by CPU time.
      results[`media.export.h264.${name}.vsPlainFfmpeg.wall`] = wallRatio;
      results[`media.export.h264.${name}.vsPlainFfmpeg.cpu`] = cpuRatio;
      rmSync(path.join(dir, 'intermediate.mkv'), { force: true });
    }

    // The UI's first frame: same clip as bench:ui's (shared through the test-media cache).
    const frames = Math.round(MINUTES * 60 * 25);
    const long = await probeMedia(makeClip(`ui-bench-1080p-${frames}`, { width: 1920, height: 1080, frames, background: 'testsrc', codec: 'h264' }));
    const cache = new FrameCache({ cacheRoot: path.join(dir, 'cache'), mediaId: 'bench', probe: long });
    results[`media.frameCache.first.1080p-${MINUTES}min.ms`] = (await timed(() => cache.ensure(0))).ms;
    results[`media.frameCache.middle.1080p-${MINUTES}min.ms`] = (await timed(() => cache.ensure(Math.floor(frames / 2) + 7))).ms;
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
