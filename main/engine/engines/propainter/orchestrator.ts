/**
 * ProPainter's official inference as a stream with bounded memory (the Streaming ProPainter idea):
 * the transformer windows drive the work, and each stage computes lazily, in its upstream units,
 * only as far as the next window needs — RAFT clips, flow-completion sub-videos (±5), image
 * propagation chunks (±10). After every window, each buffer is trimmed to what later windows and
 * later stage units still read, and every frame no later window touches is emitted at once. Memory
 * therefore depends on the window sizes and the processing size, never on the video length.
 *
 * Differences from upstream, on purpose: overlapping windows are averaged as a true float mean and
 * rounded once (upstream halves and truncates repeatedly; the setting windowAveraging 'halving' does
 * exactly that instead); an out-of-memory error retries with less work instead of failing
 * (memory.ts). Everything else is upstream's inference with its settings.
 *
 * Every stage's time is counted in `seconds` (exclusive: waiting for input frames is not counted),
 * and an optional StageObserver sees each stage's results as they are made (the parity harness
 * compares them with upstream's; see trace.ts).
 */
import { performance } from 'node:perf_hooks';
import { UserError } from '../../../../common/errors';
import type { ProPainterSettings } from '../../../../common/project/schema';
import { propagateImages } from '../../propagation';
import type { EngineContext, FilledFrame, ProcFrame } from '../../types';
import { completeFlows } from './flow-completion';
import { estimateClipFlows, type FlowPair } from './flow';
import { encodeFrames, inpaintWindow, type EncoderInput } from './inpaint';
import { GraphOutOfMemory, outOfMemoryFailure, stageOf, taggingOutOfMemory, type BatchSize, type RunGraph } from './memory';
import { HalvingAverage, quarterFlow, quarterMask, rgbToPlanar, WindowAverage, type OverlapAverage } from './tensors';
import {
  finalBefore,
  firstFrameNeededFrom,
  imagePropagationLength,
  IMAGE_PROPAGATION_PAD,
  inpaintWindows,
  lastFrameOf,
  paddedWindowAt,
  paddedWindows,
  raftClipLength,
  raftClips,
  RFC_PAD,
  type InpaintWindow,
  type PaddedWindow,
  type Span,
} from './windows';

function dropBelow<T>(map: Map<number, T>, from: number): void {
  for (const key of map.keys()) if (key < from) map.delete(key);
}

interface FrameSlot {
  index: number;
  rgb: Uint8Array;
  mask: Uint8Array;
  flowMask: Uint8Array;
}

/** Shortest flow-completion sub-video an out-of-memory retry goes down to. */
const MIN_RFC_LENGTH = 10;

/** Seconds spent per stage, exclusive of each other and of waiting for input frames. */
export interface StageSeconds {
  /** RAFT, including the frames' conversion to tensors. */
  flow: number;
  /** Flow completion and the 1/4-size flows the generator reads. */
  flowCompletion: number;
  /** Image propagation (TypeScript), including building its input frames. */
  propagation: number;
  /** The generator: encoder, feature propagation, transformer, decoder, and the averaging of windows. */
  inpaint: number;
  /** Finishing frames: the averaged hole pasted into the processing-size frame. */
  composite: number;
}

/** Sees each stage's results as the orchestrator makes them (nothing is copied; do not modify). */
export interface StageObserver {
  /** RAFT's flows of pair k (k -> k+1 and k+1 -> k). */
  rawFlow?(k: number, flow: FlowPair): void;
  /** The completed flows of pair k (the prediction inside the flow mask, RAFT's outside). */
  completedFlow?(k: number, flow: FlowPair): void;
  /** Frame p after image propagation, with the pixels still missing. */
  propagated?(p: number, frame: EncoderInput): void;
  /** Window w's decoded local frames, planar [L, 3, H, W] in [-1, 1], before averaging and compositing. */
  window?(w: number, local: readonly number[], prediction: Float32Array): void;
  /** Frame p, final (RGB24, processing size). */
  final?(p: number, rgb: Uint8Array): void;
}

export interface BufferSizes {
  frames: number;
  rawFlows: number;
  completedFlows: number;
  quarterFlows: number;
  propagated: number;
  encoded: number;
  pendingAverages: number;
}

export class ProPainterOrchestrator {
  private readonly width: number;
  private readonly height: number;
  private readonly count: number;
  private readonly size: { width: number; height: number };

  private source: AsyncIterator<ProcFrame> | null = null;
  private pulled = 0;
  private readonly frames = new Map<number, FrameSlot>();

  private readonly clips: Span[];
  private nextClip = 0;
  private readonly rawFlows = new Map<number, FlowPair>();
  private readonly raftBatch: BatchSize;

  private readonly flowCount: number;
  private nextCompletion = 0;
  private completionLength: number;
  private readonly completed = new Map<number, FlowPair>();
  private readonly quarterFlows = new Map<number, FlowPair>();

  private readonly chunks: PaddedWindow[];
  private nextChunk = 0;
  private readonly propagated = new Map<number, EncoderInput>();

  private readonly windows: InpaintWindow[];
  private readonly neededFrom: number[];
  private readonly encoded = new Map<number, Float32Array>();
  private readonly average: OverlapAverage;
  private readonly decodeBatch: BatchSize = { size: 16 };
  private readonly encodeBatch: BatchSize = { size: 32 };
  /** After an out-of-memory error in a window, keep every 2^n-th reference frame from then on. */
  private refThinning = 0;

  /** Largest buffer sizes seen (frames held per buffer), for tests and the benchmark. */
  readonly peak: BufferSizes = { frames: 0, rawFlows: 0, completedFlows: 0, quarterFlows: 0, propagated: 0, encoded: 0, pendingAverages: 0 };
  /** Seconds per stage so far, for the benchmark and the parity harness. */
  readonly seconds: StageSeconds = { flow: 0, flowCompletion: 0, propagation: 0, inpaint: 0, composite: 0 };

  private readonly run: RunGraph;

  constructor(
    run: RunGraph,
    private readonly settings: ProPainterSettings,
    private readonly ctx: EngineContext,
    private readonly observer: StageObserver = {},
  ) {
    this.run = taggingOutOfMemory(run);
    this.width = ctx.width;
    this.height = ctx.height;
    this.count = ctx.frameCount;
    this.size = { width: ctx.width, height: ctx.height };
    if (this.width % 8 !== 0 || this.height % 8 !== 0)
      throw new UserError('bad-input', `ProPainter needs a processing size in multiples of 8, got ${this.width}x${this.height}; choose another processing size`);
    const clipLength = raftClipLength(this.width);
    this.clips = raftClips(this.count, clipLength);
    this.raftBatch = { size: clipLength - 1 };
    this.flowCount = Math.max(0, this.count - 1);
    this.completionLength = settings.subvideoLength;
    this.chunks = paddedWindows(this.count, imagePropagationLength(settings), IMAGE_PROPAGATION_PAD);
    this.windows = inpaintWindows(this.count, settings);
    this.neededFrom = firstFrameNeededFrom(this.windows);
    this.average = settings.windowAveraging === 'halving' ? new HalvingAverage(this.width * this.height) : new WindowAverage(this.width * this.height);
  }

  async *process(frames: AsyncIterable<ProcFrame>): AsyncGenerator<FilledFrame> {
    this.source = frames[Symbol.asyncIterator]();
    let emitted = 0;
    try {
      for (let w = 0; w < this.windows.length; w++) {
        const win = this.windows[w]!;
        await this.ensurePropagated(lastFrameOf(win));
        await this.runWindow(w);
        const final = finalBefore(this.windows, w, this.count);
        for (; emitted < final; emitted++) {
          const slot = this.frames.get(emitted)!;
          const started = performance.now();
          const rgb = this.average.finish(emitted, slot.rgb, slot.mask);
          this.addTime('composite', started);
          this.observer.final?.(emitted, rgb);
          yield { index: slot.index, rgb };
          this.ctx.progress('inpainting', emitted + 1, this.count);
        }
        this.trim(w + 1, emitted);
      }
    } catch (err) {
      // Out of memory where no smaller retry exists (a single frame's step): one line, not a trace.
      if (err instanceof GraphOutOfMemory) throw outOfMemoryFailure(stageOf(err.graph));
      throw err;
    } finally {
      await this.source.return?.();
    }
  }

  // ---- input ---------------------------------------------------------------------------------

  private async ensureFrame(p: number): Promise<FrameSlot> {
    while (this.pulled <= p) {
      const next = await this.source!.next();
      if (next.done) throw new Error(`the frame stream ended after ${this.pulled} of ${this.count} frames`);
      const f = next.value;
      this.frames.set(this.pulled++, { index: f.index, rgb: f.rgb, mask: f.mask, flowMask: f.flowMask ?? f.mask });
      this.notePeak();
    }
    const slot = this.frames.get(p);
    if (!slot) throw new Error(`frame ${p} was needed after it was released`);
    return slot;
  }

  // ---- RAFT ----------------------------------------------------------------------------------

  private async ensureRawFlow(k: number): Promise<FlowPair> {
    while (!this.rawFlows.has(k) && this.nextClip < this.clips.length) {
      const clip = this.clips[this.nextClip]!;
      const rgb: Uint8Array[] = [];
      for (let p = clip.start; p < clip.end; p++) rgb.push((await this.ensureFrame(p)).rgb);
      const started = performance.now();
      const flows = await estimateClipFlows(this.run, rgb, this.size, this.settings.raftIterations, this.raftBatch, (n) =>
        this.ctx.notice(`the GPU ran out of memory in optical flow; retrying with ${n} frame pair${n === 1 ? '' : 's'} at a time`),
      );
      this.addTime('flow', started);
      flows.forEach((f, i) => {
        this.rawFlows.set(clip.start + i, f);
        this.observer.rawFlow?.(clip.start + i, f);
      });
      this.nextClip++;
      this.ctx.progress('flow', clip.end - 1, this.flowCount);
      this.notePeak();
    }
    const flow = this.rawFlows.get(k);
    if (!flow) throw new Error(`flow ${k} was needed after it was released`);
    return flow;
  }

  // ---- flow completion -----------------------------------------------------------------------

  private async ensureCompleted(k: number): Promise<void> {
    while (this.nextCompletion <= k && this.nextCompletion < this.flowCount) {
      const win = paddedWindowAt(this.nextCompletion, this.flowCount, this.completionLength, RFC_PAD);
      const flows: FlowPair[] = [];
      for (let j = win.start; j < win.end; j++) flows.push(await this.ensureRawFlow(j));
      const masks: Uint8Array[] = [];
      for (let p = win.start; p <= win.end; p++) masks.push((await this.ensureFrame(p)).flowMask);
      let done: FlowPair[];
      const started = performance.now();
      try {
        done = await completeFlows(this.run, flows, masks, this.size, this.decodeBatch, (n) => this.shrunkDecode(n));
      } catch (err) {
        if (!(err instanceof GraphOutOfMemory) || !err.graph.startsWith('rfc_')) throw err;
        if (win.keepEnd - win.keepStart <= MIN_RFC_LENGTH) throw outOfMemoryFailure('flow completion');
        this.completionLength = Math.max(MIN_RFC_LENGTH, Math.floor((win.keepEnd - win.keepStart) / 2));
        this.ctx.notice(`the GPU ran out of memory in flow completion; retrying with shorter sub-videos (${this.completionLength} frames)`);
        continue;
      }
      for (let j = win.keepStart; j < win.keepEnd; j++) {
        const f = done[j - win.start]!;
        this.completed.set(j, f);
        this.quarterFlows.set(j, { forward: quarterFlow(f.forward, this.width, this.height), backward: quarterFlow(f.backward, this.width, this.height) });
      }
      this.addTime('flowCompletion', started);
      for (let j = win.keepStart; j < win.keepEnd; j++) this.observer.completedFlow?.(j, this.completed.get(j)!);
      this.nextCompletion = win.keepEnd;
      this.ctx.progress('flow completion', win.keepEnd, this.flowCount);
      this.notePeak();
      dropBelow(this.rawFlows, this.nextCompletion - RFC_PAD);
    }
  }

  // ---- image propagation ---------------------------------------------------------------------

  private async ensurePropagated(p: number): Promise<void> {
    const pixels = this.width * this.height;
    while (this.nextChunk < this.chunks.length && this.chunks[this.nextChunk]!.keepStart <= p) {
      const chunk = this.chunks[this.nextChunk]!;
      if (chunk.end - chunk.start > 1) await this.ensureCompleted(chunk.end - 2);
      for (let q = chunk.start; q < chunk.end; q++) await this.ensureFrame(q);
      const started = performance.now();
      const frames: Float32Array[] = [];
      const masks: Uint8Array[] = [];
      for (let q = chunk.start; q < chunk.end; q++) {
        const slot = this.frames.get(q)!;
        // upstream's masked_frames: [-1, 1] with the hole at 0
        const planar = new Float32Array(3 * pixels);
        rgbToPlanar(slot.rgb, pixels, planar);
        for (let i = 0; i < pixels; i++) if (slot.mask[i]) planar[i] = planar[pixels + i] = planar[2 * pixels + i] = 0;
        frames.push(planar);
        masks.push(Uint8Array.from(slot.mask));
      }
      const forwardFlows: Float32Array[] = [];
      const backwardFlows: Float32Array[] = [];
      for (let k = chunk.start; k < chunk.end - 1; k++) {
        const f = this.completed.get(k)!;
        forwardFlows.push(f.forward);
        backwardFlows.push(f.backward);
      }
      propagateImages({ width: this.width, height: this.height, layout: 'chw', frames, masks, forwardFlows, backwardFlows });
      this.addTime('propagation', started);
      for (let q = chunk.keepStart; q < chunk.keepEnd; q++) {
        this.propagated.set(q, { planar: frames[q - chunk.start]!, mask: this.frames.get(q)!.mask, updatedMask: masks[q - chunk.start]! });
        this.observer.propagated?.(q, this.propagated.get(q)!);
      }
      this.nextChunk++;
      this.ctx.progress('propagation', chunk.keepEnd, this.count);
      this.notePeak();
      if (this.nextChunk < this.chunks.length) dropBelow(this.completed, this.chunks[this.nextChunk]!.start);
    }
  }

  // ---- transformer windows -------------------------------------------------------------------

  private async runWindow(w: number): Promise<void> {
    const win = this.windows[w]!;
    for (;;) {
      const refs = win.refs.filter((_, i) => i % 2 ** this.refThinning === 0);
      const started = performance.now();
      try {
        const frames = [...win.local, ...refs];
        const missing = frames.filter((p) => !this.encoded.has(p));
        const features = await encodeFrames(this.run, missing.map((p) => this.propagated.get(p)!), this.size, this.encodeBatch, (n) => this.shrunkDecode(n));
        missing.forEach((p, i) => this.encoded.set(p, features[i]!));
        this.notePeak();
        const L = win.local.length;
        const h4w4 = (this.width >> 2) * (this.height >> 2);
        const localMasks = win.local.map((p) => {
          const m = new Float32Array(2 * h4w4);
          const prop = this.propagated.get(p)!;
          m.set(quarterMask(prop.mask, this.width, this.height), 0);
          m.set(quarterMask(prop.updatedMask, this.width, this.height), h4w4);
          return m;
        });
        const flows = win.local.slice(0, -1).map((p) => this.quarterFlows.get(p)!);
        const prediction = await inpaintWindow(this.run, { encoded: frames.map((p) => this.encoded.get(p)!), localCount: L, localMasks, flows }, this.size, this.decodeBatch, (n) => this.shrunkDecode(n));
        const pixels = this.width * this.height;
        win.local.forEach((p, i) => this.average.add(p, prediction, i * 3 * pixels, this.frames.get(p)!.mask));
        this.addTime('inpaint', started);
        this.observer.window?.(w, win.local, prediction);
        this.notePeak();
        return;
      } catch (err) {
        this.addTime('inpaint', started);
        if (!(err instanceof GraphOutOfMemory) || err.graph !== 'pp_transformer') throw err;
        if (refs.length <= 1) throw outOfMemoryFailure('the inpainting transformer');
        this.refThinning++;
        this.ctx.notice(`the GPU ran out of memory in the inpainting transformer; retrying with every ${2 ** this.refThinning}${this.refThinning === 1 ? 'nd' : 'th'} reference frame only`);
      }
    }
  }

  private shrunkDecode(n: number): void {
    this.ctx.notice(`the GPU ran out of memory; encoding and decoding ${n} frame${n === 1 ? '' : 's'} at a time`);
  }

  // ---- bounded memory ------------------------------------------------------------------------

  /** Drops what no later window or stage unit reads. `nextWindow` is the next window to run. */
  private trim(nextWindow: number, emitted: number): void {
    const next = this.windows[nextWindow];
    const needPropagated = this.neededFrom[nextWindow]!;
    const needQuarter = next ? next.local[0]! : Number.POSITIVE_INFINITY;
    const rawFrom = this.nextCompletion < this.flowCount ? Math.max(0, this.nextCompletion - RFC_PAD) : Number.POSITIVE_INFINITY;
    const completedFrom = this.nextChunk < this.chunks.length ? this.chunks[this.nextChunk]!.start : Number.POSITIVE_INFINITY;
    const frameFrom = Math.min(
      emitted,
      this.nextClip < this.clips.length ? this.clips[this.nextClip]!.start : Number.POSITIVE_INFINITY,
      rawFrom,
      completedFrom,
    );
    dropBelow(this.frames, frameFrom);
    dropBelow(this.rawFlows, rawFrom);
    dropBelow(this.completed, completedFrom);
    dropBelow(this.quarterFlows, needQuarter);
    dropBelow(this.propagated, needPropagated);
    dropBelow(this.encoded, needPropagated);
  }

  private addTime(stage: keyof StageSeconds, started: number): void {
    this.seconds[stage] += (performance.now() - started) / 1000;
  }

  private notePeak(): void {
    const p = this.peak;
    p.frames = Math.max(p.frames, this.frames.size);
    p.rawFlows = Math.max(p.rawFlows, this.rawFlows.size);
    p.completedFlows = Math.max(p.completedFlows, this.completed.size);
    p.quarterFlows = Math.max(p.quarterFlows, this.quarterFlows.size);
    p.propagated = Math.max(p.propagated, this.propagated.size);
    p.encoded = Math.max(p.encoded, this.encoded.size);
    p.pendingAverages = Math.max(p.pendingAverages, this.average.pending);
  }
}
