/**
 * Mask layers: the list (add, delete, rename, reorder, show/hide, lock, colour) and the active layer's
 * properties (mode, invert, feather, dilation), its selected shape's key at the playhead, and
 * propagation. Every change is one undoable edit.
 */
import { useState } from 'react';
import { keyIndexAt } from '../../common/keys/evaluate';
import type { Layer, ShapeLayer } from '../../common/project/schema';
import { layerActiveRange } from '../../common/project/active-range';
import { activateLayer, addKeyHere, addLayer, deleteKeyAt, deleteLayer, moveLayer, setKeyInterp, setLayerProps, setLayerRange } from '../edits';
import { useEditor, useEditorState } from '../editor/context';
import { isActive, latestTask } from '../state/store';
import { ActionButton, NumberField } from '../ui/controls';
import { Icon } from '../ui/icons';

function LayerRow({ layer, index, count, active }: { layer: Layer; index: number; count: number; active: boolean }) {
  const { ops } = useEditor();
  const [renaming, setRenaming] = useState(false);
  const select = () => activateLayer(ops, layer.id);
  return (
    <div className={`layer-row${active ? ' active' : ''}${layer.visible ? '' : ' hidden'}`} data-testid="layer-row" data-layer-id={layer.id} data-kind={layer.kind} onClick={select}>
      <button className={layer.visible ? '' : 'off'} title={layer.visible ? 'Hide layer' : 'Show layer'} data-testid="layer-visible" onClick={(e) => (e.stopPropagation(), setLayerProps(ops, layer.id, { visible: !layer.visible }, layer.visible ? 'Hide layer' : 'Show layer'))}>
        <Icon name="eye" />
      </button>
      <button className={layer.locked ? '' : 'off'} title={layer.locked ? 'Unlock layer' : 'Lock layer'} data-testid="layer-lock" onClick={(e) => (e.stopPropagation(), setLayerProps(ops, layer.id, { locked: !layer.locked }, layer.locked ? 'Unlock layer' : 'Lock layer'))}>
        <Icon name="lock" />
      </button>
      <label className="swatch" style={{ background: layer.color }} title="Layer colour" onClick={(e) => e.stopPropagation()}>
        <input type="color" value={layer.color} style={{ opacity: 0, width: 0, height: 0, position: 'absolute' }} onChange={(e) => setLayerProps(ops, layer.id, { color: e.currentTarget.value }, 'Layer colour')} />
      </label>
      <span className="name" onDoubleClick={() => setRenaming(true)} title="Double-click to rename">
        {renaming ? (
          <input
            type="text"
            autoFocus
            defaultValue={layer.name}
            data-testid="layer-name-input"
            onClick={(e) => e.stopPropagation()}
            onBlur={(e) => {
              const name = e.currentTarget.value.trim().slice(0, 200);
              if (name && name !== layer.name) setLayerProps(ops, layer.id, { name }, 'Rename layer');
              setRenaming(false);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') e.currentTarget.blur();
              if (e.key === 'Escape') setRenaming(false);
            }}
          />
        ) : (
          layer.name
        )}
      </span>
      {layer.mode === 'subtract' && <span className="mode">−</span>}
      {layer.invert && <span className="mode">inv</span>}
      <span className="kind">{layer.kind}</span>
      <button title="Move up" disabled={index === count - 1} onClick={(e) => (e.stopPropagation(), moveLayer(ops, layer.id, 1))}>▲</button>
      <button title="Move down" disabled={index === 0} onClick={(e) => (e.stopPropagation(), moveLayer(ops, layer.id, -1))}>▼</button>
      <button title="Delete layer" data-testid="delete-layer" onClick={(e) => (e.stopPropagation(), deleteLayer(ops, layer.id))}>✕</button>
    </div>
  );
}

function KeyControls({ layer }: { layer: ShapeLayer }) {
  const { ops } = useEditor();
  const frame = useEditorState((s) => s.session.frame);
  const shapeId = useEditorState((s) => s.session.selection.shapeId);
  const hasClipboard = useEditorState((s) => s.session.keyClipboard !== null);
  const shape = layer.shapes.find((s) => s.id === shapeId);
  if (!shape) return <div className="hint">{layer.shapes.length ? 'Select a shape (V, click it) to edit its keys.' : 'Draw a shape with the polygon (P) or bezier (G) pen.'}</div>;
  const k = keyIndexAt(shape.keys, frame);
  const key = k >= 0 ? shape.keys[k]! : null;
  return (
    <>
      <div className="row">
        <span className="key">Shape</span>
        <span>
          {shape.kind}, {shape.keys[0]!.vertices.length} points, {shape.keys.length} key{shape.keys.length === 1 ? '' : 's'}
        </span>
      </div>
      <div className="row wrap">
        <span className="key">Key @ {frame}</span>
        {key ? (
          <>
            <select value={key.interp} title="How the shape moves from this key to the next" onChange={(e) => setKeyInterp(ops, layer.id, shape.id, frame, e.currentTarget.value as 'linear' | 'smooth')}>
              <option value="linear">Linear</option>
              <option value="smooth">Smooth</option>
            </select>
            <button onClick={() => deleteKeyAt(ops, layer.id, shape.id, frame)} disabled={shape.keys.length < 2}>
              Delete key
            </button>
          </>
        ) : (
          <button onClick={() => addKeyHere(ops, layer.id, shape, frame)}>Add key</button>
        )}
      </div>
      <div className="row">
        <span className="key" />
        <ActionButton id="copy-key">Copy key</ActionButton>
        <ActionButton id="paste-key" disabled={!hasClipboard}>
          Paste here
        </ActionButton>
      </div>
    </>
  );
}

function Propagation({ layer }: { layer: Layer }) {
  const { ops } = useEditor();
  const keyEvery = useEditorState((s) => s.session.propagateKeyEvery);
  const propagation = useEditorState((s) => latestTask(s, 'propagate')?.task ?? null);
  const running = isActive(propagation);
  const done = propagation?.progress?.done ?? 0;
  const total = propagation ? (propagation.progress?.total ?? Math.abs(propagation.detail.toFrame - propagation.detail.fromFrame)) : 0;
  const mine = propagation?.detail.layerId === layer.id;
  if (layer.kind === 'bitmap') return null;
  return (
    <>
      <div className="row wrap">
        <span className="key">Propagate</span>
        <ActionButton id="propagate-backward" disabled={running}>◀ Backward</ActionButton>
        <ActionButton id="propagate-forward" disabled={running}>Forward ▶</ActionButton>
      </div>
      <div className="row">
        <span className="key">Key every</span>
        <NumberField value={keyEvery} min={1} max={100} width={52} onCommit={(v) => ops.setSession({ propagateKeyEvery: Math.round(v) })} />
        <span className="hint">frames</span>
      </div>
      {propagation && mine && (
        <div className="row" data-testid="propagate-progress">
          <div className="progress" style={{ flex: 1 }}>
            <div style={{ width: `${propagation.state === 'done' ? 100 : total ? (100 * done) / total : 0}%` }} />
          </div>
          <span className="hint">{running ? `${done}/${total}` : propagation.state}</span>
          {running && <ActionButton id="cancel-job">Cancel</ActionButton>}
        </div>
      )}
      {propagation?.state === 'failed' && propagation.message && mine && <div className="error-line">{propagation.message}</div>}
    </>
  );
}

/** The frames the layer masks (its bar on the timeline), and the way back to following its keys. */
function LayerFrames({ layer }: { layer: Layer }) {
  const { ops } = useEditor();
  const outPoint = useEditorState((s) => s.history?.doc.range.out ?? 0);
  const last = useEditorState((s) => (s.history?.doc.source.frameCount ?? 1) - 1);
  const r = layerActiveRange(layer, outPoint);
  return (
    <div className="row wrap">
      <span className="key">Frames</span>
      <span data-testid="layer-frames">{r ? `${r.in}–${Math.min(r.out, last)}` : 'none yet'}</span>
      {layer.activeRange ? (
        <button title="Mask from the first key to the last again" onClick={() => setLayerRange(ops, layer.id, null)}>
          Follow keys
        </button>
      ) : (
        <span className="hint">first to last key</span>
      )}
    </div>
  );
}

function LayerProperties({ layer }: { layer: Layer }) {
  const { ops } = useEditor();
  return (
    <div className="panel-body" data-testid="layer-properties">
      <LayerFrames layer={layer} />
      <div className="row">
        <span className="key">Mode</span>
        <select value={layer.mode} data-testid="layer-mode" onChange={(e) => setLayerProps(ops, layer.id, { mode: e.currentTarget.value as 'add' | 'subtract' }, 'Layer mode')}>
          <option value="add">Add</option>
          <option value="subtract">Subtract</option>
        </select>
        <label title="Mask everything except this layer">
          <input type="checkbox" checked={layer.invert} data-testid="layer-invert" onChange={() => setLayerProps(ops, layer.id, { invert: !layer.invert }, 'Invert layer')} />
          Invert
        </label>
      </div>
      <div className="row">
        <span className="key">Feather</span>
        <NumberField value={layer.feather} min={0} max={500} step={0.5} testId="layer-feather" title="Soft edge outside the mask, in source pixels" onCommit={(v) => setLayerProps(ops, layer.id, { feather: v }, 'Feather')} />
        <span className="hint">px</span>
      </div>
      <div className="row">
        <span className="key">Dilation</span>
        <NumberField value={layer.dilation} min={-500} max={500} step={0.5} testId="layer-dilation" title="Grow (positive) or shrink (negative) the mask, in source pixels" onCommit={(v) => setLayerProps(ops, layer.id, { dilation: v }, 'Dilation')} />
        <span className="hint">px</span>
      </div>
      {layer.kind === 'shape' && <KeyControls layer={layer} />}
      {layer.kind === 'brush' && <div className="hint">{layer.strokes.length} stroke{layer.strokes.length === 1 ? '' : 's'}. Paint with B, erase with E; the hold setting in the toolbar decides how many frames a stroke lasts.</div>}
      {layer.kind === 'bitmap' && (
        <div className="hint" style={{ userSelect: 'text' }}>
          Imported {layer.source.kind}: {layer.source.path} ({layer.source.frameCount} frame{layer.source.frameCount === 1 ? '' : 's'}, {layer.source.width}x{layer.source.height})
        </div>
      )}
      <Propagation layer={layer} />
    </div>
  );
}

export function LayerPanel() {
  const { ops } = useEditor();
  const layers = useEditorState((s) => s.history?.doc.layers ?? null);
  const activeLayerId = useEditorState((s) => s.session.activeLayerId);
  const active = layers?.find((l) => l.id === activeLayerId) ?? null;
  const rows = layers ? [...layers].map((l, i) => ({ l, i })).reverse() : [];
  return (
    <div className="panel">
      <div className="panel-header">
        Layers
        <span className="buttons">
          <button data-testid="add-brush-layer" disabled={!layers} title="Add a brush layer" onClick={() => addLayer(ops, 'brush')}>+ Brush</button>
          <button data-testid="add-shape-layer" disabled={!layers} title="Add a roto shape layer" onClick={() => addLayer(ops, 'shape')}>+ Shape</button>
          <ActionButton id="import-masks">Import…</ActionButton>
        </span>
      </div>
      <div className="layer-list" data-testid="layer-list">
        {rows.map(({ l, i }) => (
          <LayerRow key={l.id} layer={l} index={i} count={rows.length} active={l.id === activeLayerId} />
        ))}
        {layers && layers.length === 0 && <div className="empty-list">No mask layers yet. Paint with the brush (B) or draw a shape (P, G) to start one.</div>}
      </div>
      {active && <LayerProperties layer={active} />}
    </div>
  );
}
