/**
 * The interactive layer: shape outlines and point handles at the current frame, the stroke or path
 * being drawn, the brush outline, the transformer for the selected shape, and the split divider.
 * Only the transformer and the divider listen to Konva events; everything else is drawn for the tools,
 * which get their pointer events from the viewer.
 */
import type Konva from 'konva';
import { useEffect, useMemo, useRef } from 'react';
import { Circle, Group, Layer, Line, Path, Rect, Transformer } from 'react-konva';
import { useStore } from 'zustand';
import { evaluateShape, keyIndexAt } from '../../common/keys/evaluate';
import { layerActiveAt } from '../../common/project/active-range';
import type { ProjectDoc, ShapeLayer } from '../../common/project/schema';
import { useEditor, useEditorState } from '../editor/context';
import { bounds, pathData } from '../shapes/geometry';

const HANDLE = 7;

function LiveStroke({ color }: { color: string }) {
  const toolOverlay = useEditor().tools.overlay;
  const lineRef = useRef<Konva.Line>(null);
  // Written straight to the Konva node, once per animation frame: no React render per pointer sample.
  useEffect(
    () =>
      toolOverlay.subscribe((s, prev) => {
        const line = lineRef.current;
        if (!line || s.stroke === prev.stroke) return;
        if (!s.stroke) {
          line.visible(false);
        } else {
          const pts = s.stroke.points.length === 2 ? [...s.stroke.points, s.stroke.points[0]! + 0.01, s.stroke.points[1]!] : s.stroke.points;
          line.setAttrs({
            visible: true,
            points: pts,
            strokeWidth: s.stroke.radius * 2,
            stroke: s.stroke.mode === 'erase' ? '#ffffff' : color,
            opacity: s.stroke.mode === 'erase' ? 0.45 : 0.6,
            dash: undefined,
          });
        }
        line.getLayer()?.batchDraw();
      }),
    [color, toolOverlay],
  );
  return <Line ref={lineRef} visible={false} lineCap="round" lineJoin="round" listening={false} perfectDrawEnabled={false} />;
}

function BrushCursor({ zoom }: { zoom: number }) {
  const cursor = useStore(useEditor().tools.overlay, (s) => s.cursor);
  const radius = useEditorState((s) => s.session.brushRadius);
  const hardness = useEditorState((s) => s.session.brushHardness);
  const tool = useEditorState((s) => s.session.tool);
  if (!cursor || (tool !== 'brush' && tool !== 'eraser')) return null;
  return (
    <Group x={cursor.x} y={cursor.y} listening={false}>
      <Circle radius={radius} stroke="#000" strokeWidth={3} strokeScaleEnabled={false} opacity={0.5} />
      <Circle radius={radius} stroke={tool === 'eraser' ? '#ffb3b3' : '#fff'} strokeWidth={1} strokeScaleEnabled={false} />
      {hardness < 1 && <Circle radius={radius * hardness} stroke="#fff" strokeWidth={1} dash={[3 / zoom, 3 / zoom]} strokeScaleEnabled={false} opacity={0.7} />}
      <Circle radius={1.5 / zoom} fill="#fff" />
    </Group>
  );
}

function PenPath({ zoom }: { zoom: number }) {
  const pen = useStore(useEditor().tools.overlay, (s) => s.pen);
  if (!pen || pen.vertices.length === 0) return null;
  const shape = { kind: pen.kind, closed: false } as const;
  const last = pen.vertices[pen.vertices.length - 1]!;
  const h = HANDLE / zoom;
  return (
    <Group listening={false}>
      <Path data={pathData(shape, pen.vertices)} stroke="#fff" strokeWidth={1.5} strokeScaleEnabled={false} />
      {pen.cursor && <Line points={[last.x, last.y, pen.cursor.x, pen.cursor.y]} stroke="#fff" strokeWidth={1} dash={[4, 4]} strokeScaleEnabled={false} opacity={0.7} />}
      {pen.vertices.map((v, i) => (
        <Rect key={i} x={v.x - h / 2} y={v.y - h / 2} width={h} height={h} fill={i === 0 && pen.closing ? '#4d8dff' : '#fff'} stroke="#000" strokeWidth={1} strokeScaleEnabled={false} />
      ))}
      {pen.closing && <Circle x={pen.vertices[0]!.x} y={pen.vertices[0]!.y} radius={h * 1.3} stroke="#4d8dff" strokeWidth={2} strokeScaleEnabled={false} />}
      {pen.kind === 'bezier' &&
        pen.vertices.map((v, i) =>
          v.outX || v.outY ? (
            <Group key={`h${i}`}>
              <Line points={[v.x + v.inX, v.y + v.inY, v.x + v.outX, v.y + v.outY]} stroke="#9ec2ff" strokeWidth={1} strokeScaleEnabled={false} />
              <Circle x={v.x + v.outX} y={v.y + v.outY} radius={h / 2.2} fill="#9ec2ff" />
              <Circle x={v.x + v.inX} y={v.y + v.inY} radius={h / 2.2} fill="#9ec2ff" />
            </Group>
          ) : null,
        )}
    </Group>
  );
}

function ShapeHandles({ layer, zoom, frame }: { layer: ShapeLayer; zoom: number; frame: number }) {
  const selection = useEditorState((s) => s.session.selection);
  const shape = layer.shapes.find((s) => s.id === selection.shapeId);
  if (!shape) return null;
  const vertices = evaluateShape(shape, frame);
  const keyed = keyIndexAt(shape.keys, frame) >= 0;
  const h = HANDLE / zoom;
  return (
    <Group listening={false}>
      {shape.kind === 'bezier' &&
        vertices.map((v, i) =>
          v.inX || v.inY || v.outX || v.outY ? (
            <Group key={`h${i}`} opacity={i === selection.vertex ? 1 : 0.55}>
              <Line points={[v.x + v.inX, v.y + v.inY, v.x, v.y, v.x + v.outX, v.y + v.outY]} stroke="#9ec2ff" strokeWidth={1} strokeScaleEnabled={false} />
              <Circle x={v.x + v.inX} y={v.y + v.inY} radius={h / 2.2} fill="#9ec2ff" stroke="#000" strokeWidth={0.5} strokeScaleEnabled={false} />
              <Circle x={v.x + v.outX} y={v.y + v.outY} radius={h / 2.2} fill="#9ec2ff" stroke="#000" strokeWidth={0.5} strokeScaleEnabled={false} />
            </Group>
          ) : null,
        )}
      {vertices.map((v, i) => (
        <Rect
          key={i}
          x={v.x - h / 2}
          y={v.y - h / 2}
          width={h}
          height={h}
          // Filled on a key frame, hollow where the shape is interpolated (editing there adds a key).
          fill={i === selection.vertex ? '#4d8dff' : keyed ? '#ffffff' : 'rgba(0,0,0,0.35)'}
          stroke={i === selection.vertex ? '#fff' : keyed ? '#000' : '#fff'}
          strokeWidth={1}
          strokeScaleEnabled={false}
        />
      ))}
    </Group>
  );
}

function ShapeTransformer({ layer, frame }: { layer: ShapeLayer; frame: number }) {
  const selectTool = useEditor().tools.select;
  const selection = useEditorState((s) => s.session.selection);
  const tool = useEditorState((s) => s.session.tool);
  const inGesture = useEditorState((s) => !!s.history?.gesture);
  const rectRef = useRef<Konva.Rect>(null);
  const trRef = useRef<Konva.Transformer>(null);
  const shape = layer.shapes.find((s) => s.id === selection.shapeId);
  const box = useMemo(() => (shape ? bounds(evaluateShape(shape, frame)) : null), [shape, frame]);
  const enabled = !!shape && !!box && tool === 'select' && !layer.locked && selection.vertex === null;
  const start = useRef<Konva.Transform | null>(null);

  useEffect(() => {
    const tr = trRef.current;
    const rect = rectRef.current;
    if (!tr || !rect) return;
    // Keep the proxy rectangle on the shape's box unless the transformer is moving it.
    if (!tr.isTransforming() && box) rect.setAttrs({ x: box.x, y: box.y, width: Math.max(box.width, 1), height: Math.max(box.height, 1), scaleX: 1, scaleY: 1, rotation: 0, skewX: 0, skewY: 0 });
    tr.nodes(enabled ? [rect] : []);
    tr.getLayer()?.batchDraw();
  }, [enabled, box, inGesture]);

  return (
    <>
      <Rect ref={rectRef} listening={false} />
      <Transformer
        ref={trRef}
        rotateEnabled
        keepRatio={false}
        ignoreStroke
        flipEnabled={false}
        anchorSize={8}
        // Anchors sit outside the outline's box so the shape's own extreme points stay pickable.
        padding={14}
        borderStroke="#4d8dff"
        anchorStroke="#4d8dff"
        anchorFill="#16171a"
        rotateAnchorOffset={24}
        borderDash={[4, 3]}
        onTransformStart={() => {
          start.current = rectRef.current!.getTransform().copy();
          selectTool.transformStart();
        }}
        onTransform={() => {
          if (!start.current || !rectRef.current) return;
          const now = rectRef.current.getTransform().copy();
          // The movement since the start, as one affine map of source coordinates.
          const m = now.multiply(start.current.copy().invert()).getMatrix();
          selectTool.transformUpdate([m[0], m[1], m[2], m[3], m[4], m[5]]);
        }}
        onTransformEnd={() => {
          start.current = null;
          selectTool.transformEnd();
        }}
      />
    </>
  );
}

function SplitDivider({ width, height, zoom }: { width: number; height: number; zoom: number }) {
  const { ops } = useEditor();
  const split = useEditorState((s) => s.session.split);
  const position = useEditorState((s) => s.session.splitPosition);
  if (!split) return null;
  const x = width * position;
  const grip = 14 / zoom;
  return (
    <Group>
      <Line points={[x, 0, x, height]} stroke="#fff" strokeWidth={2} strokeScaleEnabled={false} listening={false} shadowColor="#000" shadowBlur={4} />
      <Rect
        name="split-divider"
        x={x - grip / 2}
        y={0}
        width={grip}
        height={height}
        fill="rgba(255,255,255,0.001)"
        draggable
        onMouseEnter={(e) => void (e.target.getStage()!.container().style.cursor = 'ew-resize')}
        onMouseLeave={(e) => void (e.target.getStage()!.container().style.cursor = '')}
        onDragMove={(e) => {
          const node = e.target;
          const nx = Math.min(Math.max(node.x() + grip / 2, 0), width);
          node.position({ x: nx - grip / 2, y: 0 });
          ops.setSession({ splitPosition: nx / width });
        }}
      />
      <Circle x={x} y={height / 2} radius={9 / zoom} fill="#fff" stroke="#000" strokeWidth={1} strokeScaleEnabled={false} listening={false} />
    </Group>
  );
}

export function InteractiveLayer({ doc, frame, zoom }: { doc: ProjectDoc; frame: number; zoom: number }) {
  const { inspect } = useEditor();
  const layerRef = useRef<Konva.Layer>(null);
  useEffect(() => {
    inspect.interactiveCanvas = () => layerRef.current?.getCanvas()._canvas ?? null;
  }, [inspect]);
  const activeLayerId = useEditorState((s) => s.session.activeLayerId);
  const selectedShapeId = useEditorState((s) => s.session.selection.shapeId);
  const tool = useEditorState((s) => s.session.tool);
  // M (mask overlay off) hides the outlines and handles too, so the picture is seen unobstructed;
  // what the active tool is drawing stays visible.
  const overlayVisible = useEditorState((s) => s.session.overlayVisible);
  const shapeLayers = overlayVisible ? doc.layers.filter((l): l is ShapeLayer => l.kind === 'shape' && l.visible) : [];
  const active = doc.layers.find((l) => l.id === activeLayerId);
  const selectedLayer = shapeLayers.find((l) => l.shapes.some((s) => s.id === selectedShapeId));
  const strokeColor = active?.color ?? '#ff3b30';
  return (
    <Layer ref={layerRef}>
      <Group listening={false}>
        {shapeLayers.map((layer) => {
          // Outside its active range a layer masks nothing, so its outlines are not drawn; the selected
          // shape stays as a faint ghost there, so it can still be moved (which keys it and widens the range).
          const masking = layerActiveAt(layer, frame, doc.range.out);
          return layer.shapes.map((shape) => {
            const selected = shape.id === selectedShapeId;
            if (!masking && !selected) return null;
            return (
              <Path
                key={`${layer.id}/${shape.id}`}
                data={pathData(shape, evaluateShape(shape, frame))}
                stroke={selected ? '#ffffff' : layer.color}
                strokeWidth={selected ? 1.75 : layer.id === activeLayerId ? 1.25 : 1}
                opacity={!masking ? 0.45 : layer.id === activeLayerId || selected ? 1 : 0.65}
                strokeScaleEnabled={false}
                dash={!masking ? [3, 5] : layer.locked ? [4, 4] : undefined}
              />
            );
          });
        })}
      </Group>
      {selectedLayer && (tool === 'select' || tool === 'polygon' || tool === 'bezier') && <ShapeHandles layer={selectedLayer} zoom={zoom} frame={frame} />}
      {selectedLayer ? <ShapeTransformer layer={selectedLayer} frame={frame} /> : null}
      <LiveStroke color={strokeColor} />
      <PenPath zoom={zoom} />
      <BrushCursor zoom={zoom} />
      <SplitDivider width={doc.source.width} height={doc.source.height} zoom={zoom} />
    </Layer>
  );
}
