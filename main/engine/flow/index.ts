/**
 * Optical flow for the classic engine and the editor's mask propagation: Farneback flow between
 * neighbouring frames (farneback.ts), and its completion inside the hole (complete.ts).
 *
 * Layout as ProPainter: forward flow k -> k+1 and backward flow k+1 -> k are both stored at index k,
 * planar Float32 [2, H, W] in processing-size pixels.
 */
import { dilateCross } from '../../../common/mask/morphology';
import type { OpenCv } from '../cv';
import { fillHarmonic } from './complete';
import { DEFAULT_FARNEBACK, FarnebackFlow, type FarnebackOptions, type FlowImage } from './farneback';
import { resizePlanes, shrinkMask } from './resample';

export { FarnebackFlow, DEFAULT_FARNEBACK, type FarnebackOptions, type FlowImage } from './farneback';
export { fillHarmonic } from './complete';
export { resizePlanes, shrinkMask } from './resample';
export { bilinearZero, bilinearHole, nearbyint, flowConsistent } from './sample';

export interface FlowPair {
  /** k -> k+1 */
  forward: Float32Array;
  /** k+1 -> k */
  backward: Float32Array;
}

export interface CompletedFlowOptions extends Partial<FarnebackOptions> {
  /**
   * How many flow-resolution pixels around the flow mask are completed too. Farneback's window
   * smears the removed object's motion about winsize/2 pixels into its surroundings (measured in
   * test/unit/flow.test.ts: with no margin a hole's flow comes out 36% towards the object's motion,
   * with winsize/2 under 4%); RAFT, which ProPainter keeps outside the mask, does not smear like
   * that. Default: ceil(winsize / 2).
   */
  margin?: number;
  /** Paint the hole over with a smooth membrane before estimating (FarnebackFlow.prepare). */
  prefill?: boolean;
}

/**
 * Feeds frames in order and returns, for each new frame k, the completed flows of the pair (k-1, k):
 * the forward flow is completed inside frame k-1's flow mask (the source frame's, as ProPainter's
 * forward_bidirect_flow does), the backward flow inside frame k's; elsewhere the estimate is kept.
 */
export class CompletedFlowStream {
  private readonly farneback: FarnebackFlow;
  private readonly margin: number;
  private previous: { image: FlowImage; flowMask: Uint8Array; coarseHole: Uint8Array } | null = null;
  private readonly prefill: boolean;

  constructor(
    private readonly cv: OpenCv,
    private readonly width: number,
    private readonly height: number,
    options: CompletedFlowOptions = {},
  ) {
    this.farneback = new FarnebackFlow(cv, width, height, options);
    this.margin = options.margin ?? Math.ceil((options.winsize ?? DEFAULT_FARNEBACK.winsize) / 2);
    this.prefill = options.prefill ?? true;
  }

  push(rgb: Uint8Array, flowMask: Uint8Array): FlowPair | null {
    const coarseHole = this.coarseHole(flowMask);
    const image = this.farneback.prepare(rgb, this.prefill ? shrinkMask(flowMask, this.width, this.height, this.farneback.flowWidth, this.farneback.flowHeight) : undefined);
    const prev = this.previous;
    this.previous = { image, flowMask, coarseHole };
    if (!prev) return null;
    try {
      return {
        forward: this.complete(this.farneback.flow(prev.image, image), prev.coarseHole),
        backward: this.complete(this.farneback.flow(image, prev.image), coarseHole),
      };
    } finally {
      prev.image.dispose();
    }
  }

  /** Forgets the previous frame (a new, unrelated sequence follows). */
  reset(): void {
    this.previous?.image.dispose();
    this.previous = null;
  }

  dispose(): void {
    this.reset();
    this.farneback.dispose();
  }

  /** The flow mask at flow resolution, grown by the margin. */
  private coarseHole(flowMask: Uint8Array): Uint8Array {
    const { flowWidth: fw, flowHeight: fh } = this.farneback;
    return dilateCross(shrinkMask(flowMask, this.width, this.height, fw, fh), fw, fh, this.margin);
  }

  /** Raw flow at flow resolution -> harmonic inside the (coarse, grown) hole -> processing size. */
  private complete(raw: Float32Array, coarseHole: Uint8Array): Float32Array {
    const { flowWidth: fw, flowHeight: fh } = this.farneback;
    fillHarmonic(raw, 2, fw, fh, coarseHole);
    return resizePlanes(this.cv, raw, 2, fw, fh, this.width, this.height);
  }
}
