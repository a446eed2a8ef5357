/** The toolbar: project, undo/redo, tools with their options, and view toggles. */
import type { BrushHold } from '../state/session';
import { useEditor, useEditorState } from '../editor/context';
import { ActionButton, NumberField } from '../ui/controls';
import { Icon } from '../ui/icons';

function BrushOptions() {
  const { ops } = useEditor();
  const radius = useEditorState((s) => s.session.brushRadius);
  const hardness = useEditorState((s) => s.session.brushHardness);
  const hold = useEditorState((s) => s.session.brushHold);
  const setHold = (h: BrushHold) => ops.setSession({ brushHold: h });
  return (
    <div className="group">
      <span className="label">Size</span>
      <input type="range" min={1} max={400} value={Math.min(400, radius * 2)} title="Brush size in source pixels ([ and ])" onChange={(e) => ops.setSession({ brushRadius: Number(e.currentTarget.value) / 2 })} />
      <NumberField value={+(radius * 2).toFixed(1)} min={1} max={2000} step={1} testId="brush-size" title="Brush size (diameter) in source pixels ([ and ])" onCommit={(v) => ops.setSession({ brushRadius: v / 2 })} />
      <span className="label">Hardness</span>
      <input type="range" min={0} max={100} value={Math.round(hardness * 100)} title="Brush hardness (Shift+[ and Shift+])" onChange={(e) => ops.setSession({ brushHardness: Number(e.currentTarget.value) / 100 })} />
      <span className="label">Hold</span>
      <select
        value={hold.kind}
        title="Which frames a new stroke masks: only this frame, a number of frames from here, or up to the out point"
        data-testid="brush-hold"
        onChange={(e) => {
          const kind = e.currentTarget.value as BrushHold['kind'];
          setHold(kind === 'frames' ? { kind, count: hold.kind === 'frames' ? hold.count : 10 } : { kind } as BrushHold);
        }}
      >
        <option value="frame">This frame</option>
        <option value="frames">N frames</option>
        <option value="out">To out point</option>
      </select>
      {hold.kind === 'frames' && <NumberField value={hold.count} min={1} max={100000} width={52} title="Frames a stroke lasts" onCommit={(v) => setHold({ kind: 'frames', count: Math.round(v) })} />}
    </div>
  );
}

export function Toolbar() {
  const { ops } = useEditor();
  const tool = useEditorState((s) => s.session.tool);
  const overlayVisible = useEditorState((s) => s.session.overlayVisible);
  const opacity = useEditorState((s) => s.session.overlayOpacity);
  const showResult = useEditorState((s) => s.session.showResult);
  const split = useEditorState((s) => s.session.split);
  const hasDoc = useEditorState((s) => !!s.history);
  const toolButton = (id: 'select' | 'brush' | 'eraser' | 'polygon' | 'bezier' | 'hand') => (
    <ActionButton id={`tool-${id}`} testId={`tool-${id}`} className={`icon${tool === id ? ' active' : ''}`} pressed={tool === id}>
      <Icon name={id} />
    </ActionButton>
  );
  return (
    <div className="toolbar">
      <div className="group">
        <ActionButton id="open-video" testId="open-video">Open Video…</ActionButton>
        <ActionButton id="open-sample" testId="open-sample">Sample</ActionButton>
        <ActionButton id="save" testId="save">Save</ActionButton>
      </div>
      <div className="group">
        <ActionButton id="undo" testId="undo" className="icon">
          <Icon name="undo" />
        </ActionButton>
        <ActionButton id="redo" testId="redo" className="icon">
          <Icon name="redo" />
        </ActionButton>
      </div>
      <div className="group">
        {toolButton('select')}
        {toolButton('brush')}
        {toolButton('eraser')}
        {toolButton('polygon')}
        {toolButton('bezier')}
        {toolButton('hand')}
      </div>
      {(tool === 'brush' || tool === 'eraser') && <BrushOptions />}
      <div className="group">
        <ActionButton id="toggle-overlay" testId="toggle-overlay" className={overlayVisible ? 'active' : ''} pressed={overlayVisible}>
          Mask
        </ActionButton>
        <input
          type="range"
          min={0}
          max={100}
          value={Math.round(opacity * 100)}
          title="Mask overlay opacity"
          data-testid="overlay-opacity"
          disabled={!hasDoc}
          onChange={(e) => ops.setSession({ overlayOpacity: Number(e.currentTarget.value) / 100 })}
        />
        <ActionButton id="toggle-result" testId="toggle-result" className={showResult ? 'active' : ''} pressed={showResult}>
          Result
        </ActionButton>
        <ActionButton id="split-view" testId="split-view" className={`icon${split ? ' active' : ''}`} pressed={split}>
          <Icon name="split" />
        </ActionButton>
      </div>
      <div className="group">
        <ActionButton id="zoom-fit">Fit</ActionButton>
        <ActionButton id="zoom-100">100%</ActionButton>
      </div>
      <span className="spacer" />
      <ActionButton id="help" testId="help" className="icon">
        ?
      </ActionButton>
    </div>
  );
}
