/**
 * Removal job and export. The settings (engine with its readiness and the model actions, device,
 * fp16, processing size, mask dilation, outpainting; export format and quality) scroll with the side
 * panel; the run bar below them stays in view at every window size: Run, Cancel, Export and the
 * streamed progress. Settings are part of the project (saved, undoable).
 */
import type { Device, ExportFormat, ProjectDoc } from '../../common/project/schema';
import { updateEngine, updateExport, updateOutpaint } from '../edits';
import { useEditor, useEditorState } from '../editor/context';
import { isActive, latestTask, PENDING_RENDER } from '../state/store';
import { useResultStatus } from '../editor/useResultStatus';
import { ActionButton, NumberField } from '../ui/controls';
import { formatEta, stageLabel } from '../ui/stages';

const DEVICES: { id: Device; label: string }[] = [
  { id: 'auto', label: 'Auto (best available)' },
  { id: 'cuda', label: 'CUDA (NVIDIA)' },
  { id: 'dml', label: 'DirectML (Windows)' },
  { id: 'coreml', label: 'CoreML (macOS)' },
  { id: 'webgpu', label: 'WebGPU' },
  { id: 'cpu', label: 'CPU' },
];

const OUTPAINT_PRESETS: { label: string; scaleH: number; scaleW: number }[] = [
  { label: '4:3 → 16:9', scaleH: 1, scaleW: 1.333 },
  { label: '16:9 → 21:9', scaleH: 1, scaleW: 1.3125 },
  { label: '9:16 → 1:1', scaleH: 1, scaleW: 1.778 },
  { label: '+10 % all round', scaleH: 1.2, scaleW: 1.2 },
];

/** The engines' default: the source scaled to fit 960x540, rounded to a multiple of 8 (issue 4). */
function defaultProcessingSize(doc: ProjectDoc): { width: number; height: number } {
  const fit = Math.min(1, 960 / doc.source.width, 540 / doc.source.height);
  const round8 = (v: number) => Math.max(16, Math.round((v * fit) / 8) * 8);
  return { width: round8(doc.source.width), height: round8(doc.source.height) };
}


function EngineStatus() {
  const models = useEditorState((s) => s.models);
  const download = useEditorState((s) => latestTask(s, 'download')?.task ?? null);
  const pp = models?.engines.find((e) => e.id === 'propainter');
  return (
    <div className="engine-status" data-testid="engine-status">
      <div className="ready">● Classic — ready, no model files needed</div>
      {pp ? (
        <div className={pp.ready ? 'ready' : 'not-ready'} data-testid="propainter-status" title={pp.detail}>
          {pp.ready ? '● ProPainter — ready' : '○ ProPainter — not ready'}
        </div>
      ) : (
        <div className="hint">ProPainter: model status unknown</div>
      )}
      {pp && !pp.ready && <div className="hint">{pp.detail}</div>}
      <div className="row wrap">
        <span className="key">Models</span>
        <ActionButton id="import-models" testId="import-models">
          Import…
        </ActionButton>
        <ActionButton id="download-models" testId="download-models" disabled={isActive(download)}>
          Download…
        </ActionButton>
      </div>
      {download && isActive(download) && (
        <div className="row">
          <div className="progress" style={{ flex: 1 }}>
            <div style={{ width: `${download.progress?.total ? (100 * download.progress.done) / download.progress.total : 0}%` }} />
          </div>
          <span className="hint ellipsis">{download.progress?.stage || 'starting…'}</span>
        </div>
      )}
    </div>
  );
}

function Settings({ doc, running }: { doc: ProjectDoc; running: boolean }) {
  const { ops } = useEditor();
  const models = useEditorState((s) => s.models);
  const ppReady = models?.engines.find((e) => e.id === 'propainter')?.ready ?? false;
  const e = doc.engine;
  const auto = e.processingSize === null;
  return (
    <>
      <div className="row">
        <span className="key">Engine</span>
        <select value={e.id} disabled={running} data-testid="engine-select" onChange={(ev) => updateEngine(ops, 'Engine', { id: ev.currentTarget.value as 'classic' | 'propainter' })}>
          <option value="classic">Classic (optical flow)</option>
          <option value="propainter" disabled={!ppReady}>
            ProPainter{ppReady ? '' : ' (not ready)'}
          </option>
        </select>
      </div>
      {e.id === 'propainter' && (
        <div className="row">
          <span className="key">Device</span>
          <select value={e.device} disabled={running} data-testid="device-select" onChange={(ev) => updateEngine(ops, 'Device', { device: ev.currentTarget.value as Device })}>
            {DEVICES.map((d) => (
              <option key={d.id} value={d.id}>
                {d.label}
              </option>
            ))}
          </select>
          <label title="Half-precision models where the device supports them (faster, less memory)">
            <input type="checkbox" checked={e.fp16} disabled={running} onChange={() => updateEngine(ops, 'fp16', { fp16: !e.fp16 })} />
            fp16
          </label>
        </div>
      )}
      <div className="row wrap">
        <span className="key">Processing</span>
        <label>
          <input
            type="checkbox"
            checked={auto}
            disabled={running}
            onChange={() =>
              updateEngine(ops, 'Processing size', { processingSize: auto ? defaultProcessingSize(doc) : null })
            }
          />
          Auto
        </label>
        {e.processingSize && (
          <>
            <NumberField value={e.processingSize.width} min={16} max={8192} step={8} width={58} disabled={running} title="Processing width" onCommit={(v) => updateEngine(ops, 'Processing size', { processingSize: { ...e.processingSize!, width: Math.round(v) } })} />
            ×
            <NumberField value={e.processingSize.height} min={16} max={8192} step={8} width={58} disabled={running} title="Processing height" onCommit={(v) => updateEngine(ops, 'Processing size', { processingSize: { ...e.processingSize!, height: Math.round(v) } })} />
          </>
        )}
        {auto && <span className="hint">fit 960×540</span>}
      </div>
      <div className="row">
        <span className="key">Mask dilation</span>
        <NumberField value={e.maskDilation} min={0} max={32} width={52} disabled={running} title="Grow the hole by this many pixels at processing size before filling" onCommit={(v) => updateEngine(ops, 'Mask dilation', { maskDilation: Math.round(v) })} />
        <span className="hint">px</span>
      </div>
      <div className="row wrap">
        <span className="key">Outpaint</span>
        <label title="Extend the frame instead of removing masked objects">
          <input type="checkbox" checked={doc.outpaint.enabled} disabled={running} data-testid="outpaint-toggle" onChange={() => updateOutpaint(ops, 'Outpaint', { enabled: !doc.outpaint.enabled })} />
          Extend canvas
        </label>
      </div>
      {doc.outpaint.enabled && (
        <div className="row wrap">
          <span className="key">Scale H × W</span>
          <NumberField value={doc.outpaint.scaleH} min={1} max={4} step={0.05} width={54} disabled={running} onCommit={(v) => updateOutpaint(ops, 'Outpaint scale', { scaleH: v })} />×
          <NumberField value={doc.outpaint.scaleW} min={1} max={4} step={0.05} width={54} disabled={running} onCommit={(v) => updateOutpaint(ops, 'Outpaint scale', { scaleW: v })} />
          <select
            value=""
            disabled={running}
            title="Presets"
            onChange={(ev) => {
              const p = OUTPAINT_PRESETS[Number(ev.currentTarget.value)];
              if (p) updateOutpaint(ops, 'Outpaint preset', { scaleH: p.scaleH, scaleW: p.scaleW });
            }}
          >
            <option value="">Preset…</option>
            {OUTPAINT_PRESETS.map((p, i) => (
              <option key={p.label} value={i}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
      )}
    </>
  );
}

/** The current render's progress: what it is doing, frames finished, speed and time left. */
function RenderProgress() {
  const { media } = useEditor();
  const entry = useEditorState((s) => latestTask(s, 'render'));
  // Re-rendered with every batch of streamed frames, as the finished count arrives.
  useEditorState((s) => s.resultsVersion);
  if (!entry) return null;
  const { task } = entry;
  const p = task.progress;
  const total = task.detail.totalFrames;
  const done = task.state === 'done' ? total : Math.max(task.detail.finishedFrames, media.results.count);
  const pending = task.taskId === PENDING_RENDER;
  // After the last frame the job may still copy the frames outside the range and close the file:
  // the stage says so, rather than a counter that looks finished.
  const doing = p && p.stage !== 'encode' ? `${stageLabel(p.stage)}${p.total > 1 ? ` ${p.done}/${p.total}` : ''}` : stageLabel('encode');
  return (
    <div data-testid="job-progress" data-state={pending ? 'starting' : task.state} data-finished={done} data-total={total}>
      <div className="row">
        <div className={`progress${task.state === 'done' ? ' ok' : ''}`} style={{ flex: 1 }}>
          <div style={{ width: `${total ? (100 * done) / total : 0}%` }} />
        </div>
        <span className="count">
          {done}/{total}
        </span>
      </div>
      <div className="hint" data-testid="job-stage">
        {task.state === 'done'
          ? `Done in ${task.seconds?.toFixed(1) ?? '?'} s on ${task.detail.device ?? 'cpu'} (${task.detail.engine})${task.detail.reusedFrames ? `; ${task.detail.reusedFrames} unchanged frames kept from the last run` : ''}.`
          : task.state === 'cancelled'
            ? 'Cancelled.'
            : task.state === 'failed'
              ? 'Failed.'
              : pending || task.state === 'queued'
                ? 'Starting…'
                : `${doing} · ${entry.fps ? `${entry.fps.toFixed(1)} frames/s` : '— frames/s'} · ETA ${formatEta(entry.etaSec)}${task.detail.device ? ` · ${task.detail.device}` : ''}`}
      </div>
      {entry.notices.map((n, i) => (
        <div className="notice-line" key={i} data-testid="job-notice">
          {n}
        </div>
      ))}
      {task.state === 'failed' && task.message && (
        <div className="error-line" data-testid="job-error">
          {task.message}
        </div>
      )}
    </div>
  );
}

/** The current export's progress: frames written of the whole clip, time left, where it went. */
function ExportProgress() {
  const entry = useEditorState((s) => latestTask(s, 'export'));
  if (!entry) return null;
  const exporting = entry.task;
  const p = exporting.progress;
  const active = isActive(exporting);
  return (
    <div data-testid="export-progress" data-state={exporting.state}>
      <div className="row">
        <div className={`progress${exporting.state === 'done' ? ' ok' : ''}`} style={{ flex: 1 }}>
          <div style={{ width: `${exporting.state === 'done' ? 100 : p?.total ? (100 * p.done) / p.total : 0}%` }} />
        </div>
        <span className="count" data-testid="export-count">
          {active ? (p ? `${p.done}/${p.total}` : 'starting…') : exporting.state}
        </span>
      </div>
      {active && p && <div className="hint">Exporting · ETA {formatEta(entry.etaSec)}</div>}
      {exporting.state === 'done' && (
        <div className="hint ellipsis" style={{ userSelect: 'text' }} title={exporting.detail.path}>
          {exporting.detail.path}
        </div>
      )}
      {exporting.message && exporting.state !== 'done' && exporting.state !== 'cancelled' && <div className="error-line">{exporting.message}</div>}
    </div>
  );
}

function ExportSettings({ doc }: { doc: ProjectDoc }) {
  const { ops } = useEditor();
  const ex = doc.export;
  return (
    <div className="panel">
      <div className="panel-header">Export</div>
      <div className="panel-body">
        <div className="row">
          <span className="key">Format</span>
          <select value={ex.format} data-testid="export-format" onChange={(e) => updateExport(ops, 'Export format', { format: e.currentTarget.value as ExportFormat })}>
            <option value="h264">H.264 (MP4)</option>
            <option value="h265">H.265 / HEVC (MP4)</option>
            <option value="prores">ProRes 422 (MOV)</option>
            <option value="png">PNG sequence</option>
          </select>
        </div>
        {(ex.format === 'h264' || ex.format === 'h265') && (
          <div className="row">
            <span className="key">Quality (CRF)</span>
            <NumberField value={ex.crf} min={0} max={51} width={52} title="Lower is better; 18 is visually lossless for most footage" onCommit={(v) => updateExport(ops, 'Export quality', { crf: Math.round(v) })} />
          </div>
        )}
        <div className="row">
          <span className="key">Masks</span>
          <ActionButton id="export-masks">Export masks…</ActionButton>
        </div>
      </div>
    </div>
  );
}

/** The settings that scroll with the side panel. */
export function JobPanel() {
  const doc = useEditorState((s) => s.history?.doc ?? null);
  const running = useEditorState((s) => isActive(latestTask(s, 'render')?.task));
  if (!doc) return null;
  return (
    <>
      <div className="panel">
        <div className="panel-header">Remove objects</div>
        <div className="panel-body">
          <EngineStatus />
          <Settings doc={doc} running={running} />
        </div>
      </div>
      <ExportSettings doc={doc} />
    </>
  );
}

/** Run, Cancel and Export with their progress: below the scrolling settings, always in view. */
export function RunBar() {
  const editor = useEditor();
  const doc = useEditorState((s) => s.history?.doc ?? null);
  const running = useEditorState((s) => isActive(latestTask(s, 'render')?.task));
  const ready = useEditorState((s) => latestTask(s, 'render')?.task.state === 'done' || (!!s.keptResultId && !isActive(latestTask(s, 'render')?.task)));
  const exporting = useEditorState((s) => isActive(latestTask(s, 'export')?.task));
  const online = useEditorState((s) => s.connection !== 'offline');
  const status = useResultStatus();
  if (!doc) return null;
  const ex = doc.export;
  const n = doc.range.out - doc.range.in + 1;
  // With results kept from an earlier run, a run makes only the frames that changed.
  const runs = status && status.current > 0 ? (status.toRedo === 0 ? 'up to date' : `${status.toRedo} of ${n} frames`) : `${n} frames`;
  return (
    <div className="run-bar" data-testid="run-bar">
      <RenderProgress />
      <ExportProgress />
      <div className="row">
        {/* The count may wrap under "Run": Cancel and Export keep their whole width. */}
        <ActionButton id="run-inpaint" className="primary run" testId="run-inpaint" disabled={running}>
          {doc.outpaint.enabled ? 'Run outpaint' : 'Run'} <span className="run-count">({runs})</span>
        </ActionButton>
        <ActionButton id="cancel-job" testId="cancel-job" disabled={!running}>
          Cancel
        </ActionButton>
        <span className="spacer" />
        <button
          className="primary"
          data-testid="export-video"
          disabled={!ready || exporting || !online}
          title={ready ? editor.tooltip('export-video') : 'Run the removal first; export writes its result at full quality'}
          onClick={() => void editor.commands.exportResult(ex.format, ex.crf, null)}
        >
          Export…
        </button>
      </div>
    </div>
  );
}
