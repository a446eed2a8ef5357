/**
 * The committed-mask overlay: the removal mask of the displayed frame, coloured by the layer that
 * contributes each pixel. Its alpha IS `rasterizeMask`'s output at the displayed frame's size (the
 * same function the engines call), so what users see is what gets removed. Results are cached per
 * frame and document version (immer keeps unchanged layers identical), so scrubbing back and forth
 * over edited frames does not rasterize again.
 */
import { rasterizeLayer, rasterizeMask } from '../../common/mask/rasterize';
import type { BitmapFrame } from '../../common/mask/rasterize';
import type { BitmapLayer, Layer, ProjectDoc } from '../../common/project/schema';

type Doc = Pick<ProjectDoc, 'layers' | 'source' | 'range'>;

/** Imported mask frames for bitmap layers; `frame` returns null while one is still loading. */
export interface BitmapProvider {
  frame(layer: BitmapLayer, frame: number): BitmapFrame | null;
  /** Whether every bitmap layer's mask at `frame` is loaded (otherwise results are not cached). */
  complete(doc: Doc, frame: number): boolean;
}

interface Entry<K> {
  key: K;
  alpha: Uint8Array;
}

/** A byte-bounded LRU whose entries are valid only for the object identity they were made from. */
class IdentityLru<K extends object> {
  private readonly map = new Map<string, Entry<K>>();
  private bytes = 0;
  constructor(private readonly budget: number) {}

  get(id: string, key: K): Uint8Array | null {
    const e = this.map.get(id);
    if (!e || e.key !== key) return null;
    this.map.delete(id);
    this.map.set(id, e);
    return e.alpha;
  }

  set(id: string, key: K, alpha: Uint8Array): void {
    const old = this.map.get(id);
    if (old) {
      this.bytes -= old.alpha.length;
      this.map.delete(id);
    }
    this.map.set(id, { key, alpha });
    this.bytes += alpha.length;
    for (const [k, e] of this.map) {
      if (this.bytes <= this.budget) break;
      this.map.delete(k);
      this.bytes -= e.alpha.length;
    }
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}

export interface OverlayImage {
  width: number;
  height: number;
  /** RGBA, alpha = removal mask. */
  rgba: Uint8ClampedArray<ArrayBuffer>;
  /** Pixels with a non-zero mask value (for tests and the status bar). */
  maskedPixels: number;
}

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export class MaskOverlay {
  private readonly combined = new IdentityLru<Layer[]>(48 << 20);
  private readonly perLayer = new IdentityLru<Layer>(48 << 20);

  private readonly bitmaps?: (layer: BitmapLayer, frame: number) => BitmapFrame | null;

  constructor(private readonly provider?: BitmapProvider) {
    if (provider) this.bitmaps = (layer, frame) => provider.frame(layer, frame);
  }

  /** The combined mask (rasterizeMask) at `frame`, `width` x `height`. */
  mask(doc: Doc, frame: number, width: number, height: number): Uint8Array {
    const id = `${frame}|${width}x${height}|${doc.range.out}|${doc.source.width}x${doc.source.height}`;
    const hit = this.combined.get(id, doc.layers as Layer[]);
    if (hit) return hit;
    const alpha = rasterizeMask(doc, frame, { width, height, bitmaps: this.bitmaps });
    if (this.cacheable(doc, frame)) this.combined.set(id, doc.layers as Layer[], alpha);
    return alpha;
  }

  private layerAlpha(doc: Doc, layer: Layer, frame: number, width: number, height: number): Uint8Array {
    const id = `${layer.id}|${frame}|${width}x${height}|${doc.range.out}`;
    const hit = this.perLayer.get(id, layer);
    if (hit) return hit;
    const alpha = rasterizeLayer(layer, frame, { width, height, bitmaps: this.bitmaps, source: doc.source, range: doc.range });
    if (this.cacheable(doc, frame)) this.perLayer.set(id, layer, alpha);
    return alpha;
  }

  private cacheable(doc: Doc, frame: number): boolean {
    return this.provider?.complete(doc, frame) ?? true;
  }

  /**
   * The overlay image: each masked pixel takes the colour of the last visible 'add' layer covering it
   * (the layer drawn on top), or the first add layer's colour where only inversions cover it.
   */
  render(doc: Doc, frame: number, width: number, height: number): OverlayImage {
    const mask = this.mask(doc, frame, width, height);
    const rgba = new Uint8ClampedArray(width * height * 4);
    const adders = doc.layers.filter((l) => l.visible && l.mode === 'add');
    const colours = adders.map((l) => hexToRgb(l.color));
    const distinct = new Set(adders.map((l) => l.color)).size;
    const alphas = distinct > 1 ? adders.map((l) => this.layerAlpha(doc, l, frame, width, height)) : [];
    const [r0, g0, b0] = colours[0] ?? [255, 59, 48];
    let masked = 0;
    for (let i = 0; i < mask.length; i++) {
      const a = mask[i]!;
      if (a === 0) continue;
      masked++;
      let r = r0;
      let g = g0;
      let b = b0;
      for (let k = alphas.length - 1; k >= 0; k--) {
        if (alphas[k]![i]! > 0) {
          [r, g, b] = colours[k]!;
          break;
        }
      }
      const o = i * 4;
      rgba[o] = r;
      rgba[o + 1] = g;
      rgba[o + 2] = b;
      rgba[o + 3] = a;
    }
    return { width, height, rgba, maskedPixels: masked };
  }

  clear(): void {
    this.combined.clear();
    this.perLayer.clear();
  }
}
