/**
 * The committed-mask layer (not listening): the removal mask of the displayed frame in the layers'
 * colours, computed by the one rasterizer at the displayed frame's size (maskOverlay.ts).
 */
import type Konva from 'konva';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Group, Image as KImage, Layer } from 'react-konva';
import type { ProjectDoc } from '../../common/project/schema';
import { media } from '../app/media';
import { useEditor } from '../state/store';

/** What the overlay last drew, for the status bar and for tests (window.__cleanplate). */
export const lastOverlay = { frame: -1, width: 0, height: 0, maskedPixels: 0 };
/** The overlay's Konva layer, so tests can count what actually reached the screen. */
export const overlayNode: { layer: Konva.Layer | null } = { layer: null };

export function OverlayLayer(props: { doc: ProjectDoc; frame: number; rasterWidth: number; rasterHeight: number; hidden?: boolean }) {
  const visible = useEditor((s) => s.session.overlayVisible) && !props.hidden;
  const opacity = useEditor((s) => s.session.overlayOpacity);
  const split = useEditor((s) => s.session.split);
  const splitPosition = useEditor((s) => s.session.splitPosition);
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const [bitmapVersion, setBitmapVersion] = useState(0);
  useEffect(() => media.bitmaps.onChange(() => setBitmapVersion((v) => v + 1)), []);

  const { doc, frame, rasterWidth: w, rasterHeight: h } = props;
  const layers = doc.layers;
  const range = doc.range;
  const source = doc.source;
  const canvas = useMemo(() => {
    if (!visible || w <= 0 || h <= 0) return null;
    const img = media.overlay.render({ layers, range, source }, frame, w, h);
    Object.assign(lastOverlay, { frame, width: w, height: h, maskedPixels: img.maskedPixels });
    const c = canvasRef.current && canvasRef.current.width === w && canvasRef.current.height === h ? canvasRef.current : document.createElement('canvas');
    c.width = w;
    c.height = h;
    c.getContext('2d')!.putImageData(new ImageData(img.rgba, w, h), 0, 0);
    canvasRef.current = c;
    return { c, empty: img.maskedPixels === 0 };
  }, [layers, range, source, frame, w, h, visible, bitmapVersion]);

  // The canvas element is reused, so Konva cannot see that its pixels changed: redraw the layer.
  const layerRef = useRef<Konva.Layer>(null);
  useEffect(() => {
    overlayNode.layer = layerRef.current;
    layerRef.current?.batchDraw();
  }, [canvas]);

  // An empty mask draws nothing: skip the layer rather than composite a transparent canvas.
  if (!canvas || canvas.empty) return <Layer ref={layerRef} listening={false} visible={false} />;
  // In the before/after split the mask shows on the "before" side only.
  const clipWidth = split ? Math.round(source.width * splitPosition) : source.width;
  return (
    <Layer ref={layerRef} listening={false} opacity={opacity}>
      <Group clipX={0} clipY={0} clipWidth={clipWidth} clipHeight={source.height}>
        <KImage image={canvas.c} width={source.width} height={source.height} />
      </Group>
    </Layer>
  );
}
