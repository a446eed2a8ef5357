/**
 * The timeline: transport (play, step, frame number, timecode, zoom), a ruler with the in/out points,
 * the thumbnail strip, the job overlay (frames with results), and a key track per mask layer.
 * Clicking or dragging on the ruler or the strip scrubs frame-accurately; key markers jump on click
 * and retime on drag; the in/out markers drag. Drags are single undo steps (gestures).
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { PointerEvent as ReactPointerEvent } from 'react';
import { frameToTimecode } from '../../common/time';
import type { Layer, ProjectDoc } from '../../common/project/schema';
import { actions } from '../actions';
import { actionContext } from '../app/editor';
import { media } from '../app/media';
import { mediaUrl } from '../bridge';
import { Icon } from '../panels/icons';
import { layerKeyFrames } from '../shapes/keys';
import { command } from '../shapes/edits';
import { latestTask, ops, useEditor } from '../state/store';
import { MAX_PX_PER_FRAME, frameAtX, nearestIndex, rulerStep, xOfFrame } from './scale';

const LABEL_W = 140;
const THUMB_H = 48;

interface Lane {
  width: number;
  scrollLeft: number;
}

function Transport({ doc, fitPpf }: { doc: ProjectDoc; fitPpf: number }) {
  const frame = useEditor((s) => s.session.frame);
  const rate = useEditor((s) => s.session.rate);
  const ppf = useEditor((s) => s.session.timelinePxPerFrame);
  const [editing, setEditing] = useState(false);
  const run = (id: string) => () => actions.run(id, actionContext);
  const tip = (id: string) => actions.tooltip(id);
  const n = doc.range.out - doc.range.in + 1;
  return (
    <div className="transport">
      <button className="icon" title={tip('go-start')} onClick={run('go-start')}>
        <Icon name="first" />
      </button>
      <button className="icon" title={tip('step-back')} onClick={run('step-back')}>
        <Icon name="prev" />
      </button>
      <button className="icon" title={tip('play-pause')} data-testid="play-pause" onClick={run('play-pause')} aria-pressed={rate !== 0}>
        <Icon name={rate === 0 ? 'play' : 'pause'} />
      </button>
      <button className="icon" title={tip('step-forward')} onClick={run('step-forward')}>
        <Icon name="next" />
      </button>
      <button className="icon" title={tip('go-end')} onClick={run('go-end')}>
        <Icon name="last" />
      </button>
      <span className="sep" />
      {editing ? (
        <input
          type="number"
          autoFocus
          defaultValue={frame}
          min={0}
          max={doc.source.frameCount - 1}
          style={{ width: 72 }}
          onBlur={(e) => {
            ops.setFrame(Number(e.currentTarget.value));
            setEditing(false);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') e.currentTarget.blur();
            if (e.key === 'Escape') setEditing(false);
          }}
        />
      ) : (
        <span className="frame-number" data-testid="frame-number" title="Current frame (double-click to type one)" onDoubleClick={() => setEditing(true)}>
          {frame}
        </span>
      )}
      <span className="timecode" data-testid="timecode">{frameToTimecode(frame, doc.source.fps)}</span>
      <span className="dim">/ {doc.source.frameCount - 1}</span>
      {rate !== 0 && Math.abs(rate) !== 1 && <span className="dim">{rate > 0 ? `▶ ${rate}×` : `◀ ${-rate}×`}</span>}
      <span className="sep" />
      <button title={tip('set-in')} onClick={run('set-in')}>In {doc.range.in}</button>
      <button title={tip('set-out')} onClick={run('set-out')}>Out {doc.range.out}</button>
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

function JobOverlay({ ppf, lane, frameCount }: { ppf: number; lane: Lane; frameCount: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const version = useEditor((s) => s.resultsVersion);
  const jobState = useEditor((s) => latestTask(s, 'render')?.task.state ?? null);
  useEffect(() => {
    const c = ref.current!;
    c.width = Math.ceil(lane.width);
    c.height = 6;
    c.style.left = `${lane.scrollLeft}px`;
    const g = c.getContext('2d')!;
    g.clearRect(0, 0, c.width, c.height);
    if (media.results.count === 0) return;
    g.fillStyle = jobState === 'failed' || jobState === 'cancelled' ? '#8a7a3a' : '#4fc37a';
    const first = Math.max(0, Math.floor(lane.scrollLeft / ppf));
    const last = Math.min(frameCount - 1, Math.ceil((lane.scrollLeft + lane.width) / ppf));
    for (let f = first; f <= last; f++) {
      if (!media.results.has(f)) continue;
      const x0 = f * ppf - lane.scrollLeft;
      g.fillRect(Math.floor(x0), 0, Math.max(1, Math.ceil(ppf)), 6);
    }
  }, [version, jobState, ppf, lane.width, lane.scrollLeft, frameCount]);
  return <canvas ref={ref} data-testid="job-overlay" data-finished={media.results.count} />;
}

function Thumbnails({ doc, ppf, lane, mediaId }: { doc: ProjectDoc; ppf: number; lane: Lane; mediaId: string | null }) {
  const version = useEditor((s) => s.thumbnailsVersion);
  const sorted = useMemo(() => [...media.thumbnails.keys()].sort((a, b) => a - b), [version, mediaId]);
  if (!sorted.length) return null;
  const thumbW = Math.max(24, Math.round((THUMB_H * doc.source.width) / doc.source.height));
  const firstSlot = Math.floor(lane.scrollLeft / thumbW);
  const lastSlot = Math.ceil(Math.min(doc.source.frameCount * ppf, lane.scrollLeft + lane.width) / thumbW);
  const slots = [];
  for (let k = firstSlot; k < lastSlot; k++) {
    const centreFrame = frameAtX(k * thumbW + thumbW / 2, ppf, doc.source.frameCount);
    const index = sorted[nearestIndex(sorted, centreFrame)]!;
    const ref = media.thumbnails.get(index)!;
    slots.push(<img key={k} src={mediaUrl(ref)} alt="" draggable={false} style={{ left: k * thumbW, width: thumbW }} />);
  }
  return <>{slots}</>;
}

type Drag = { kind: 'scrub' } | { kind: 'range'; edge: 'in' | 'out'; startX: number; from: number; moved: boolean } | { kind: 'key'; layerId: string; from: number; startX: number; to: number; moved: boolean };

export function Timeline() {
  const doc = useEditor((s) => s.history?.doc ?? null);
  const frame = useEditor((s) => s.session.frame);
  const rate = useEditor((s) => s.session.rate);
  const pxSetting = useEditor((s) => s.session.timelinePxPerFrame);
  const activeLayerId = useEditor((s) => s.session.activeLayerId);
  const mediaId = useEditor((s) => s.media?.mediaId ?? null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [lane, setLane] = useState<Lane>({ width: 800, scrollLeft: 0 });
  const drag = useRef<Drag | null>(null);
  const [dragKey, setDragKey] = useState<{ layerId: string; from: number; to: number } | null>(null);

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
  }, [ppf, fitPpf, lane.width, frameCount]);

  // Keep the playhead in view while playing or stepping.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || drag.current) return;
    const x = xOfFrame(frame, ppf);
    if (x < el.scrollLeft || x > el.scrollLeft + lane.width) el.scrollLeft = Math.max(0, x - (rate < 0 ? lane.width * 0.9 : lane.width * 0.1));
  }, [frame, ppf, lane.width, rate]);

  if (!doc) return <div className="timeline" data-testid="timeline" />;

  const laneX = (e: { clientX: number }) => e.clientX - scrollRef.current!.getBoundingClientRect().left - LABEL_W + scrollRef.current!.scrollLeft;

  const onLaneDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    const target = e.target as HTMLElement;
    const x = laneX(e);
    e.currentTarget.setPointerCapture(e.pointerId);
    ops.setSession({ rate: 0 });
    const edge = target.dataset.edge as 'in' | 'out' | undefined;
    const keyFrame = target.dataset.frame;
    if (edge) {
      drag.current = { kind: 'range', edge, startX: x, from: edge === 'in' ? doc.range.in : doc.range.out, moved: false };
    } else if (keyFrame !== undefined && target.dataset.layerId) {
      const layerId = target.dataset.layerId;
      drag.current = { kind: 'key', layerId, from: Number(keyFrame), startX: x, to: Number(keyFrame), moved: false };
      ops.setSession((s) => {
        if (s.activeLayerId !== layerId) s.selection = { shapeId: null, vertex: null };
        s.activeLayerId = layerId;
      });
    } else if (target.dataset.lane === 'scrub') {
      drag.current = { kind: 'scrub' };
      ops.setFrame(frameAtX(x, ppf, frameCount));
    } else drag.current = null;
  };

  const onLaneMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d) return;
    const x = laneX(e);
    if (d.kind === 'scrub') {
      ops.setFrame(frameAtX(x, ppf, frameCount));
    } else if (d.kind === 'range') {
      const to = Math.min(frameCount - 1, Math.max(0, d.from + Math.round((x - d.startX) / ppf)));
      if (!d.moved) {
        if (Math.abs(x - d.startX) < 3) return;
        d.moved = true;
        ops.beginGesture(d.edge === 'in' ? 'Move in point' : 'Move out point');
      }
      const r = ops.doc()!.range;
      ops.updateGesture(command('setRange', d.edge === 'in' ? { in: Math.min(to, r.out), out: r.out } : { in: r.in, out: Math.max(to, r.in) }));
    } else if (d.kind === 'key') {
      const to = Math.min(frameCount - 1, Math.max(0, d.from + Math.round((x - d.startX) / ppf)));
      if (!d.moved && Math.abs(x - d.startX) < 3) return;
      if (!d.moved) {
        d.moved = true;
        ops.beginGesture('Retime key');
      }
      d.to = to;
      setDragKey({ layerId: d.layerId, from: d.from, to });
      ops.updateGesture(command('retimeLayerKeys', { layerId: d.layerId, from: d.from, to }));
    }
  };

  const onLaneUp = () => {
    const d = drag.current;
    drag.current = null;
    if (!d) return;
    if (d.kind === 'range' && d.moved) ops.commitGesture();
    if (d.kind === 'key') {
      setDragKey(null);
      if (d.moved) {
        ops.commitGesture();
        ops.setFrame(d.to);
      } else ops.setFrame(d.from);
    }
  };

  const onLaneCancel = () => {
    if (drag.current && drag.current.kind !== 'scrub' && drag.current.moved) ops.cancelGesture();
    drag.current = null;
    setDragKey(null);
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
            <div className="tl-lane tl-ruler" data-lane="scrub" onPointerDown={onLaneDown} onPointerMove={onLaneMove} onPointerUp={onLaneUp} onPointerCancel={onLaneCancel}>
              <Ruler doc={doc} ppf={ppf} lane={lane} />
              <div className="range-marker in" data-testid="in-point" data-edge="in" data-frame-index={doc.range.in} title={`In point: frame ${doc.range.in} (I sets, drag to move)`} style={{ left: inX }} />
              <div className="range-marker out" data-testid="out-point" data-edge="out" data-frame-index={doc.range.out} title={`Out point: frame ${doc.range.out} (O sets, drag to move)`} style={{ left: outX }} />
            </div>
          </div>
          <div className="tl-row">
            <div className="tl-label">Video</div>
            <div className="tl-lane tl-thumbs" data-lane="scrub" onPointerDown={onLaneDown} onPointerMove={onLaneMove} onPointerUp={onLaneUp} onPointerCancel={onLaneCancel}>
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
              <div
                className={`tl-lane tl-track${layer.id === activeLayerId ? ' active' : ''}`}
                data-layer-id={layer.id}
                onPointerDown={onLaneDown}
                onPointerMove={onLaneMove}
                onPointerUp={onLaneUp}
                onPointerCancel={onLaneCancel}
              >
                {layer.kind === 'bitmap' ? <div className="tl-bitmap" style={{ left: 0, width: Math.min(layer.source.frameCount === 1 ? frameCount : layer.source.frameCount, frameCount) * ppf, background: layer.color }} /> : markers(layer)}
              </div>
            </div>
          ))}
          <div className="tl-outside" style={{ left: LABEL_W, width: inX }} />
          <div className="tl-outside" style={{ left: LABEL_W + outX, width: Math.max(0, contentW - outX) }} />
          <div className="playhead" data-testid="playhead" data-frame={frame} style={{ transform: `translateX(${LABEL_W + playX}px)` }}>
            <div className="head" data-lane="scrub" onPointerDown={onLaneDown} onPointerMove={onLaneMove} onPointerUp={onLaneUp} onPointerCancel={onLaneCancel} />
          </div>
        </div>
      </div>
    </div>
  );
}
