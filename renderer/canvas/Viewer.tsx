/**
 * The viewer: a Konva stage with three fixed layers (video frame, committed mask overlay, interactive
 * overlay), scaled so that stage coordinates are source pixels. It turns pointer input into tool
 * events in source pixels, zooms with the wheel towards the cursor, and pans with space-drag, the
 * middle button or the hand tool.
 */
import Konva from 'konva';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { PointerEvent as ReactPointerEvent } from 'react';
import { Stage } from 'react-konva';
import { useEditor, useEditorState } from '../editor/context';
import { useResultStatus } from '../editor/useResultStatus';
import { isActive, latestTask } from '../state/store';
import { fitView, panBy, screenToSource, wheelZoomFactor, zoomAt } from '../editor/viewport';
import type { ToolPointer } from '../tools/types';
import { ActionButton } from '../ui/controls';
import { FrameLayer, useResultFrame, useSourceFrame } from './FrameLayer';
import { InteractiveLayer } from './InteractiveLayer';
import { OverlayLayer } from './OverlayLayer';

const CURSORS: Record<string, string> = { brush: 'none', eraser: 'none', polygon: 'crosshair', bezier: 'crosshair', hand: 'grab', select: 'default' };

function EmptyViewer() {
  return (
    <div className="viewer-empty">
      <div style={{ fontSize: 15, color: 'var(--text)' }}>No video open</div>
      <div className="row">
        <ActionButton id="open-video" className="primary" />
        <ActionButton id="open-project" />
        <ActionButton id="open-sample" />
      </div>
      <div className="hint">…or drop a video file onto this window.</div>
    </div>
  );
}

export function Viewer() {
  const editor = useEditor();
  const { ops, media, space } = editor;
  const activeTool = () => editor.tools.active();
  const containerRef = useRef<HTMLDivElement>(null);
  const stageRef = useRef<Konva.Stage>(null);
  const [size, setSize] = useState({ ...editor.view.size });
  const doc = useEditorState((s) => s.history?.doc ?? null);
  const mediaInfo = useEditorState((s) => s.media);
  const booting = useEditorState((s) => s.booting);
  const frame = useEditorState((s) => s.session.frame);
  const view = useEditorState((s) => s.session.view);
  const tool = useEditorState((s) => s.session.tool);
  const showResult = useEditorState((s) => s.session.showResult);
  const split = useEditorState((s) => s.session.split);
  const resultsVersion = useEditorState((s) => s.resultsVersion);
  const renderActive = useEditorState((s) => isActive(latestTask(s, 'render')?.task));
  const renderTotal = useEditorState((s) => latestTask(s, 'render')?.task.detail.totalFrames ?? 0);
  const status = useResultStatus();
  const [panning, setPanning] = useState(false);
  const pan = useRef<{ sx: number; sy: number; pointerId: number } | null>(null);
  const toolPointer = useRef<number | null>(null);

  const source = useSourceFrame(frame, mediaInfo?.mediaId ?? null);
  const result = useResultFrame(frame, showResult || split);

  // Track the element's size; a fitted view follows it.
  useLayoutEffect(() => {
    const el = containerRef.current!;
    const ro = new ResizeObserver(() => {
      const r = el.getBoundingClientRect();
      const next = { width: Math.max(1, Math.floor(r.width)), height: Math.max(1, Math.floor(r.height)) };
      editor.view.setSize(next);
      setSize(next);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [editor]);

  const srcW = doc?.source.width ?? 0;
  const srcH = doc?.source.height ?? 0;
  useEffect(() => {
    if (view.fit && srcW && srcH) {
      const next = fitView(size, { width: srcW, height: srcH });
      if (next.zoom !== view.zoom || next.x !== view.x || next.y !== view.y) ops.setSession({ view: next });
    }
  }, [size, srcW, srcH, view.fit, view.zoom, view.x, view.y, ops]);

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const el = containerRef.current!;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const v = ops.session().view;
      ops.setSession({ view: zoomAt(v, v.zoom * wheelZoomFactor(e.deltaY, e.deltaMode), e.clientX - r.left, e.clientY - r.top) });
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [ops]);

  const toPointer = (e: { clientX: number; clientY: number; button: number; shiftKey: boolean; altKey: boolean; ctrlKey: boolean; metaKey: boolean }): ToolPointer => {
    const r = containerRef.current!.getBoundingClientRect();
    const sx = e.clientX - r.left;
    const sy = e.clientY - r.top;
    const p = screenToSource(ops.session().view, sx, sy);
    return { x: p.x, y: p.y, sx, sy, button: e.button, shift: e.shiftKey, alt: e.altKey, mod: e.ctrlKey || e.metaKey };
  };

  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (!doc) return;
    containerRef.current!.focus({ preventScroll: true });
    const stage = stageRef.current;
    // Konva saw this press first: the transformer and the split divider handle their own drags.
    const pos = stage?.getPointerPosition();
    if (stage && pos && stage.getIntersection(pos)) return;
    const wantsPan = e.button === 1 || (e.button === 0 && space.held);
    if (wantsPan) {
      e.preventDefault();
      space.used = true;
      pan.current = { sx: e.clientX, sy: e.clientY, pointerId: e.pointerId };
      setPanning(true);
      e.currentTarget.setPointerCapture(e.pointerId);
      return;
    }
    if (e.button !== 0) return;
    ops.setSession({ rate: 0 });
    toolPointer.current = e.pointerId;
    e.currentTarget.setPointerCapture(e.pointerId);
    activeTool().down(toPointer(e));
  };

  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (pan.current) {
      ops.setSession((s) => void (s.view = panBy(s.view, e.clientX - pan.current!.sx, e.clientY - pan.current!.sy)));
      pan.current = { ...pan.current, sx: e.clientX, sy: e.clientY };
      return;
    }
    if (!doc) return;
    const native = e.nativeEvent;
    const coalesced = typeof native.getCoalescedEvents === 'function' ? native.getCoalescedEvents() : [];
    activeTool().move(toPointer(e), coalesced.length > 1 ? coalesced.map(toPointer) : undefined);
  };

  const onPointerUp = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (pan.current?.pointerId === e.pointerId) {
      pan.current = null;
      setPanning(false);
      return;
    }
    if (toolPointer.current !== e.pointerId) return;
    toolPointer.current = null;
    activeTool().up(toPointer(e));
  };

  const onPointerCancel = () => {
    pan.current = null;
    setPanning(false);
    if (toolPointer.current !== null) activeTool().key('escape');
    toolPointer.current = null;
  };

  const staleResult = !!result && !!status?.stale.has(result.index);
  const rasterW = mediaInfo?.proxy.width ?? srcW;
  const rasterH = mediaInfo?.proxy.height ?? srcH;
  const cursor = panning ? 'grabbing' : CURSORS[tool] ?? 'default';
  return (
    <div
      ref={containerRef}
      className="viewer"
      data-testid="viewer"
      data-frame={frame}
      data-displayed-frame={source?.index ?? -1}
      data-result-frame={result?.index ?? -1}
      data-zoom={view.zoom.toFixed(4)}
      tabIndex={-1}
      style={{ cursor }}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerCancel}
      onPointerLeave={() => activeTool().leave?.()}
      onContextMenu={(e) => e.preventDefault()}
    >
      {doc && (
        <Stage ref={stageRef} width={size.width} height={size.height} scaleX={view.zoom} scaleY={view.zoom} x={view.x} y={view.y}>
          <FrameLayer source={source} result={result} width={srcW} height={srcH} smooth={view.zoom < 2} />
          {/* The mask drawn is the one of the picture on screen (they differ only mid-scrub). */}
          {/* Over a result the fill would hide what was removed; the outlines stay on the layer above. */}
          <OverlayLayer doc={doc} frame={source?.index ?? frame} rasterWidth={rasterW} rasterHeight={rasterH} hidden={!!result && showResult && !split} />
          <InteractiveLayer doc={doc} frame={frame} zoom={view.zoom} />
        </Stage>
      )}
      {doc && (
        <div className="viewer-hud">
          <span>{Math.round(view.zoom * 100)} %</span>
          {split && <span className="split-label">Before | After</span>}
          {showResult && !split && (result ? <span className={staleResult ? 'result stale' : 'result'} data-testid="result-hud">{staleResult ? (renderActive ? `Frame ${frame} is being redone (${media.results.count}/${renderTotal}); the older result shows meanwhile` : 'Result made from older masks — Run updates it') : 'Result'}</span> : <span data-testid="result-hud">{renderActive ? `Frame ${frame} is not finished yet (${media.results.count}/${renderTotal} done)` : resultsVersion && media.results.count ? 'No result for this frame' : 'No result yet — press Run'}</span>)}
        </div>
      )}
      {!doc && (booting ? <div className="viewer-empty">Loading…</div> : <EmptyViewer />)}
    </div>
  );
}
