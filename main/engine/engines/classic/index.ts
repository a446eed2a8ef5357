/**
 * The classic engine: no model files. As frames arrive, each gets its camera motion to the previous
 * frame and its mask of what moves on its own (motion-track.ts). Frame t is completed once the frames
 * up to its lookahead have arrived (or the clip has ended):
 *   1. long-range propagation (propagate.ts): each hole pixel from the nearest frame in time, both
 *      ways, up to `radius` frames away, where its scene point is visible and static, found through
 *      the chained camera homographies; a source whose homography does not bring the band around the
 *      hole onto the target's is not used (parallax, a failed motion estimate). What no static
 *      source showed (water, smoke, spray move everywhere) is then taken from the
 *      nearest frames, up to `looseReach` away, where the spot is at least not in the hole;
 *   2. what no frame saw: exemplar fill (patch-fill.ts), seeded by the previous frame's fill;
 *   3. gradient-domain blending of the filled region into the kept pixels (blend.ts).
 *
 * The flow inside the hole is never interpolated from the hole's boundary: the hole moves with the
 * background's homography, fitted with RANSAC where the scene moves with the camera, so a moving
 * object next to the hole is an outlier and is not dragged in (and the dynamic mask blocks it as a
 * source of the first pass; the second pass reads only a few frames away, where it is nearly in place).
 *
 * Streaming: frames are kept at most `radius` behind and `lookahead` ahead of the frame being
 * completed, so memory is bounded by the window, never by the clip.
 */
import { dilateCross } from '../../../../common/mask/morphology';
import type { ClassicSettings } from '../../../../common/project/schema';
import { loadOpenCv, type OpenCv } from '../../cv';
import { composeHomography, identityHomography, mapPoint, type Homography } from '../../flow/motion';
import type { EngineContext, EngineOptions, FilledFrame, InpaintEngine, ProcFrame } from '../../types';
import { shrinkMask } from '../../flow';
import { LocalAligner, correctionAt, type AlignOptions, type Correction } from './align';
import { outerRing, poissonBlend } from './blend';
import { SpatialFiller } from './fill';
import { MotionTracker, type MotionTrackerOptions } from './motion-track';
import { PatchFiller, type PatchField, type PatchFillOptions } from './patch-fill';
import { boundingBox, setPixels } from './pixels';
import { smoothWithPrevious, type PreviousFill } from './temporal';
import { combineSamples, gatherDirection, sampleIfVisible, type DirectionSamples, type PropagationSource } from './propagate';

export interface ClassicTuning {
  motion?: MotionTrackerOptions;
  /** Sources per direction that get a local correction of their homography (align.ts); 0 = none. */
  corrections?: number;
  align?: Partial<AlignOptions>;
  /** Frames ahead of the one being completed that are read before it is (default: the radius). */
  lookahead?: number;
  /** The same for the first frame (default 16); it grows by two per frame up to `lookahead`. */
  firstLookahead?: number;
  /** Samples kept per direction and pixel (the nearest ones). */
  depth?: number;
  /** Sum of channel differences from the samples' median beyond which a sample is dropped. */
  outlier?: number;
  /** Largest per-channel difference on the ring the blend follows (default: any). */
  blendOffset?: number;
  /** Width (pixels) of the band around the hole on which each source's alignment is checked. */
  band?: number;
  /** Mean absolute difference on that band (0..255) above which a source is not used. */
  maxBandError?: number;
  /** Gradient-domain blending of the fill into the frame (blend.ts). */
  blend?: boolean;
  /** Which ring pixels set the blend's boundary: all (default), or only those not moving on their own. */
  blendRing?: 'all' | 'static';
  /** Frames each way the second, dynamic-tolerant pass reads for what no static source showed (0 = off). */
  looseReach?: number;
  /** Share of the frame moving on its own above which patches may come from moving pixels too. */
  textureShare?: number;
  /** Exemplar fill for what no frame saw (false: Telea alone). */
  patches?: boolean;
  patch?: Partial<PatchFillOptions>;
  /** Start each frame's exemplar fill from the previous frame's (default); false re-draws it every frame. */
  seedFromPrevious?: boolean;
  /** Called once per completed frame with where its hole's pixels came from. */
  onFrame?: (stats: FrameStats) => void;
}

export interface FrameStats {
  index: number;
  hole: number;
  /** Taken from other frames. */
  propagated: number;
  /** Seen in no frame of the window: filled from the frame itself. */
  invented: number;
}

interface Held {
  index: number;
  rgb: Uint8Array;
  hole: Uint8Array;
  /** Hole or moving on its own: nothing may be copied from here. */
  blocked: Uint8Array;
  /** This frame -> the previous one, and back (null for the first frame). */
  toPrevious: Homography | null;
  fromPrevious: Homography | null;
  /** For local alignment: grey and blocked at flow resolution. */
  grey: Uint8Array;
  coarseBlocked: Uint8Array;
}

export async function createClassicEngine(options: Pick<EngineOptions, 'classic'>, tuning: ClassicTuning = {}): Promise<InpaintEngine> {
  return new ClassicEngine(await loadOpenCv(), options.classic, tuning);
}

/** Lets the event loop run (cancel messages, progress) between long synchronous steps. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

class ClassicEngine implements InpaintEngine {
  readonly id = 'classic' as const;
  readonly device = 'cpu (wasm)';

  constructor(
    private readonly cv: OpenCv,
    private readonly settings: ClassicSettings,
    private readonly tuning: ClassicTuning,
  ) {}

  async *run(frames: AsyncIterable<ProcFrame>, ctx: EngineContext): AsyncGenerator<FilledFrame> {
    const { width, height, frameCount, signal } = ctx;
    const radius = this.settings.propagationRadius;
    const lookahead = Math.min(radius, this.tuning.lookahead ?? radius);
    const firstLookahead = this.tuning.firstLookahead ?? 16;
    const tracker = new MotionTracker(this.cv, width, height, this.tuning.motion);
    const { flowWidth: fw, flowHeight: fh } = tracker.flow;
    const aligner = new LocalAligner(this.cv, width, height, fw, fh, this.tuning.align);
    const filler = new SpatialFiller(this.cv, width, height);
    const patches = new PatchFiller(this.cv, this.tuning.patch);
    /** The last frame's exemplar fill, which seeds the next one's. */
    let field: PatchField | null = null;
    /** The last completed frame's output and hole, which temporal smoothing pulls the next fill towards. */
    let previous: PreviousFill | null = null;
    const source = frames[Symbol.asyncIterator]();
    const held = new Map<number, Held>();
    let pulled = 0;

    const pullUntil = async (end: number) => {
      while (pulled < end) {
        signal.throwIfAborted();
        const next = await source.next();
        if (next.done) throw new Error(`classic engine: the frame stream ended after ${pulled} of ${frameCount} frames`);
        const f = next.value;
        const hole = binary(f.mask);
        const motion = tracker.push(f.rgb, binary(f.flowMask ?? f.mask));
        const blocked = orMask(hole, motion.dynamic);
        held.set(pulled, {
          index: f.index,
          rgb: f.rgb,
          hole,
          blocked,
          toPrevious: motion.toPrevious,
          fromPrevious: motion.fromPrevious,
          grey: motion.grey,
          coarseBlocked: shrinkMask(blocked, width, height, fw, fh),
        });
        if (motion.first) {
          const first = held.get(pulled - 1)!;
          first.blocked = orMask(first.hole, motion.first.dynamic);
          first.coarseBlocked = shrinkMask(first.blocked, width, height, fw, fh);
        }
        pulled++;
        ctx.progress('flow', pulled, frameCount);
      }
    };

    try {
      for (let t = 0; t < frameCount; t++) {
        // The first frames look less far ahead, so the first final frame comes early; from then on
        // the lookahead grows by two frames per frame completed, up to its full length.
        await pullUntil(Math.min(frameCount, t + Math.min(lookahead, firstLookahead + 2 * t) + 1));
        const done = this.complete(t, held, radius, filler, patches, aligner, field, previous, width, height);
        field = done.field;
        previous = { rgb: done.rgb, hole: held.get(t)!.hole };
        yield { index: held.get(t)!.index, rgb: done.rgb };
        ctx.progress('inpaint', t + 1, frameCount);
        held.delete(t - radius);
        await breathe();
      }
    } finally {
      tracker.dispose();
      filler.dispose();
      await source.return?.();
    }
  }

  private complete(
    t: number,
    held: Map<number, Held>,
    radius: number,
    filler: SpatialFiller,
    patches: PatchFiller,
    aligner: LocalAligner,
    previousField: PatchField | null,
    previous: PreviousFill | null,
    width: number,
    height: number,
  ): { rgb: Uint8Array; field: PatchField | null } {
    const target = held.get(t)!;
    const rgb = target.rgb.slice();
    const holeList = setPixels(target.hole);
    if (holeList.length === 0) return { rgb, field: null };
    // The hole and the ring just outside it, which the blending compares with the frame.
    const ringList = outerRing(target.hole, width, height);
    const pixels = new Int32Array(holeList.length + ringList.length);
    pixels.set(holeList);
    pixels.set(ringList, holeList.length);
    // Consistency: a source whose alignment does not bring the band around the hole onto the
    // target's (a failed motion estimate, parallax the correction could not follow, lighting) would
    // paste a misaligned copy. With `corrections`, the nearest sources get a local correction of their
    // homography (off by default: on the tune clips it cost a third of the speed for no gain).
    const band = bandPixels(target.hole, target.blocked, width, height, this.tuning.band ?? 6);
    // 20 levels: on the eight older eval clips, 9 lost 2 dB on average and 14 lost 0.4 dB against 20
    // (sources rejected for the texture's own change, not misalignment); 28 and 40 gained 0.05 dB
    // more but let misaligned sources through on car-roundabout's moving holes (-0.6 dB there).
    const maxError = this.tuning.maxBandError ?? 20;
    const box = boundingBox(holeList, width);
    const maxCorrections = this.tuning.corrections ?? 0;
    // Each direction's frames with their chained homography target -> frame, nearest first, walked
    // once and read by both passes.
    const chain = (step: 1 | -1): Array<{ s: Held; toSource: Homography; distance: number }> => {
      const out: Array<{ s: Held; toSource: Homography; distance: number }> = [];
      let chained = identityHomography();
      for (let d = 1; d <= radius && held.has(t + step * d); d++) {
        const s = held.get(t + step * d)!;
        chained = composeHomography(chained, step === 1 ? s.fromPrevious! : held.get(t - d + 1)!.toPrevious!);
        out.push({ s, toSource: chained, distance: d });
      }
      return out;
    };
    const past = chain(-1);
    const future = chain(1);
    const direction = (frames: ReturnType<typeof chain>): PropagationSource[] => {
      let corrected = 0;
      return frames.map(({ s, toSource, distance }) => {
        const src: PropagationSource = { rgb: s.rgb, blocked: s.blocked, toSource, distance };
        src.prepare = () => {
          let correction: Correction | null = null;
          if (corrected < maxCorrections) {
            corrected++;
            correction = aligner.correct({ grey: target.grey, blocked: target.coarseBlocked }, { grey: s.grey, blocked: s.coarseBlocked }, toSource, box);
          }
          return bandError(target.rgb, band, src, correction, width, height) <= maxError ? correction : false;
        };
        return src;
      });
    };
    const depth = this.tuning.depth ?? 1;
    const fromPast = gatherDirection(pixels, direction(past), width, height, depth);
    const fromFuture = gatherDirection(pixels, direction(future), width, height, depth);
    // Second chance for what no static source showed: water, smoke or spray move everywhere, so the
    // dynamic mask blocks them in every frame. The nearest frames where the spot is at least not in
    // the hole are a better guess there than anything invented.
    const looseReach = this.tuning.looseReach ?? 8;
    const loose: DirectionSamples[] = [];
    if (looseReach > 0) {
      // Only the hole blocks here, not the dynamic mask.
      const near = (frames: ReturnType<typeof chain>): PropagationSource[] =>
        frames.slice(0, looseReach).map(({ s, toSource, distance }) => {
          const src: PropagationSource = { rgb: s.rgb, blocked: s.hole, toSource, distance };
          src.prepare = () => (bandError(target.rgb, band, src, null, width, height) <= maxError ? null : false);
          return src;
        });
      loose.push(gatherDirection(pixels, near(past), width, height, 1), gatherDirection(pixels, near(future), width, height, 1));
    }
    const found = combineSamples(pixels.length, [[fromPast, fromFuture], loose], this.tuning.outlier);
    const left = new Uint8Array(width * height);
    let missing = 0;
    for (let i = 0; i < holeList.length; i++) {
      const p = holeList[i]!;
      if (Number.isNaN(found[3 * i]!)) {
        left[p] = 1;
        missing++;
      } else for (let c = 0; c < 3; c++) rgb[3 * p + c] = Math.round(found[3 * i + c]!);
    }
    this.tuning.onFrame?.({ index: target.index, hole: holeList.length, propagated: holeList.length - missing, invented: missing });
    let field: PatchField | null = null;
    if (missing > 0) {
      // Seen nowhere: exemplar fill from the frame's own static pixels, continuing the previous
      // frame's fill where there was one.
      // Patches never come from what moves on its own, unless that is a large part of the frame: then
      // it is a moving texture (water, foliage in wind), the very thing the hole must continue.
      const avoid = new Uint8Array(width * height);
      let avoided = 0;
      for (let i = 0; i < avoid.length; i++)
        if (target.blocked[i] && !target.hole[i]) {
          avoid[i] = 1;
          avoided++;
        }
      // 10 %: at 25 % the swan clip's rippling water (about a fifth of the frame) was still avoided, and
      // its holes were patched from the kerb, a pale patch on dark water.
      if (avoided > (this.tuning.textureShare ?? 0.1) * (width * height - holeList.length)) avoid.fill(0);
      field =
        (this.tuning.patches ?? true) ? patches.fill(rgb, left, avoid, width, height, (this.tuning.seedFromPrevious ?? true) ? previousField : null, target.toPrevious) : null;
      if (!field) filler.fill(rgb, left);
    }
    const strength = this.settings.temporalSmoothing;
    if (strength > 0 && previous && target.toPrevious) smoothWithPrevious(rgb, holeList, previous, target.toPrevious, strength, width, height);
    if (this.tuning.blend ?? true) {
      // The whole ring sets the blend's boundary, next to moving things too: what touches the hole
      // (a body the hole cuts, spray around a surfer) goes on inside it, so the fill must meet it
      // rather than stop at a hard outline. On the evaluation set, leaving moving ring pixels out and
      // refusing offsets above 30 lost 0.5 dB on average and up to 1.5 dB on masks crossing bodies.
      const ringRgb = found.slice(3 * holeList.length);
      if (this.tuning.blendRing === 'static') for (let r = 0; r < ringList.length; r++) if (target.blocked[ringList[r]!]) ringRgb[3 * r] = Number.NaN;
      poissonBlend(rgb, target.hole, { pixels: ringList, rgb: ringRgb }, width, height, this.tuning.blendOffset ?? 255);
    }
    return { rgb, field };
  }

  async dispose(): Promise<void> {}
}

/** Pixels within `width` of the hole, outside it and not moving on their own. */
function bandPixels(hole: Uint8Array, blocked: Uint8Array, width: number, height: number, size: number): Int32Array {
  const grown = dilateCross(hole, width, height, size);
  const out: number[] = [];
  for (let i = 0; i < hole.length; i++) if (grown[i] && !blocked[i]) out.push(i);
  return Int32Array.from(out);
}

/**
 * Mean absolute difference (per channel) between the target's band and the source brought onto it by
 * the source's homography and correction, over the band pixels the source shows.
 */
function bandError(rgb: Uint8Array, band: Int32Array, src: PropagationSource, correction: Correction | null, width: number, height: number): number {
  const q = [0, 0];
  const offset = [0, 0];
  const sample = new Float32Array(3);
  let sum = 0;
  let seen = 0;
  for (const p of band) {
    const x = p % width;
    const y = (p - x) / width;
    mapPoint(src.toSource, x, y, q);
    if (correction) {
      correctionAt(correction, x, y, offset);
      q[0]! += offset[0]!;
      q[1]! += offset[1]!;
    }
    if (!sampleIfVisible(src, q[0]!, q[1]!, width, height, sample, 0)) continue;
    sum += Math.abs(sample[0]! - rgb[3 * p]!) + Math.abs(sample[1]! - rgb[3 * p + 1]!) + Math.abs(sample[2]! - rgb[3 * p + 2]!);
    seen++;
  }
  // A source that shows too little of the band cannot be checked: it is not used.
  return seen < 0.2 * band.length ? Number.POSITIVE_INFINITY : sum / (3 * seen);
}

function orMask(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] !== 0 || b[i] !== 0 ? 1 : 0;
  return out;
}

function binary(mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] !== 0 ? 1 : 0;
  return out;
}
