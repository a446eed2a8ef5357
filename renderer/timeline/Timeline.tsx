/**
 * The timeline: transport (play, step, frame number, timecode, zoom), a ruler with the in/out points,
 * the thumbnail strip, the job overlay (frames with results), and per mask layer a row with its active
 * range (a bar whose ends drag) and its key markers. What a press does is decided by the drag state
 * machine (drags.ts); this component draws and forwards pointer events in lane pixels.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { PointerEvent as ReactPointerEvent } from 'react';
import { useStore } from 'zustand';
import { layerActiveRange } from '../../common/project/active-range';
import type { Layer, ProjectDoc } from '../../common/project/schema';
import { frameToTimecode } from '../../common/time';
import { THUMBNAIL_COUNT } from '../editor/commands';
import { useEditor, useEditorState } from '../editor/context';
import { useResultStatus } from '../editor/useResultStatus';
import { layerKeyFrames } from '../shapes/keys';
import { latestTask } from '../state/store';
import { ActionButton } from '../ui/controls';
import { Icon } from '../ui/icons';
import { createTimelineDrags } from './drags';
import type { TimelineTarget } from './drags';
import { MAX_PX_PER_FRAME, frameAtX, rulerStep, thumbnailForSlot, xOfFrame } from './scale';

const LABEL_W = 140;
const THUMB_H = 48;

interface Lane {
  width: number;
  scrollLeft: number;
}

/** The current frame as a field: one click selects it, typing a number and Enter goes there. */
function FrameField({ frame, last }: { frame: number; last: number }) {
  const { ops } = useEditor();
  const [text, setText] = useState<string | null>(null);
  const focusedByClick = useRef(false);
  const cancelled = useRef(false);
  return (
    <input
      className="frame-number"
      data-testid="frame-number"
      type="text"
      inputMode="numeric"
      aria-label="Current frame"
      title={`Current frame (0–${last}): click, type a frame number, Enter`}
      value={text ?? String(frame)}
      onMouseDown={(e) => {
        focusedByClick.current = document.activeElement !== e.currentTarget;
      }}
      onMouseUp={(e) => {
        // The click that focused the field keeps the whole number selected, so typing replaces it.
        if (focusedByClick.current) e.preventDefault();
        focusedByClick.current = false;
      }}
      onFocus={(e) => {
        cancelled.current = false;
        setText(String(frame));
        e.currentTarget.select();
      }}
      onChange={(e) => setText(e.currentTarget.value.replace(/[^0-9]/g, ''))}
      onBlur={() => {
        if (!cancelled.current && text !== null && text !== '') ops.setFrame(Number(text));
        setText(null);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') e.currentTarget.blur();
        if (e.key === 'Escape') {
          cancelled.current = true;
          e.currentTarget.blur();
        }
      }}
    />
  );
}

function Transport({ doc, fitPpf }: { doc: ProjectDoc; fitPpf: number }) {
  const { ops } = useEditor();
  const frame = useEditorState((s) => s.session.frame);
  const rate = useEditorState((s) => s.session.rate);
  const ppf = useEditorState((s) => s.session.timelinePxPerFrame);
  const n = doc.range.out - doc.range.in + 1;
  return (
    <div className="transport">
      <ActionButton id="go-start" className="icon">
        <Icon name="first" />
      </ActionButton>
      <ActionButton id="step-back" className="icon">
        <Icon name="prev" />
      </ActionButton>
      <ActionButton id="play-pause" className="icon" testId="play-pause" pressed={rate !== 0}>
        <Icon name={rate === 0 ? 'play' : 'pause'} />
      </ActionButton>
      <ActionButton id="step-forward" className="icon">
        <Icon name="next" />
      </ActionButton>
      <ActionButton id="go-end" className="icon">
        <Icon name="last" />
      </ActionButton>
      <span className="sep" />
      <FrameField frame={frame} last={doc.source.frameCount - 1} />
      <span className="timecode" data-testid="timecode">{frameToTimecode(frame, doc.source.fps)}</span>
      <span className="dim">/ {doc.source.frameCount - 1}</span>
      {rate !== 0 && Math.abs(rate) !== 1 && <span className="dim">{rate > 0 ? `▶ ${rate}×` : `◀ ${-rate}×`}</span>}
      <span className="sep" />
      <ActionButton id="set-in">In {doc.range.in}</ActionButton>
      <ActionButton id="set-out">Out {doc.range.out}</ActionButton>
      <span className="dim">{n} frames to process</span>
      <span className="spacer" />
      <span className="dim">Zoom</span>
      <input
        type="range"
        min={0}
        max={100}
        // Logarithmic from "whole clip" (0) to MAX_PX_PER_FRAME (100).
        value={ppf <= fitPpf || fitPpf >= MAX_PX_PER_FRAME ? 0 : Math.round((Math.log(ppf / fitPpf) / Math.log(MAX_PX_PER_FRAME / fitPpf)) * 100)}
        title="Timeline zoom (Ctrl+wheel over the timeline); leftmost fits the whole clip"
        onChange={(e) => {
          const v = Number(e.currentTarget.value);
          ops.setSession({ timelinePxPerFrame: v === 0 ? 0 : fitPpf * Math.pow(Math.max(1, MAX_PX_PER_FRAME / fitPpf), v / 100) });
        }}
      />
      <button className="icon" title="Fit the whole clip" onClick={() => ops.setSession({ timelinePxPerFrame: 0 })}>↔</button>
    </div>
  );
}

function Ruler({ doc, ppf, lane }: { doc: ProjectDoc; ppf: number; lane: Lane }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current!;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.ceil(lane.width * dpr);
    c.height = 22 * dpr;
    c.style.width = `${lane.width}px`;
    c.style.height = '22px';
    c.style.left = `${lane.scrollLeft}px`;
    const g = c.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, lane.width, 22);
    const step = rulerStep(ppf);
    const minor = step >= 10 ? step / (step % 25 === 0 ? 5 : 10) : step;
    const first = Math.floor(lane.scrollLeft / ppf / minor) * minor;
    const last = Math.min(doc.source.frameCount - 1, Math.ceil((lane.scrollLeft + lane.width) / ppf));
    g.font = '10px system-ui, sans-serif';
    g.textBaseline = 'top';
    for (let f = first; f <= last; f += minor) {
      const x = Math.round(xOfFrame(f, ppf) - lane.scrollLeft) + 0.5;
      const major = f % step === 0;
      g.strokeStyle = major ? '#7a7d86' : '#4a4d55';
      g.beginPath();
      g.moveTo(x, major ? 10 : 16);
      g.lineTo(x, 22);
      g.stroke();
      if (major) {
        g.fillStyle = '#9a9ca3';
        g.fillText(String(f), x + 3, 2);
      }
    }
  }, [doc.source.frameCount, ppf, lane.width, lane.scrollLeft]);
  return <canvas ref={ref} />;
}

/**
 * The result row: a frame with a result is green while the result is current, amber once it is
 * stale (its masks or the engine settings changed since it was made: a run redoes it).
 */
function JobOverlay({ ppf, lane, frameCount }: { ppf: number; lane: Lane; frameCount: number }) {
  const { media } = useEditor();
  const ref = useRef<HTMLCanvasElement>(null);
  const version = useEditorState((s) => s.resultsVersion);
  const jobState = useEditorState((s) => latestTask(s, 'render')?.task.state ?? null);
  const status = useResultStatus();
  useEffect(() => {
    const c = ref.current!;
    c.width = Math.ceil(lane.width);
    c.height = 6;
    c.style.left = `${lane.scrollLeft}px`;
    const g = c.getContext('2d')!;
    g.clearRect(0, 0, c.width, c.height);
    if (media.results.count === 0) return;
    const current = jobState === 'failed' || jobState === 'cancelled' ? '#8a7a3a' : '#4fc37a';
    const first = Math.max(0, Math.floor(lane.scrollLeft / ppf));
    const last = Math.min(frameCount - 1, Math.ceil((lane.scrollLeft + lane.width) / ppf));
    for (let f = first; f <= last; f++) {
      if (!media.results.has(f)) continue;
      g.fillStyle = status?.stale.has(f) ? '#e0a030' : current;
      const x0 = f * ppf - lane.scrollLeft;
      g.fillRect(Math.floor(x0), status?.stale.has(f) ? 2 : 0, Math.max(1, Math.ceil(ppf)), status?.stale.has(f) ? 4 : 6);
    }
  }, [version, jobState, ppf, lane.width, lane.scrollLeft, frameCount, media, status]);
  return (
    <canvas
      ref={ref}
      data-testid="job-overlay"
      data-finished={media.results.count}
      data-stale={status?.stale.size ?? 0}
      title={status && status.stale.size ? `${status.stale.size} frames are stale (amber): their masks or settings changed since they were made; Run redoes only those` : undefined}
    />
  );
}

function Thumbnails({ doc, ppf, lane, mediaId }: { doc: ProjectDoc; ppf: number; lane: Lane; mediaId: string | null }) {
  const { media } = useEditor();
  const version = useEditorState((s) => s.thumbnailsVersion);
  const sorted = useMemo(() => [...media.thumbnails.keys()].sort((a, b) => a - b), [version, mediaId, media]);
  if (!sorted.length) return null;
  const thumbW = Math.max(24, Math.round((THUMB_H * doc.source.width) / doc.source.height));
  const firstSlot = Math.floor(lane.scrollLeft / thumbW);
  const lastSlot = Math.ceil(Math.min(doc.source.frameCount * ppf, lane.scrollLeft + lane.width) / thumbW);
  const slots = [];
  for (let k = firstSlot; k < lastSlot; k++) {
    const centreFrame = frameAtX(k * thumbW + thumbW / 2, ppf, doc.source.frameCount);
    const index = thumbnailForSlot(sorted, centreFrame, thumbW / ppf, doc.source.frameCount, THUMBNAIL_COUNT);
    const style = { left: k * thumbW, width: thumbW };
    if (index === null) slots.push(<div key={k} className="thumb-pending" style={style} />);
    // A thumbnail that failed to load (the host went away meanwhile) leaves its slot dark, not a broken-image icon.
    else slots.push(<img key={k} src={media.url(media.thumbnails.get(index)!)} alt="" draggable={false} style={style} onError={(e) => void (e.currentTarget.style.visibility = 'hidden')} />);
  }
  return <>{slots}</>;
}

/** A layer's active range as a bar with draggable ends; keys are drawn over it. */
function LayerRangeBar({ layer, doc, ppf }: { layer: Layer; doc: ProjectDoc; ppf: number }) {
  const r = layerActiveRange(layer, doc.range.out);
  if (!r) return null;
  const last = Math.min(r.out, doc.source.frameCount - 1);
  const how = layer.activeRange ? 'set by dragging its ends' : 'from its first key to its last';
  return (
    <div
      className={`tl-layer-range${layer.activeRange ? ' explicit' : ''}`}
      data-testid="layer-range"
      data-layer-id={layer.id}
      data-in={r.in}
      data-out={last}
      title={`${layer.name} masks frames ${r.in}–${last} (${how}); drag an end to change them`}
      style={{ left: r.in * ppf, width: Math.max(2, (last - r.in + 1) * ppf), ['--layer-color' as string]: layer.color }}
    >
      <div className="tl-range-end in" data-testid="layer-range-in" data-layer-edge="in" data-layer-id={layer.id} />
      <div className="tl-range-end out" data-testid="layer-range-out" data-layer-edge="out" data-layer-id={layer.id} />
    </div>
  );
}

/** What a press landed on, from the pressed element's data attributes. */
function targetOf(el: HTMLElement): TimelineTarget | null {
  const d = el.dataset;
  if (d.edge === 'in' || d.edge === 'out') return { kind: 'range-edge', edge: d.edge };
  if ((d.layerEdge === 'in' || d.layerEdge === 'out') && d.layerId) return { kind: 'layer-edge', layerId: d.layerId, edge: d.layerEdge };
  if (d.frame !== undefined && d.layerId) return { kind: 'key', layerId: d.layerId, frame: Number(d.frame) };
  if (d.lane === 'scrub') return { kind: 'scrub' };
  return null;
}

export function Timeline() {
  const editor = useEditor();
  const { ops } = editor;
  const doc = useEditorState((s) => s.history?.doc ?? null);
  const frame = useEditorState((s) => s.session.frame);
  const rate = useEditorState((s) => s.session.rate);
  const pxSetting = useEditorState((s) => s.session.timelinePxPerFrame);
  const activeLayerId = useEditorState((s) => s.session.activeLayerId);
  const mediaId = useEditorState((s) => s.media?.mediaId ?? null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [lane, setLane] = useState<Lane>({ width: 800, scrollLeft: 0 });
  const ppfRef = useRef(1);
  const drags = useMemo(() => createTimelineDrags({ ops, pxPerFrame: () => ppfRef.current }), [ops]);
  const dragKey = useStore(drags.view, (s) => s.key);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setLane((l) => ({ ...l, width: Math.max(50, el.clientWidth - LABEL_W) })));
    ro.observe(el);
    return () => ro.disconnect();
  }, [!!doc]);

  const frameCount = doc?.source.frameCount ?? 1;
  const fitPpf = Math.max(0.005, (lane.width - 8) / frameCount);
  const ppf = pxSetting > 0 ? Math.max(pxSetting, fitPpf) : fitPpf;
  ppfRef.current = ppf;
  const contentW = frameCount * ppf;

  // Ctrl+wheel zooms the timeline around the cursor.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      if (!e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const cursor = e.clientX - r.left - LABEL_W;
      const current = ops.session().timelinePxPerFrame || ppf;
      const next = Math.min(MAX_PX_PER_FRAME, Math.max(fitPpf, current * Math.exp(-e.deltaY * 0.0015)));
      const frameUnder = (el.scrollLeft + cursor) / current;
      ops.setSession({ timelinePxPerFrame: next });
      requestAnimationFrame(() => (el.scrollLeft = frameUnder * next - cursor));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [ppf, fitPpf, lane.width, frameCount, ops]);

  // Keep the playhead in view while playing or stepping.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || drags.state() !== 'idle') return;
    const x = xOfFrame(frame, ppf);
    if (x < el.scrollLeft || x > el.scrollLeft + lane.width) el.scrollLeft = Math.max(0, x - (rate < 0 ? lane.width * 0.9 : lane.width * 0.1));
  }, [frame, ppf, lane.width, rate, drags]);

  // Escape cancels a drag in progress (before the editor's own Escape handling).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || drags.state() === 'idle') return;
      e.stopPropagation();
      drags.cancel();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [drags]);

  if (!doc) return <div className="timeline" data-testid="timeline" />;

  const laneX = (e: { clientX: number }) => e.clientX - scrollRef.current!.getBoundingClientRect().left - LABEL_W + scrollRef.current!.scrollLeft;
  const pointer = {
    onPointerDown: (e: ReactPointerEvent<HTMLDivElement>) => {
      if (e.button !== 0) return;
      const target = targetOf(e.target as HTMLElement);
      if (!target) return;
      e.currentTarget.setPointerCapture(e.pointerId);
      drags.down(target, laneX(e));
    },
    onPointerMove: (e: ReactPointerEvent<HTMLDivElement>) => drags.move(laneX(e)),
    onPointerUp: (e: ReactPointerEvent<HTMLDivElement>) => drags.up(laneX(e)),
    onPointerCancel: () => drags.cancel(),
  };

  const playX = xOfFrame(frame, ppf);
  const inX = doc.range.in * ppf;
  const outX = (doc.range.out + 1) * ppf;
  const tracks = [...doc.layers].reverse(); // top of the list = drawn last = first row, as in the layer panel

  const firstVisible = lane.scrollLeft / ppf - 2;
  const lastVisible = (lane.scrollLeft + lane.width) / ppf + 2;
  const markers = (layer: Layer) =>
    layerKeyFrames(layer)
      .filter((f) => f >= firstVisible && f <= lastVisible)
      .map((f) => (
        <div
          key={f}
          className={`keyframe-marker${f === frame ? ' current' : ''}${dragKey?.layerId === layer.id && dragKey.to === f ? ' dragging' : ''}`}
          data-testid="keyframe-marker"
          data-frame={f}
          data-layer-id={layer.id}
          title={`${layer.name}: key at frame ${f} (click to jump, drag to retime)`}
          style={{ left: xOfFrame(f, ppf), background: layer.color }}
        />
      ));

  return (
    <div className="timeline" data-testid="timeline" data-px-per-frame={ppf.toFixed(4)}>
      <Transport doc={doc} fitPpf={fitPpf} />
      <div className="tl-scroll" ref={scrollRef} onScroll={(e) => setLane((l) => ({ ...l, scrollLeft: e.currentTarget.scrollLeft }))}>
        <div className="tl-content" style={{ width: LABEL_W + contentW + 8 }}>
          <div className="tl-row tl-ruler-row">
            <div className="tl-label">Frame</div>
            <div className="tl-lane tl-ruler" data-lane="scrub" {...pointer}>
              <Ruler doc={doc} ppf={ppf} lane={lane} />
              <div className="range-marker in" data-testid="in-point" data-edge="in" data-frame-index={doc.range.in} title={`In point: frame ${doc.range.in} (I sets, drag to move)`} style={{ left: inX }} />
              <div className="range-marker out" data-testid="out-point" data-edge="out" data-frame-index={doc.range.out} title={`Out point: frame ${doc.range.out} (O sets, drag to move)`} style={{ left: outX }} />
            </div>
          </div>
          <div className="tl-row">
            <div className="tl-label">Video</div>
            <div className="tl-lane tl-thumbs" data-lane="scrub" {...pointer}>
              <Thumbnails doc={doc} ppf={ppf} lane={lane} mediaId={mediaId} />
            </div>
          </div>
          <div className="tl-row">
            <div className="tl-label">Result</div>
            <div className="tl-lane tl-joboverlay">
              <JobOverlay ppf={ppf} lane={lane} frameCount={frameCount} />
            </div>
          </div>
          {tracks.map((layer) => (
            <div className="tl-row" key={layer.id}>
              <div className={`tl-label${layer.id === activeLayerId ? ' active' : ''}`} onClick={() => ops.setSession({ activeLayerId: layer.id })} title={layer.name}>
                <span className="dot" style={{ background: layer.color, opacity: layer.visible ? 1 : 0.3 }} />
                {layer.name}
              </div>
              <div className={`tl-lane tl-track${layer.id === activeLayerId ? ' active' : ''}${layer.visible ? '' : ' hidden'}`} data-layer-id={layer.id} data-testid="layer-track" {...pointer}>
                <LayerRangeBar layer={layer} doc={doc} ppf={ppf} />
                {layer.kind !== 'bitmap' && markers(layer)}
              </div>
            </div>
          ))}
          <div className="tl-outside" style={{ left: LABEL_W, width: inX }} />
          <div className="tl-outside" style={{ left: LABEL_W + outX, width: Math.max(0, contentW - outX) }} />
          <div className="playhead" data-testid="playhead" data-frame={frame} style={{ transform: `translateX(${LABEL_W + playX}px)` }}>
            <div className="head" data-lane="scrub" {...pointer} />
          </div>
        </div>
      </div>
    </div>
  );
}
