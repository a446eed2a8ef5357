/**
 * The committed-mask layer (not listening): the removal mask of the displayed frame in the layers'
 * colours, computed by the one rasterizer at the displayed frame's size (maskOverlay.ts).
 */
import type Konva from 'konva';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Group, Image as KImage, Layer } from 'react-konva';
import type { ProjectDoc } from '../../common/project/schema';
import { useEditor, useEditorState } from '../editor/context';

export function OverlayLayer(props: { doc: ProjectDoc; frame: number; rasterWidth: number; rasterHeight: number; hidden?: boolean }) {
  const { media, inspect } = useEditor();
  const visible = useEditorState((s) => s.session.overlayVisible) && !props.hidden;
  const opacity = useEditorState((s) => s.session.overlayOpacity);
  const split = useEditorState((s) => s.session.split);
  const splitPosition = useEditorState((s) => s.session.splitPosition);
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const [bitmapVersion, setBitmapVersion] = useState(0);
  useEffect(() => media.bitmaps.onChange(() => setBitmapVersion((v) => v + 1)), [media]);

  const { doc, frame, rasterWidth: w, rasterHeight: h } = props;
  const layers = doc.layers;
  const range = doc.range;
  const source = doc.source;
  const canvas = useMemo(() => {
    if (!visible || w <= 0 || h <= 0) return null;
    const img = media.overlay.render({ layers, range, source }, frame, w, h);
    inspect.overlay = { frame, width: w, height: h, maskedPixels: img.maskedPixels };
    const c = canvasRef.current && canvasRef.current.width === w && canvasRef.current.height === h ? canvasRef.current : document.createElement('canvas');
    c.width = w;
    c.height = h;
    c.getContext('2d')!.putImageData(new ImageData(img.rgba, w, h), 0, 0);
    canvasRef.current = c;
    return { c, empty: img.maskedPixels === 0 };
  }, [layers, range, source, frame, w, h, visible, bitmapVersion, media, inspect]);

  // The canvas element is reused, so Konva cannot see that its pixels changed: redraw the layer.
  const layerRef = useRef<Konva.Layer>(null);
  useEffect(() => {
    // Tests count what actually reached the screen: the layer's canvas, while the layer is shown.
    inspect.overlayCanvas = () => {
      const layer = layerRef.current;
      return layer && layer.visible() ? layer.getCanvas()._canvas : null;
    };
    layerRef.current?.batchDraw();
  }, [canvas, inspect]);

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
