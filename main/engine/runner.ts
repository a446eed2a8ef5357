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
 *
 * With `spec.reuse` (an earlier result and its frames' fingerprints), frames of the range whose
 * fingerprint is unchanged are copied from that result, decoded in lockstep too; the engine runs only
 * over runs of stale frames, each widened by CONTEXT_FRAMES on both sides so temporal engines still
 * see the motion around them (those context frames are computed but the earlier result is kept).
 */
import { performance } from 'node:perf_hooks';
import { UserError } from '../../common/errors';
import { dilateCross } from '../../common/mask/morphology';
import type { ProbeResult } from '../../common/contract/types';
import { frameFingerprints } from '../../common/project/fingerprint';
import { checkRange, createEncoder, createPreviewWriter, decodeFrames, frameTimesOf, probeMedia, type FrameEncoder, type FrameTimes, type PreviewWriter } from '../media';
import { compositeFilled } from './composite';
import { loadOpenCv } from './cv';
import { outpaintGeometry, outpaintMasks, placeOnCanvas, processingSize, PROPAINTER_MIN_SIDE, type OutpaintGeometry, type Size } from './geometry';
import type { JobHooks, JobResult, JobSpec } from './job';
import { maskFrames } from './masks';
import { createEngine } from './registry';
import type { EngineContext, ProcFrame } from './types';

/** ProPainter's default canvas growth when outpainting without explicit scales (its CLI: 1.0 x 1.2). */
const DEFAULT_OUTPAINT = { scaleH: 1, scaleW: 1.2 };
/** Frames computed on each side of a run of stale frames, for the engines' temporal context. */
export const CONTEXT_FRAMES = 8;

/**
 * The engine passes for `stale` frames (sorted): runs of them, merged when their context would
 * overlap, each widened by `context` frames within [start, end].
 */
export function staleSegments(stale: readonly number[], context: number, start: number, end: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const f of stale) {
    const last = runs[runs.length - 1];
    if (last && f - last[1] <= 2 * context + 1) last[1] = f;
    else runs.push([f, f]);
  }
  return runs.map(([a, b]) => [Math.max(start, a - context), Math.min(end, b + context)]);
}

/** The fingerprints a job's frames are made from (null for mask files, which have none). */
function fingerprintsOf(spec: JobSpec, start: number, end: number): string[] | null {
  if (spec.masks.kind === 'files') return null;
  const doc = spec.masks.kind === 'document' ? spec.masks.doc : null;
  const outpaint = { enabled: spec.mode === 'outpaint', ...(spec.outpaint ?? DEFAULT_OUTPAINT) };
  return frameFingerprints({ layers: doc?.layers ?? [], range: doc?.range ?? { in: start, out: end }, engine: spec.engine, outpaint }, spec.mode, start, end);
}

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
  const proc = processingSize(source, spec.engine.processingSize, spec.engine.id === 'propainter' ? PROPAINTER_MIN_SIDE : undefined);
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
  const fingerprints = fingerprintsOf(spec, start, end);
  const previous = fingerprints && spec.reuse ? await usableResult(spec.reuse.video, probe.frameCount, outSize, signal) : null;
  const fresh = (i: number) => !!previous && i >= start && i <= end && spec.reuse!.fingerprints[i] === fingerprints![i - start];
  const stale: number[] = [];
  for (let i = start; i <= end; i++) if (!fresh(i)) stale.push(i);
  const full = decodeFrames(probe, { width: source.width, height: source.height, signal });
  const earlier = previous ? decodeFrames(previous, { width: outSize.width, height: outSize.height, signal }) : null;
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
    const step = async (frames: AsyncGenerator<{ index: number; data: Uint8Array }>, index: number, what: string): Promise<Uint8Array> => {
      const next = await frames.next();
      if (next.done || next.value.index !== index) throw new Error(`${what} decode lost step at frame ${index}`);
      return next.value.data;
    };
    /** The next output frame's source (on the output canvas) and its earlier result, decoded in lockstep. */
    let next = 0;
    let finished = 0;
    let reused = 0;
    const inputs = async (index: number) => {
      if (index !== next) throw new Error(`output lost step: frame ${index} where ${next} was due`);
      next++;
      return { target: toCanvas(await step(full, index, 'full-resolution')), old: earlier ? await step(earlier, index, 'earlier result') : null };
    };
    const reuse = async (index: number, old: Uint8Array) => {
      await encoder!.write(old);
      finished++;
      reused++;
      hooks.frame?.(index, true);
      hooks.progress?.('encode', finished, count);
    };
    /** Frames up to `to` (exclusive) that need no engine: the source outside the range, the earlier result inside it. */
    const copyUntil = async (to: number) => {
      while (next < to) {
        const index = next;
        const { target, old } = await inputs(index);
        if (index >= start && index <= end) await reuse(index, old!);
        else {
          await encoder!.write(target);
          hooks.progress?.('copy', index + 1, probe.frameCount);
        }
      }
    };

    const holes = new Map<number, Uint8Array>();
    for (const [a, b] of staleSegments(stale, previous ? CONTEXT_FRAMES : 0, start, end)) {
      await copyUntil(a);
      const ctx: EngineContext = {
        ...engineSize,
        frameCount: b - a + 1,
        signal,
        progress: (stage, done, total) => hooks.progress?.(stage, done, total),
        notice: (message) => hooks.notice?.(message),
      };
      for await (const filled of engine.run(engineFrames(spec, probe, proc, outpaint, a, b, holes, signal), ctx)) {
        const hole = holes.get(filled.index);
        if (!hole) throw new Error(`engine returned frame ${filled.index}, which it was not given or gave twice`);
        holes.delete(filled.index);
        const { target, old } = await inputs(filled.index);
        // A context frame around stale ones: computed for the engine's sake, the earlier result stays.
        if (fresh(filled.index)) {
          await reuse(filled.index, old!);
          continue;
        }
        const frameRect = outpaint ? { ...source, x: outpaint.full.x, y: outpaint.full.y } : undefined;
        const out = compositeFilled(cv, { full: target, fullWidth: outSize.width, fullHeight: outSize.height, filled: filled.rgb, hole, ...engineSize, frameRect });
        await encoder.write(out);
        await previews?.write(filled.index, out);
        finished++;
        hooks.frame?.(filled.index);
        hooks.progress?.('encode', finished, count);
        memory.sample();
      }
      if (next !== b + 1) throw new Error(`engine produced frames up to ${next - 1} of ${a}..${b}`);
    }
    await copyUntil(probe.frameCount);
    if (finished !== count) throw new Error(`the job finished ${finished} of ${count} frames`);
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
      fingerprints,
      reused,
    };
  } catch (err) {
    await encoder?.abort();
    throw err;
  } finally {
    await previews?.close().catch(() => {});
    await full.return(undefined);
    await earlier?.return(undefined);
    await engine.dispose();
  }
}

/** Said before a variable frame rate source is written as PNGs, which carry no time of their own. */
export const PNG_TIMING_NOTICE = 'The source has a variable frame rate and PNG files have no timestamps: each frame\'s time goes to timestamps.txt beside them.';

/**
 * The earlier result when it can stand in for this job's frames: the same frame count and size (a
 * different outpainting canvas or a replaced source makes it useless); null otherwise.
 */
async function usableResult(video: string, frameCount: number, size: Size, signal: AbortSignal): Promise<ProbeResult | null> {
  const probe = await probeMedia(video, { signal }).catch(() => null);
  return probe && probe.frameCount === frameCount && probe.width === size.width && probe.height === size.height ? probe : null;
}

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
