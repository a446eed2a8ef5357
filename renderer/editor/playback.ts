/**
 * Playback and J/K/L shuttle. The rate lives in the session (0 = stopped); a loop driven by animation
 * frames advances the playhead in real time from an anchor, so playback keeps the clip's speed and
 * skips frames that are not decoded yet rather than slowing down.
 */
import { rationalToNumber } from '../../common/time';
import type { EditorOps } from '../state/store';

const MAX_SHUTTLE = 8;

export class Playback {
  private raf = 0;
  private anchor = { time: 0, frame: 0, rate: 0 };

  constructor(
    private readonly ops: EditorOps,
    private readonly now: () => number = () => performance.now(),
    private readonly requestFrame: (cb: (t: number) => void) => number = (cb) => requestAnimationFrame(cb),
    private readonly cancelFrame: (id: number) => void = (id) => cancelAnimationFrame(id),
  ) {}

  setRate(rate: number): void {
    const doc = this.ops.doc();
    if (!doc) return;
    const last = doc.source.frameCount - 1;
    let frame = this.ops.session().frame;
    // Play from the end starts again at the beginning, as every player does.
    if (rate > 0 && frame >= last) frame = 0;
    if (rate < 0 && frame <= 0) frame = last;
    this.ops.setFrame(frame);
    this.ops.setSession({ rate });
    this.anchor = { time: this.now(), frame, rate };
    if (rate !== 0 && !this.raf) this.raf = this.requestFrame(this.tick);
    if (rate === 0) this.stop();
  }

  toggle(): void {
    this.setRate(this.ops.session().rate === 0 ? 1 : 0);
  }

  /** L: forwards, faster each press; J: backwards likewise; K: stop. */
  shuttle(direction: -1 | 0 | 1): void {
    const rate = this.ops.session().rate;
    if (direction === 0) return this.setRate(0);
    const same = Math.sign(rate) === direction;
    this.setRate(same ? Math.max(-MAX_SHUTTLE, Math.min(MAX_SHUTTLE, rate * 2)) : direction);
  }

  private stop(): void {
    if (this.raf) this.cancelFrame(this.raf);
    this.raf = 0;
  }

  private readonly tick = (): void => {
    this.raf = 0;
    const doc = this.ops.doc();
    const rate = this.ops.session().rate;
    // Someone else stopped or changed playback (stepping and scrubbing set the rate to 0).
    if (!doc || rate === 0 || rate !== this.anchor.rate) return;
    const fps = rationalToNumber(doc.source.fps);
    const target = this.anchor.frame + ((this.now() - this.anchor.time) / 1000) * fps * rate;
    const last = doc.source.frameCount - 1;
    const frame = Math.floor(target + 1e-6);
    // Stop at the end the playhead is travelling towards.
    if ((rate > 0 && frame >= last) || (rate < 0 && frame <= 0)) {
      this.ops.setFrame(rate > 0 ? last : 0);
      this.ops.setSession({ rate: 0 });
      return;
    }
    this.ops.setFrame(frame);
    this.raf = this.requestFrame(this.tick);
  };
}
