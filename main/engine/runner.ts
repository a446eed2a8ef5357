/**
 * runJob(): one inpainting job from source file to output, streaming (DESIGN.md "Data flow of a job").
 *
 *   probe -> decode the range at processing size (bicubic) + its masks (binarised, dilated)
 *         -> engine (a stream in, final frames out, in order)
 *         -> per final frame: the full-resolution source frame, decoded in lockstep by a second
 *            decoder, gets the filled region upscaled and pasted in through the hole (composite.ts)
 *         -> encoder (temporary file, renamed when complete) + preview JPEG -> hooks.frame(i)
 *
 * Frames outside `spec.range` are copied from the full-resolution decoder, so the output keeps the
 * input's frame count. Nothing holds more than the engine's window of frames. On cancel or failure
 * every ffmpeg child is killed and no output is left behind.
 */
import { performance } from 'node:perf_hooks';
import { UserError } from '../../common/errors';
import { dilateCross } from '../../common/mask/morphology';
import type { ProbeResult } from '../../common/contract/types';
import { checkRange, createEncoder, createPreviewWriter, decodeFrames, frameTimesOf, probeMedia, type FrameEncoder, type FrameTimes, type PreviewWriter } from '../media';
import { compositeFilled } from './composite';
import { loadOpenCv } from './cv';
import { outpaintGeometry, outpaintMasks, placeOnCanvas, processingSize, type OutpaintGeometry, type Size } from './geometry';
import type { JobHooks, JobResult, JobSpec } from './job';
import { maskFrames } from './masks';
import { createEngine } from './registry';
import type { EngineContext, ProcFrame } from './types';

/** ProPainter's default canvas growth when outpainting without explicit scales (its CLI: 1.0 x 1.2). */
const DEFAULT_OUTPAINT = { scaleH: 1, scaleW: 1.2 };

export async function runJob(spec: JobSpec, hooks: JobHooks, signal: AbortSignal): Promise<JobResult> {
  const startedAt = performance.now();
  const memory = trackPeakRss();
  try {
    return await run(spec, hooks, signal, startedAt, memory);
  } catch (err) {
    if (signal.aborted) throw new UserError('cancelled', 'The job was cancelled.');
    throw err;
  } finally {
    memory.stop();
  }
}

async function run(spec: JobSpec, hooks: JobHooks, signal: AbortSignal, startedAt: number, memory: RssTracker): Promise<JobResult> {
  signal.throwIfAborted();
  hooks.progress?.('probe', 0, 1);
  const opencv = loadOpenCv(); // compiles while ffprobe runs
  opencv.catch(() => {});
  const probe = await probeMedia(spec.input, { signal });
  const { start, count } = checkRange(probe, spec.range ?? undefined);
  const end = start + count - 1;
  const source: Size = { width: probe.width, height: probe.height };
  const proc = processingSize(source, spec.engine.processingSize);
  const outpaint = spec.mode === 'outpaint' ? outpaintGeometry(source, proc, spec.outpaint ?? DEFAULT_OUTPAINT) : null;
  const engineSize: Size = outpaint ? outpaint.processing : proc;
  const outSize: Size = outpaint ? outpaint.full : source;
  hooks.progress?.('probe', 1, 1);

  const cv = await opencv;
  const engine = await createEngine(spec.engine.id, {
    device: spec.engine.device,
    fp16: spec.engine.fp16,
    modelsDir: spec.modelsDir ?? null,
    classic: spec.engine.classic,
    propainter: spec.engine.propainter,
  });
  let encoder: FrameEncoder | null = null;
  let previews: PreviewWriter | null = null;
  const full = decodeFrames(probe, { width: source.width, height: source.height, signal });
  try {
    signal.throwIfAborted();
    hooks.started?.({
      engine: engine.id,
      device: engine.device,
      frameCount: probe.frameCount,
      width: outSize.width,
      height: outSize.height,
      processingWidth: engineSize.width,
      processingHeight: engineSize.height,
    });
    const frameTimes = await frameTimesOf(probe, signal);
    if (frameTimes && spec.output.kind === 'frames') hooks.notice?.(PNG_TIMING_NOTICE);
    encoder = openEncoder(spec, probe, outSize, frameTimes, signal);
    if (spec.previews) previews = await createPreviewWriter(spec.previews.dir, outSize.width, outSize.height, spec.previews, signal);

    const toCanvas = (rgb: Uint8Array) => (outpaint ? placeOnCanvas(rgb, source, outpaint.full) : rgb);
    const nextFull = async (index: number): Promise<Uint8Array> => {
      const next = await full.next();
      if (next.done || next.value.index !== index) throw new Error(`full-resolution decode lost step at frame ${index}`);
      return toCanvas(next.value.data);
    };
    const passThrough = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        await encoder!.write(await nextFull(i));
        hooks.progress?.('copy', i + 1, probe.frameCount);
      }
    };

    await passThrough(0, start);
    const holes = new Map<number, Uint8Array>();
    const ctx: EngineContext = {
      ...engineSize,
      frameCount: count,
      signal,
      progress: (stage, done, total) => hooks.progress?.(stage, done, total),
      notice: (message) => hooks.notice?.(message),
    };
    const frames = engineFrames(spec, probe, proc, outpaint, start, end, holes, signal);
    let done = 0;
    for await (const filled of engine.run(frames, ctx)) {
      const hole = holes.get(filled.index);
      if (!hole) throw new Error(`engine returned frame ${filled.index}, which it was not given or gave twice`);
      holes.delete(filled.index);
      const target = await nextFull(filled.index);
      const frameRect = outpaint ? { ...source, x: outpaint.full.x, y: outpaint.full.y } : undefined;
      const out = compositeFilled(cv, { full: target, fullWidth: outSize.width, fullHeight: outSize.height, filled: filled.rgb, hole, ...engineSize, frameRect });
      await encoder.write(out);
      await previews?.write(filled.index, out);
      done++;
      hooks.frame?.(filled.index);
      hooks.progress?.('encode', done, count);
      memory.sample();
    }
    if (done !== count) throw new Error(`engine produced ${done} of ${count} frames`);
    await passThrough(end + 1, probe.frameCount);
    hooks.progress?.('finish', 0, 1);
    const written = await encoder.finish();
    hooks.progress?.('finish', 1, 1);
    memory.sample();
    return {
      frames: written.frames,
      seconds: (performance.now() - startedAt) / 1000,
      peakRssMb: memory.peakMb(),
      engine: engine.id,
      device: engine.device,
      output: written.path,
    };
  } catch (err) {
    await encoder?.abort();
    throw err;
  } finally {
    await previews?.close().catch(() => {});
    await full.return(undefined);
    await engine.dispose();
  }
}

/** Said before a variable frame rate source is written as PNGs, which carry no time of their own. */
export const PNG_TIMING_NOTICE = 'The source has a variable frame rate and PNG files have no timestamps: each frame\'s time goes to timestamps.txt beside them.';

function openEncoder(spec: JobSpec, probe: ProbeResult, size: Size, frameTimes: FrameTimes | null, signal: AbortSignal): FrameEncoder {
  const common = { ...size, fps: probe.fps, color: probe.color, frameTimes, signal };
  if (spec.output.kind === 'frames') return createEncoder(spec.output.dir, { ...common, format: 'png' });
  const { format, crf, path } = spec.output;
  const audioFrom = probe.audio.length > 0 && !probe.isImageSequence ? spec.input : null;
  return createEncoder(path, { ...common, format, crf, audioFrom, rotation: probe.rotation });
}

/**
 * The engine's input: processing-size frames of the range with their dilated holes (kept in `holes`
 * for compositing until the filled frame comes back). Outpainting puts both on the extended canvas,
 * the padding being hole, and adds ProPainter's flow mask.
 */
async function* engineFrames(
  spec: JobSpec,
  probe: ProbeResult,
  proc: Size,
  outpaint: OutpaintGeometry | null,
  start: number,
  end: number,
  holes: Map<number, Uint8Array>,
  signal: AbortSignal,
): AsyncGenerator<ProcFrame> {
  const frames = decodeFrames(probe, { ...proc, scale: 'bicubic', range: { start, end }, signal });
  const masks = maskFrames(spec.masks, { ...proc, probe, start, end, signal });
  const padding = outpaint ? outpaintMasks(proc, outpaint.processing) : null;
  try {
    for await (const f of frames) {
      const m = await masks.next();
      if (m.done) throw new Error(`masks ended before frame ${f.index}`);
      let hole = dilateCross(m.value, proc.width, proc.height, spec.engine.maskDilation);
      let rgb = f.data;
      let flowMask: Uint8Array | undefined;
      if (outpaint && padding) {
        rgb = placeOnCanvas(rgb, proc, outpaint.processing);
        const userHole = placeOnCanvas(hole, proc, outpaint.processing, 1);
        hole = userHole.map((v, i) => v | padding.hole[i]!);
        flowMask = userHole.map((v, i) => v | padding.flowMask[i]!);
      }
      holes.set(f.index, hole);
      yield { index: f.index, rgb, mask: hole, flowMask };
    }
  } finally {
    await masks.return(undefined);
  }
}

interface RssTracker {
  sample(): void;
  peakMb(): number;
  stop(): void;
}

/** Peak resident memory during the job, sampled every 100 ms and at every frame. */
function trackPeakRss(): RssTracker {
  let peak = process.memoryUsage.rss();
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, 100);
  timer.unref();
  return {
    sample,
    peakMb: () => Math.round((peak / (1 << 20)) * 10) / 10,
    stop: () => clearInterval(timer),
  };
}
