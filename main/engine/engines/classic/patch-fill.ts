/**
 * Exemplar fill for what no frame saw: the region is synthesised from patches of the frame itself
 * (PatchMatch nearest-neighbour search with expectation-maximisation voting, coarse to fine, as in
 * Wexler, Shechtman and Irani's space-time completion and Barnes et al.'s PatchMatch), so it carries
 * the texture around it instead of a smooth smear. Patches come only from pixels that are neither to
 * be filled nor moving on their own (no foreground is copied). Telea's diffusion is only the coarsest
 * level's starting guess.
 *
 * Temporal stability: when the previous frame was filled here too, its nearest-neighbour field and
 * its result, carried into this frame by the camera motion, are the starting point at full
 * resolution, and only a few refining iterations run; an unchanged scene then keeps its fill instead
 * of getting a new random texture every frame.
 *
 * Frames are RGB24 at processing size; masks 1 byte per pixel.
 */
import { withMats, type OpenCv } from '../../cv';
import { composeHomography, invertHomography, mapPoint, type Homography } from '../../flow/motion';
import { boundingBox, setPixels } from './pixels';

export interface PatchFillOptions {
  /** Patch side (odd). */
  patch: number;
  /** PatchMatch sweeps per EM step. */
  sweeps: number;
  /** EM steps per pyramid level (the finest gets as many). */
  steps: number;
  /** A region whose larger side is below this many pixels is not subdivided further. */
  coarsest: number;
  /** End with every pixel copied from its best patch's centre (sharp) rather than the patches' mean. */
  sharpen: boolean;
}

export const DEFAULT_PATCH_FILL: PatchFillOptions = { patch: 7, sweeps: 2, steps: 2, coarsest: 12, sharpen: true };

/** What one fill leaves for the next frame: where each filled pixel took its patch from. */
export interface PatchField {
  /** The crop it covers, in frame pixels. */
  x0: number;
  y0: number;
  width: number;
  height: number;
  /** Per crop pixel: source crop pixel index + 1 (0 = not filled by patches). */
  source: Int32Array;
  /** The crop after filling. */
  rgb: Uint8Array;
}

/** A deterministic xorshift generator: the same input fills the same way every run. */
class Random {
  private s: number;
  constructor(seed: number) {
    this.s = seed | 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x;
    return (x >>> 0) / 4294967296;
  }
}

interface Level {
  width: number;
  height: number;
  rgb: Float32Array;
  /** 1 = to fill. */
  fill: Uint8Array;
  /** 1 = may not be copied (moving on its own). */
  avoid: Uint8Array;
  /** 1 = may serve as a patch centre (the whole patch is known and static). */
  valid: Uint8Array;
  validList: Int32Array;
}

export class PatchFiller {
  private readonly options: PatchFillOptions;
  private readonly random = new Random(12345);

  constructor(
    private readonly cv: OpenCv,
    options: Partial<PatchFillOptions> = {},
  ) {
    this.options = { ...DEFAULT_PATCH_FILL, ...options };
  }

  /**
   * Fills `rgb` in place where `fill` is set, from patches where neither `fill` nor `avoid` is set.
   * `previous` (the last call's field) and `toPrevious` (this frame -> that one) seed the search.
   * Returns the field for the next call, or null when nothing could be filled from patches (no
   * valid patch anywhere: the region is left to the caller).
   */
  fill(
    rgb: Uint8Array,
    fill: Uint8Array,
    avoid: Uint8Array,
    frameWidth: number,
    frameHeight: number,
    previous?: PatchField | null,
    toPrevious?: Homography | null,
  ): PatchField | null {
    const r = this.options.patch >> 1;
    // Work on a crop around the region: patches come from its neighbourhood, and the cost follows
    // the region's size rather than the frame's.
    const crop = cropAround(fill, frameWidth, frameHeight, r);
    if (!crop) return null;
    const { x0, y0, width, height } = crop;
    const cropRgb = new Float32Array(3 * width * height);
    const cropFill = new Uint8Array(width * height);
    const cropAvoid = new Uint8Array(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const p = (y0 + y) * frameWidth + x0 + x;
        const k = y * width + x;
        cropFill[k] = fill[p] ? 1 : 0;
        cropAvoid[k] = avoid[p] ? 1 : 0;
        for (let c = 0; c < 3; c++) cropRgb[3 * k + c] = rgb[3 * p + c]!;
      }
    const finest = makeLevel(cropRgb, cropFill, cropAvoid, width, height, r);
    if (finest.validList.length === 0) return null;
    const targets = setPixels(cropFill);
    if (targets.length === 0) return null;
    const prevInCrop = previous && toPrevious ? { field: previous, toPrevious: shiftHomography(toPrevious, x0, y0, previous.x0, previous.y0) } : null;

    // Temporal start: the previous frame's field and fill carried here by the camera motion.
    const seeded = prevInCrop ? seedFromPrevious(finest, targets, prevInCrop.field, prevInCrop.toPrevious) : null;
    let nnf: Int32Array;
    const levels: Level[] = [finest];
    if (seeded && seeded.coverage > 0.8) {
      nnf = seeded.nnf;
      for (const p of targets) if (seeded.rgb[3 * p]! >= 0) for (let c = 0; c < 3; c++) finest.rgb[3 * p + c] = seeded.rgb[3 * p + c]!;
      this.fillUnseeded(finest, targets, seeded.rgb);
      // One EM step would average the overlapping patches again (a blur that the sharpening then
      // re-draws differently); the sharpening's own search is refinement enough for a carried fill.
      if (!this.options.sharpen) this.refine(finest, targets, nnf, r, 1);
    } else {
      // Coarse to fine from a Telea start at the coarsest level.
      const bounds = boundingBox(targets, width);
      let box = { w: bounds.x1 - bounds.x0 + 1, h: bounds.y1 - bounds.y0 + 1 };
      void frameWidth;
      while (Math.max(box.w, box.h) > 2 * this.options.coarsest && levels[levels.length - 1]!.width > 32) {
        levels.push(downsample(levels[levels.length - 1]!, r));
        box = { w: Math.ceil(box.w / 2), h: Math.ceil(box.h / 2) };
      }
      const coarse = levels[levels.length - 1]!;
      this.teleaStart(coarse);
      nnf = this.randomField(coarse, setPixels(coarse.fill));
      for (let l = levels.length - 1; l >= 0; l--) {
        const level = levels[l]!;
        const list = setPixels(level.fill);
        if (l < levels.length - 1) {
          const upper = levels[l + 1]!;
          nnf = upsampleField(nnf, upper, level, list, this.random);
          upsampleFill(upper, level, list);
        }
        if (level.validList.length === 0) continue;
        this.refine(level, list, nnf, r, this.options.steps);
      }
    }
    if (this.options.sharpen) this.sharpen(finest, targets, nnf, r);
    // Write back the finest level's fill.
    for (const k of targets) {
      const p = (y0 + Math.floor(k / width)) * frameWidth + x0 + (k % width);
      for (let c = 0; c < 3; c++) rgb[3 * p + c] = Math.max(0, Math.min(255, Math.round(finest.rgb[3 * k + c]!)));
    }
    const source = new Int32Array(width * height);
    for (const k of targets) source[k] = nnf[k]! + 1;
    return { x0, y0, width, height, source, rgb: Uint8Array.from(finest.rgb, (v) => Math.max(0, Math.min(255, Math.round(v)))) };
  }

  /** EM: nearest-neighbour search, then every filled pixel becomes the vote of the patches over it. */
  private refine(level: Level, targets: Int32Array, nnf: Int32Array, r: number, steps: number): void {
    const cost = new Float32Array(level.width * level.height).fill(Number.POSITIVE_INFINITY);
    for (let s = 0; s < steps; s++) {
      for (const p of targets) cost[p] = patchDistance(level, p, nnf[p]!, r, Number.POSITIVE_INFINITY);
      for (let sweep = 0; sweep < this.options.sweeps; sweep++) this.sweep(level, targets, nnf, cost, r, sweep % 2 === 1);
      vote(level, targets, nnf, r);
    }
  }

  /**
   * The finest level's last word: one more search, then every pixel takes the centre of its own best
   * patch instead of the mean of all the patches over it, which blurs a texture wherever the
   * overlapping patches disagree on its phase.
   */
  private sharpen(level: Level, targets: Int32Array, nnf: Int32Array, r: number): void {
    const cost = new Float32Array(level.width * level.height);
    for (const p of targets) cost[p] = patchDistance(level, p, nnf[p]!, r, Number.POSITIVE_INFINITY);
    for (let sweep = 0; sweep < this.options.sweeps; sweep++) this.sweep(level, targets, nnf, cost, r, sweep % 2 === 1);
    const { rgb } = level;
    const next = new Float32Array(3 * targets.length);
    targets.forEach((p, k) => {
      const q = nnf[p]!;
      for (let c = 0; c < 3; c++) next[3 * k + c] = rgb[3 * q + c]!;
    });
    targets.forEach((p, k) => {
      for (let c = 0; c < 3; c++) rgb[3 * p + c] = next[3 * k + c]!;
    });
  }

  /** One PatchMatch pass: propagation from the previous neighbours in scan order, then random search. */
  private sweep(level: Level, targets: Int32Array, nnf: Int32Array, cost: Float32Array, r: number, reverse: boolean): void {
    const { width, height, valid, fill } = level;
    const step = reverse ? -1 : 1;
    const order = reverse ? targets.length - 1 : 0;
    for (let k = 0; k < targets.length; k++) {
      const p = targets[order + step * k]!;
      const x = p % width;
      const y = (p - x) / width;
      let best = nnf[p]!;
      let bestCost = cost[p]!;
      // Propagation: the neighbour's match, shifted back by one.
      for (const [dx, dy] of reverse
        ? [
            [1, 0],
            [0, 1],
          ]
        : [
            [-1, 0],
            [0, -1],
          ]) {
        const nx = x + dx!;
        const ny = y + dy!;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const q = ny * width + nx;
        if (!fill[q]) continue;
        const m = nnf[q]!;
        const mx = (m % width) - dx!;
        const my = Math.floor(m / width) - dy!;
        if (mx < 0 || my < 0 || mx >= width || my >= height) continue;
        const cand = my * width + mx;
        if (!valid[cand] || cand === best) continue;
        const c = patchDistance(level, p, cand, r, bestCost);
        if (c < bestCost) {
          bestCost = c;
          best = cand;
        }
      }
      // Random search in windows halving around the current best.
      let radius = Math.max(width, height);
      const bx = best % width;
      const by = Math.floor(best / width);
      while (radius >= 1) {
        const cx = Math.round(bx + (2 * this.random.next() - 1) * radius);
        const cy = Math.round(by + (2 * this.random.next() - 1) * radius);
        radius >>= 1;
        if (cx < 0 || cy < 0 || cx >= width || cy >= height) continue;
        const cand = cy * width + cx;
        if (!valid[cand] || cand === best) continue;
        const c = patchDistance(level, p, cand, r, bestCost);
        if (c < bestCost) {
          bestCost = c;
          best = cand;
        }
      }
      nnf[p] = best;
      cost[p] = bestCost;
    }
  }

  private randomField(level: Level, targets: Int32Array): Int32Array {
    const nnf = new Int32Array(level.width * level.height);
    const list = level.validList;
    for (const p of targets) nnf[p] = list[Math.floor(this.random.next() * list.length)]!;
    return nnf;
  }

  /** OpenCV Telea at the coarsest level: the first guess the EM refines. */
  private teleaStart(level: Level): void {
    const { cv } = this;
    const { width, height } = level;
    withMats((track) => {
      const img = track(new cv.Mat(height, width, cv.CV_8UC3));
      const mask = track(new cv.Mat(height, width, cv.CV_8UC1));
      const out = track(new cv.Mat());
      for (let i = 0; i < width * height; i++) {
        mask.data[i] = level.fill[i] ? 255 : 0;
        for (let c = 0; c < 3; c++) img.data[3 * i + c] = level.fill[i] ? 0 : Math.round(level.rgb[3 * i + c]!);
      }
      cv.inpaint(img, mask, out, 3, cv.INPAINT_TELEA);
      for (let i = 0; i < width * height; i++) if (level.fill[i]) for (let c = 0; c < 3; c++) level.rgb[3 * i + c] = out.data[3 * i + c]!;
    });
  }

  /** Pixels the previous fill did not reach start from the mean of their seeded neighbours' votes. */
  private fillUnseeded(level: Level, targets: Int32Array, seeded: Float32Array): void {
    const missing = new Uint8Array(level.width * level.height);
    let any = false;
    for (const p of targets)
      if (seeded[3 * p]! < 0) {
        missing[p] = 1;
        any = true;
      }
    if (!any) return;
    withMats((track) => {
      const { cv } = this;
      const img = track(new cv.Mat(level.height, level.width, cv.CV_8UC3));
      const mask = track(new cv.Mat(level.height, level.width, cv.CV_8UC1));
      const out = track(new cv.Mat());
      for (let i = 0; i < missing.length; i++) {
        mask.data[i] = missing[i] ? 255 : 0;
        for (let c = 0; c < 3; c++) img.data[3 * i + c] = Math.max(0, Math.min(255, Math.round(level.rgb[3 * i + c]!)));
      }
      cv.inpaint(img, mask, out, 3, cv.INPAINT_TELEA);
      for (let i = 0; i < missing.length; i++) if (missing[i]) for (let c = 0; c < 3; c++) level.rgb[3 * i + c] = out.data[3 * i + c]!;
    });
  }
}

/** The region's bounding box grown so patches have room around it, or null when it is empty. */
function cropAround(fill: Uint8Array, width: number, height: number, r: number): { x0: number; y0: number; width: number; height: number } | null {
  const { x0, y0, x1, y1 } = boundingBox(setPixels(fill), width);
  if (x1 < 0) return null;
  const margin = Math.max(6 * r, Math.round(0.75 * Math.max(x1 - x0 + 1, y1 - y0 + 1)));
  const cx0 = Math.max(0, x0 - margin);
  const cy0 = Math.max(0, y0 - margin);
  const cx1 = Math.min(width, x1 + 1 + margin);
  const cy1 = Math.min(height, y1 + 1 + margin);
  return { x0: cx0, y0: cy0, width: cx1 - cx0, height: cy1 - cy0 };
}

/** A frame-to-frame homography expressed between two crops' pixel coordinates. */
function shiftHomography(h: Homography, x0: number, y0: number, px0: number, py0: number): Homography {
  // crop (u, v) = frame (u + x0, v + y0); previous crop = previous frame - (px0, py0).
  const toFrame = Float64Array.of(1, 0, x0, 0, 1, y0, 0, 0, 1);
  const toCrop = Float64Array.of(1, 0, -px0, 0, 1, -py0, 0, 0, 1);
  return composeHomography(composeHomography(toFrame, h), toCrop);
}

/** Patch centres whose whole patch lies inside the frame on known, static pixels. */
function validCentres(fill: Uint8Array, avoid: Uint8Array | null, width: number, height: number, r: number): Uint8Array {
  // Blocked = fill or avoid; a centre is valid when no blocked pixel lies within r (box).
  const blocked = new Uint8Array(width * height);
  for (let i = 0; i < blocked.length; i++) blocked[i] = fill[i] || (avoid && avoid[i]) ? 1 : 0;
  // Running box counts: rows then columns.
  const rows = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    let run = 0;
    for (let x = 0; x < width + r; x++) {
      if (x < width) run += blocked[y * width + x]!;
      if (x - 2 * r - 1 >= 0) run -= blocked[y * width + x - 2 * r - 1]!;
      const cx = x - r;
      if (cx >= 0 && cx < width) rows[y * width + cx] = run;
    }
  }
  const valid = new Uint8Array(width * height);
  for (let x = r; x < width - r; x++) {
    let run = 0;
    for (let y = 0; y < height + r; y++) {
      if (y < height) run += rows[y * width + x]!;
      if (y - 2 * r - 1 >= 0) run -= rows[(y - 2 * r - 1) * width + x]!;
      const cy = y - r;
      if (cy >= r && cy < height - r && run === 0) valid[cy * width + x] = 1;
    }
  }
  return valid;
}

function makeLevel(rgb: Float32Array, fill: Uint8Array, avoid: Uint8Array, width: number, height: number, r: number): Level {
  const valid = validCentres(fill, avoid, width, height, r);
  return { width, height, rgb, fill, avoid, valid, validList: setPixels(valid) };
}

/** Half size: colour averaged over each 2x2 block; a block with any fill (avoided) pixel is fill (avoided). */
function downsample(level: Level, r: number): Level {
  const w = Math.ceil(level.width / 2);
  const h = Math.ceil(level.height / 2);
  const rgb = new Float32Array(3 * w * h);
  const fill = new Uint8Array(w * h);
  const avoid = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let n = 0;
      const o = y * w + x;
      for (let dy = 0; dy < 2; dy++)
        for (let dx = 0; dx < 2; dx++) {
          const sx = 2 * x + dx;
          const sy = 2 * y + dy;
          if (sx >= level.width || sy >= level.height) continue;
          const p = sy * level.width + sx;
          if (level.fill[p]) fill[o] = 1;
          if (level.avoid[p]) avoid[o] = 1;
          for (let c = 0; c < 3; c++) rgb[3 * o + c]! += level.rgb[3 * p + c]!;
          n++;
        }
      for (let c = 0; c < 3; c++) rgb[3 * o + c]! /= n;
    }
  return makeLevel(rgb, fill, avoid, w, h, r);
}

/** Sum of squared differences between the patches around p and q, stopping once above `limit`. */
function patchDistance(level: Level, p: number, q: number, r: number, limit: number): number {
  const { width, height, rgb } = level;
  const px = p % width;
  const py = (p - px) / width;
  const qx = q % width;
  const qy = (q - qx) / width;
  let sum = 0;
  let n = 0;
  for (let dy = -r; dy <= r; dy++) {
    const ay = py + dy;
    if (ay < 0 || ay >= height) continue;
    const by = qy + dy;
    for (let dx = -r; dx <= r; dx++) {
      const ax = px + dx;
      if (ax < 0 || ax >= width) continue;
      const a = 3 * (ay * width + ax);
      const b = 3 * (by * width + qx + dx);
      const d0 = rgb[a]! - rgb[b]!;
      const d1 = rgb[a + 1]! - rgb[b + 1]!;
      const d2 = rgb[a + 2]! - rgb[b + 2]!;
      sum += d0 * d0 + d1 * d1 + d2 * d2;
      n++;
    }
    if (sum > limit * n) return Number.POSITIVE_INFINITY;
  }
  return n > 0 ? sum / n : Number.POSITIVE_INFINITY;
}

/** Each fill pixel becomes the mean of what the patches covering it (centred on fill pixels) predict. */
function vote(level: Level, targets: Int32Array, nnf: Int32Array, r: number): void {
  const { width, height, fill, rgb } = level;
  const acc = new Float32Array(3 * width * height);
  const weight = new Float32Array(width * height);
  for (const p of targets) {
    const px = p % width;
    const py = (p - px) / width;
    const q = nnf[p]!;
    const qx = q % width;
    const qy = (q - qx) / width;
    for (let dy = -r; dy <= r; dy++) {
      const ty = py + dy;
      if (ty < 0 || ty >= height) continue;
      for (let dx = -r; dx <= r; dx++) {
        const tx = px + dx;
        if (tx < 0 || tx >= width) continue;
        const t = ty * width + tx;
        if (!fill[t]) continue;
        const s = 3 * ((qy + dy) * width + qx + dx);
        acc[3 * t]! += rgb[s]!;
        acc[3 * t + 1]! += rgb[s + 1]!;
        acc[3 * t + 2]! += rgb[s + 2]!;
        weight[t]! += 1;
      }
    }
  }
  for (const p of targets) {
    const w = weight[p]!;
    if (w > 0) for (let c = 0; c < 3; c++) rgb[3 * p + c] = acc[3 * p + c]! / w;
  }
}

/** The coarse field doubled: each fine fill pixel takes its coarse parent's source, offset alike. */
function upsampleField(nnf: Int32Array, upper: Level, level: Level, targets: Int32Array, random: Random): Int32Array {
  const out = new Int32Array(level.width * level.height);
  const { width, height, valid, validList } = level;
  for (const p of targets) {
    const x = p % width;
    const y = (p - x) / width;
    const parent = Math.min(upper.height - 1, y >> 1) * upper.width + Math.min(upper.width - 1, x >> 1);
    const m = nnf[parent]!;
    const mx = 2 * (m % upper.width) + (x & 1);
    const my = 2 * Math.floor(m / upper.width) + (y & 1);
    const cand = my * width + mx;
    out[p] = mx < width && my < height && valid[cand] ? cand : validList[Math.floor(random.next() * validList.length)]!;
  }
  return out;
}

/** Fine fill pixels start from the coarse result (nearest parent). */
function upsampleFill(upper: Level, level: Level, targets: Int32Array): void {
  for (const p of targets) {
    const x = p % level.width;
    const y = (p - x) / level.width;
    const parent = Math.min(upper.height - 1, y >> 1) * upper.width + Math.min(upper.width - 1, x >> 1);
    for (let c = 0; c < 3; c++) level.rgb[3 * p + c] = upper.rgb[3 * parent + c]!;
  }
}

/**
 * The previous frame's field and fill carried into this frame: pixel p maps to p' in the previous
 * frame; if p' was patch-filled from q', this frame's p starts from q' mapped back here (the same
 * scene point) when that is a valid centre, and from the previous fill's colour at p'.
 */
function seedFromPrevious(level: Level, targets: Int32Array, previous: PatchField, toPrevious: Homography): { nnf: Int32Array; rgb: Float32Array; coverage: number } {
  const { width, height, valid } = level;
  const nnf = new Int32Array(width * height);
  const rgb = new Float32Array(3 * width * height).fill(-1);
  const fromPrevious = invertHomography(toPrevious);
  const q = [0, 0];
  let seeded = 0;
  for (const p of targets) {
    const x = p % width;
    const y = (p - x) / width;
    mapPoint(toPrevious, x, y, q);
    const px = Math.round(q[0]!);
    const py = Math.round(q[1]!);
    if (!(px >= 0 && py >= 0 && px < previous.width && py < previous.height)) continue;
    const pp = py * previous.width + px;
    const src = previous.source[pp]! - 1;
    if (src < 0) continue;
    mapPoint(fromPrevious, src % previous.width, Math.floor(src / previous.width), q);
    const sx = Math.round(q[0]!);
    const sy = Math.round(q[1]!);
    if (!(sx >= 0 && sy >= 0 && sx < width && sy < height) || !valid[sy * width + sx]) continue;
    nnf[p] = sy * width + sx;
    for (let c = 0; c < 3; c++) rgb[3 * p + c] = previous.rgb[3 * pp + c]!;
    seeded++;
  }
  // Unseeded pixels get a valid random-ish centre (the nearest seeded neighbour's shifted source).
  let last = level.validList[0]!;
  for (const p of targets) {
    if (rgb[3 * p]! >= 0) last = nnf[p]!;
    else nnf[p] = last;
  }
  return { nnf, rgb, coverage: targets.length ? seeded / targets.length : 0 };
}
