/**
 * The evaluation's masks, all deterministic (1 = hole):
 * - moving: a wobbling blob (~8 % of the frame) and a drifting box (~6 %) that sweep across the clip's
 *   own moving object, each crossing it once (the blob late, the box early), so holes overlap the
 *   object and uncover background that moving objects pass through;
 * - static: two fixed holes (a logo-like box top right, an ellipse lower left, ~12 % together), scored
 *   on clips whose camera moves, so what they hide comes into view;
 * - object: another clip's real object segmentation (its "donor"), played back and forth to length;
 * - the clip's own object (segmentation or roto), for object removal, which has no ground truth.
 * Roto shapes are keyed polygons, resampled to a common point count and interpolated linearly.
 */
import { z } from 'zod';
import { dilateCross } from '../../common/mask/morphology';
import { fillPolygon } from '../../common/mask/rasterize';

export const RotoSchema = z.object({
  about: z.string().optional(),
  width: z.number().int(),
  height: z.number().int(),
  keys: z.array(z.object({ frame: z.number().int(), points: z.array(z.tuple([z.number(), z.number()])).min(3) })).min(1),
});
export type Roto = z.infer<typeof RotoSchema>;

export interface Point {
  x: number;
  y: number;
}

/** Mask share of the frame (0..1), averaged over frames. */
export function meanArea(masks: Uint8Array[]): number {
  let sum = 0;
  for (const m of masks) {
    let c = 0;
    for (let i = 0; i < m.length; i++) if (m[i]) c++;
    sum += c / m.length;
  }
  return sum / Math.max(1, masks.length);
}

/**
 * The object's centre per frame: the centroid of its mask; frames where it is absent take the
 * nearest frame's, and a clip without any object uses the frame centre. Smoothed over 5 frames so the
 * holes glide rather than jitter with the segmentation.
 */
export function objectTrack(objects: Uint8Array[], width: number, height: number): Point[] {
  const raw: Array<Point | null> = objects.map((m) => {
    let sx = 0;
    let sy = 0;
    let n = 0;
    for (let i = 0; i < m.length; i++)
      if (m[i]) {
        sx += i % width;
        sy += Math.floor(i / width);
        n++;
      }
    return n > 0 ? { x: sx / n, y: sy / n } : null;
  });
  const known = raw.map((p, k) => (p ? k : -1)).filter((k) => k >= 0);
  const filled = raw.map((p, k) => {
    if (p) return p;
    if (known.length === 0) return { x: width / 2, y: height / 2 };
    const nearest = known.reduce((a, b) => (Math.abs(b - k) < Math.abs(a - k) ? b : a));
    return raw[nearest]!;
  });
  return filled.map((_, k) => {
    let x = 0;
    let y = 0;
    let n = 0;
    for (let j = Math.max(0, k - 2); j <= Math.min(filled.length - 1, k + 2); j++) {
      x += filled[j]!.x;
      y += filled[j]!.y;
      n++;
    }
    return { x: x / n, y: y / n };
  });
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Moving holes for frame k of `count`, crossing the object that is at `track[k]`. */
export function movingMask(track: Point[], k: number, width: number, height: number): Uint8Array {
  const count = track.length;
  const u = count > 1 ? k / (count - 1) : 0.5;
  const c = track[k]!;
  const m = new Uint8Array(width * height);
  // Blob: mean radius for ~8 % of the frame, a wobbling outline, crossing the object at u = 0.65.
  const radius = Math.sqrt((0.08 * width * height) / Math.PI);
  const bx = clamp(c.x + (u - 0.65) * 0.6 * width, radius * 0.6, width - radius * 0.6);
  const by = clamp(c.y + (u - 0.65) * 0.17 * height, radius * 0.6, height - radius * 0.6);
  const outline = (theta: number) => radius * (1 + 0.22 * Math.sin(3 * theta + 2 * Math.PI * u) + 0.12 * Math.sin(5 * theta + 1 + 4 * Math.PI * u));
  // Box: ~6 % of the frame, drifting the other way, crossing the object at u = 0.35.
  const bw = Math.round(0.22 * width);
  const bh = Math.round(0.27 * height);
  const x0 = Math.round(clamp(c.x - (u - 0.35) * 0.7 * width - bw / 2, -bw * 0.3, width - bw * 0.7));
  const y0 = Math.round(clamp(c.y + (u - 0.35) * 0.33 * height - bh / 2, -bh * 0.3, height - bh * 0.7));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const dx = x + 0.5 - bx;
      const dy = y + 0.5 - by;
      const inBlob = dx * dx + dy * dy <= outline(Math.atan2(dy, dx)) ** 2;
      const inBox = x >= x0 && x < x0 + bw && y >= y0 && y < y0 + bh;
      if (inBlob || inBox) m[y * width + x] = 1;
    }
  return m;
}

/** Two fixed holes: a logo-like rounded box top right and an ellipse lower left. */
export function staticMask(width: number, height: number): Uint8Array {
  const m = new Uint8Array(width * height);
  const box = { x0: 0.69 * width, x1: 0.92 * width, y0: 0.08 * height, y1: 0.33 * height, r: 0.03 * height };
  const el = { cx: 0.3 * width, cy: 0.63 * height, rx: 0.13 * width, ry: 0.16 * height };
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const qx = Math.max(box.x0 + box.r - px, 0, px - (box.x1 - box.r));
      const qy = Math.max(box.y0 + box.r - py, 0, py - (box.y1 - box.r));
      const inBox = px >= box.x0 && px < box.x1 && py >= box.y0 && py < box.y1 && qx * qx + qy * qy <= box.r * box.r;
      const ex = (px - el.cx) / el.rx;
      const ey = (py - el.cy) / el.ry;
      if (inBox || ex * ex + ey * ey <= 1) m[y * width + x] = 1;
    }
  return m;
}

/** `count` masks from a donor's sequence, played forwards and backwards (no jump at the turn). */
export function pingPong(donor: Uint8Array[], count: number): Uint8Array[] {
  const n = donor.length;
  const period = Math.max(1, 2 * n - 2);
  return Array.from({ length: count }, (_, k) => {
    const i = k % period;
    return donor[n === 1 ? 0 : i < n ? i : period - i]!;
  });
}

/** Resamples a closed polygon to `n` points evenly spaced along its outline, from its leftmost point. */
export function resamplePolygon(points: Array<[number, number]>, n: number): Array<[number, number]> {
  let start = 0;
  for (let i = 1; i < points.length; i++) if (points[i]![0] < points[start]![0]) start = i;
  const pts = [...points.slice(start), ...points.slice(0, start)];
  const lengths = pts.map((p, i) => Math.hypot(pts[(i + 1) % pts.length]![0] - p[0], pts[(i + 1) % pts.length]![1] - p[1]));
  const total = lengths.reduce((a, b) => a + b, 0);
  const out: Array<[number, number]> = [];
  let seg = 0;
  let before = 0;
  for (let j = 0; j < n; j++) {
    const at = (j / n) * total;
    while (seg < pts.length - 1 && before + lengths[seg]! < at) before += lengths[seg++]!;
    const a = pts[seg]!;
    const b = pts[(seg + 1) % pts.length]!;
    const t = lengths[seg]! > 0 ? (at - before) / lengths[seg]! : 0;
    out.push([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);
  }
  return out;
}

const ROTO_POINTS = 48;

/** The roto shape at source frames first .. first+count-1, rasterized at width x height (0/1). */
export function rotoMasks(roto: Roto, first: number, count: number, width: number, height: number): Uint8Array[] {
  const keys = [...roto.keys].sort((a, b) => a.frame - b.frame).map((k) => ({ frame: k.frame, points: resamplePolygon(k.points, ROTO_POINTS) }));
  const sx = width / roto.width;
  const sy = height / roto.height;
  return Array.from({ length: count }, (_, i) => {
    const f = first + i;
    let pts: Array<[number, number]>;
    const next = keys.findIndex((k) => k.frame >= f);
    if (next <= 0) pts = keys[next === 0 ? 0 : keys.length - 1]!.points;
    else {
      const a = keys[next - 1]!;
      const b = keys[next]!;
      const t = (f - a.frame) / (b.frame - a.frame);
      pts = a.points.map((p, j) => [p[0] + (b.points[j]![0] - p[0]) * t, p[1] + (b.points[j]![1] - p[1]) * t]);
    }
    const alpha = new Uint8Array(width * height);
    fillPolygon(alpha, width, height, Float64Array.from(pts.flatMap(([x, y]) => [x * sx, y * sy])));
    return alpha.map((v) => (v ? 1 : 0));
  });
}

/**
 * The integration tests' moving masks on bmx-trees (432x240): three shapes on fixed paths, dilated
 * by a 4-connected cross x4 as ProPainter's evaluation dilates its masks.
 */
export function syntheticMask(k: number, frames: number, width = 432, height = 240): Uint8Array {
  const m = new Uint8Array(width * height);
  const t = k / Math.max(1, frames - 1);
  const ellipse = { cx: 60 + 300 * t, cy: 80 + 25 * Math.sin(t * 2 * Math.PI), rx: 34, ry: 24 };
  const box = { x: 340 - 260 * t, y: 150, w: 40, h: 54 };
  const disc = { cx: 230 + 50 * Math.cos(t * 4 * Math.PI), cy: 120 + 40 * Math.sin(t * 4 * Math.PI), r: 18 };
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const ex = (x + 0.5 - ellipse.cx) / ellipse.rx;
      const ey = (y + 0.5 - ellipse.cy) / ellipse.ry;
      const inEllipse = ex * ex + ey * ey <= 1;
      const inBox = x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h;
      const inDisc = (x + 0.5 - disc.cx) ** 2 + (y + 0.5 - disc.cy) ** 2 <= disc.r ** 2;
      if (inEllipse || inBox || inDisc) m[y * width + x] = 1;
    }
  return dilateCross(m, width, height, 4);
}
