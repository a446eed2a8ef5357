/**
 * The eval's synthetic video-completion masks for bmx-trees (432x240): three shapes moving on fixed
 * paths, dilated by a 4-connected cross x4 as ProPainter's evaluation dilates its masks.
 */
import { dilateCross } from '../../common/mask/morphology';

export const EVAL_WIDTH = 432;
export const EVAL_HEIGHT = 240;
export const EVAL_DILATION = 4;

const W = EVAL_WIDTH;
const H = EVAL_HEIGHT;

/** Three shapes on fixed paths: an ellipse gliding right, a box gliding left, a disc circling. */
export function syntheticMask(k: number, frames: number): Uint8Array {
  const m = new Uint8Array(W * H);
  const t = k / Math.max(1, frames - 1);
  const ellipse = { cx: 60 + 300 * t, cy: 80 + 25 * Math.sin(t * 2 * Math.PI), rx: 34, ry: 24 };
  const box = { x: 340 - 260 * t, y: 150, w: 40, h: 54 };
  const disc = { cx: 230 + 50 * Math.cos(t * 4 * Math.PI), cy: 120 + 40 * Math.sin(t * 4 * Math.PI), r: 18 };
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const ex = (x + 0.5 - ellipse.cx) / ellipse.rx;
      const ey = (y + 0.5 - ellipse.cy) / ellipse.ry;
      const inEllipse = ex * ex + ey * ey <= 1;
      const inBox = x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h;
      const inDisc = (x + 0.5 - disc.cx) ** 2 + (y + 0.5 - disc.cy) ** 2 <= disc.r ** 2;
      if (inEllipse || inBox || inDisc) m[y * W + x] = 1;
    }
  return dilateCross(m, W, H, EVAL_DILATION);
}

