/**
 * The video layer: the current source frame, or the job's result for it, or both split by the
 * before/after divider. Frames are shown only when decoded (the previous one stays up meanwhile), and
 * the index actually on screen is reported so tests and the HUD can tell what is displayed.
 */
import { useEffect, useRef, useState } from 'react';
import { Group, Image as KImage, Layer } from 'react-konva';
import { useEditor, useEditorState } from '../editor/context';
import { latestTask } from '../state/store';

export interface Shown {
  index: number;
  img: CanvasImageSource;
}

/**
 * The decoded source frame for `frame`. While it loads the last frame shown stays up, and frames that
 * arrive between it and the playhead are shown on the way, so a fast scrub keeps moving; at rest the
 * exact frame is always what is drawn (and `index` says which frame is on screen).
 */
export function useSourceFrame(frame: number, mediaId: string | null): Shown | null {
  const { media, ops } = useEditor();
  const [shown, setShownState] = useState<Shown | null>(null);
  const current = useRef<Shown | null>(null);
  const setShown = (s: Shown | null) => {
    current.current = s;
    setShownState(s);
  };
  useEffect(() => setShown(null), [mediaId]);
  useEffect(() => {
    const src = media.frames;
    if (!src || !mediaId) return;
    const rate = ops.session().rate;
    const from = current.current?.index ?? frame;
    src.focus(frame, rate > 0 ? 1 : rate < 0 ? -1 : (Math.sign(frame - from) as -1 | 0 | 1));
    const img = src.image(frame);
    if (img) {
      setShown({ index: frame, img });
      return;
    }
    return src.onReady((i) => {
      const cur = current.current;
      const onTheWay = !cur || (Math.abs(frame - i) < Math.abs(frame - cur.index) && (i - cur.index) * (frame - i) >= 0);
      const ready = i === frame || onTheWay ? src.image(i) : null;
      if (ready) setShown({ index: i, img: ready });
    });
  }, [frame, mediaId, media, ops]);
  return shown;
}

/** The job's preview of `frame` once it exists. */
export function useResultFrame(frame: number, enabled: boolean): Shown | null {
  const { media } = useEditor();
  const version = useEditorState((s) => s.resultsVersion);
  const [shown, setShown] = useState<Shown | null>(null);
  useEffect(() => {
    const ref = enabled ? media.results.ref(frame) : null;
    if (!ref) {
      setShown(null);
      return;
    }
    const url = media.url(ref);
    const img = media.resultImages.get(url);
    if (img) {
      setShown({ index: frame, img });
      return;
    }
    let live = true;
    media.resultImages
      .fetch(url)
      .then((loaded) => live && setShown({ index: frame, img: loaded }))
      .catch(() => live && setShown(null));
    return () => {
      live = false;
    };
  }, [frame, enabled, version, media]);
  return shown;
}

/**
 * Where a result frame goes, in source pixels: over the source, or for outpainting a larger canvas
 * centred on it (its aspect ratio is the result's own).
 */
function resultRect(result: Shown, width: number, height: number, outpaint: { scaleH: number } | null) {
  if (!outpaint) return { x: 0, y: 0, width, height };
  const h = height * outpaint.scaleH;
  const w = (h * (result.img as ImageBitmap).width) / (result.img as ImageBitmap).height;
  return { x: (width - w) / 2, y: (height - h) / 2, width: w, height: h };
}

export function FrameLayer(props: { source: Shown | null; result: Shown | null; width: number; height: number; smooth: boolean }) {
  const split = useEditorState((s) => s.session.split);
  const showResult = useEditorState((s) => s.session.showResult);
  const splitPosition = useEditorState((s) => s.session.splitPosition);
  const outpaint = useEditorState((s) => latestTask(s, 'render')?.task.detail.outpaint ?? null);
  const { source, result, width, height } = props;
  const splitX = Math.round(width * splitPosition);
  const r = result ? resultRect(result, width, height, outpaint) : null;
  return (
    <Layer listening={false} imageSmoothingEnabled={props.smooth}>
      {source && <KImage image={source.img} width={width} height={height} />}
      {result && r && split && (
        <Group clipX={splitX} clipY={r.y} clipWidth={r.x + r.width - splitX} clipHeight={r.height}>
          <KImage image={result.img} {...r} />
        </Group>
      )}
      {result && r && !split && showResult && <KImage image={result.img} {...r} />}
    </Layer>
  );
}
