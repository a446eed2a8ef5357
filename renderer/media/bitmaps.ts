/**
 * Imported mask frames for bitmap layers, as one byte per pixel for the rasterizer. The host decodes
 * an imported mask (PNG sequence, PNG or video) into PNG frames in its cache (`mask.import` returns
 * their prefix); this module fetches them on demand, keeps a bounded number decoded, and tells the
 * viewer when a frame it asked for has arrived.
 */
import type { BitmapFrame } from '../../common/mask/rasterize';
import type { BitmapLayer, ProjectDoc } from '../../common/project/schema';
import type { BitmapProvider } from './maskOverlay';

/** Ref of one decoded mask frame under its prefix (the host's layout: `<prefix>/<index, 6 digits>.png`). */
export function maskFrameRef(prefix: string, index: number): string {
  return `${prefix.replace(/\/+$/, '')}/${String(index).padStart(6, '0')}.png`;
}

export class BitmapFrames implements BitmapProvider {
  private readonly prefixes = new Map<string, string>();
  private readonly frames = new Map<string, BitmapFrame>();
  private readonly loading = new Set<string>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly url: (ref: string) => string,
    private readonly capacity = 64,
  ) {}

  /** Where the host keeps a bitmap layer's decoded frames (from mask.import). */
  setPrefix(sourcePath: string, prefix: string): void {
    this.prefixes.set(sourcePath, prefix);
    this.notify();
  }

  hasPrefix(sourcePath: string): boolean {
    return this.prefixes.has(sourcePath);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  /** A single image applies to every frame; a sequence shorter than the clip shows nothing past its end. */
  private sourceIndex(layer: BitmapLayer, frame: number): number | null {
    if (layer.source.frameCount === 1) return 0;
    return frame < layer.source.frameCount ? frame : null;
  }

  frame(layer: BitmapLayer, frame: number): BitmapFrame | null {
    const index = this.sourceIndex(layer, frame);
    const prefix = this.prefixes.get(layer.source.path);
    if (index === null || !prefix) return null;
    const key = `${prefix}|${index}`;
    const have = this.frames.get(key);
    if (have) return have;
    if (!this.loading.has(key)) {
      this.loading.add(key);
      this.load(maskFrameRef(prefix, index))
        .then((bitmap) => {
          this.frames.set(key, bitmap);
          while (this.frames.size > this.capacity) this.frames.delete(this.frames.keys().next().value!);
          this.notify();
        })
        .catch(() => undefined) // a missing frame stays empty; the import step already reported problems
        .finally(() => this.loading.delete(key));
    }
    return null;
  }

  complete(doc: Pick<ProjectDoc, 'layers'>, frame: number): boolean {
    for (const layer of doc.layers) {
      if (layer.kind !== 'bitmap' || !layer.visible) continue;
      const index = this.sourceIndex(layer, frame);
      const prefix = this.prefixes.get(layer.source.path);
      if (index !== null && (!prefix || !this.frames.has(`${prefix}|${index}`))) return false;
    }
    return true;
  }

  private async load(ref: string): Promise<BitmapFrame> {
    const res = await fetch(this.url(ref));
    if (!res.ok) throw new Error(`mask frame ${ref}: HTTP ${res.status}`);
    const image = await createImageBitmap(await res.blob());
    const canvas = new OffscreenCanvas(image.width, image.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(image, 0, 0);
    const rgba = ctx.getImageData(0, 0, image.width, image.height).data;
    const data = new Uint8Array(image.width * image.height);
    // White = remove; a grey or colour mask counts by its brightest channel.
    for (let i = 0, o = 0; i < data.length; i++, o += 4) data[i] = Math.max(rgba[o]!, rgba[o + 1]!, rgba[o + 2]!);
    image.close();
    return { data, width: canvas.width, height: canvas.height };
  }
}
