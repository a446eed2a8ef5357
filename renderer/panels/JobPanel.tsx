/**
 * Removal job and export: engine (with readiness and the model actions), device, fp16, processing
 * size, mask dilation, outpainting, run/cancel with streamed progress, and export of the result.
 * Settings are part of the project (saved, undoable).
 */
import type { Device, ExportFormat, ProjectDoc } from '../../common/project/schema';
import { updateEngine, updateExport, updateOutpaint } from '../edits';
import { useEditor, useEditorState } from '../editor/context';
import { isActive, latestTask, PENDING_RENDER } from '../state/store';
import { ActionButton, NumberField } from '../ui/controls';

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

function formatEta(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '—';
  if (sec < 60) return `${Math.ceil(sec)} s`;
  return `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`;
}

function EngineStatus() {
  const models = useEditorState((s) => s.models);
  const download = useEditorState((s) => latestTask(s, 'download')?.task ?? null);
  const pp = models?.engines.find((e) => e.id === 'propainter');
  return (
    <div className="engine-status" data-testid="engine-status">
      <div className="ready">● Classic — ready (no model files needed)</div>
      {pp ? (
        <div className={pp.ready ? 'ready' : 'not-ready'} data-testid="propainter-status">
          {pp.ready ? '● ProPainter — ready' : `○ ProPainter — not ready: ${pp.detail}`}
        </div>
      ) : (
        <div className="hint">ProPainter: model status unknown</div>
      )}
      <div className="row">
        <ActionButton id="import-models" testId="import-models">
          Import models folder…
        </ActionButton>
        <ActionButton id="download-models" testId="download-models" disabled={isActive(download)}>
          Download models…
        </ActionButton>
      </div>
      {download && isActive(download) && (
        <div className="row">
          <div className="progress" style={{ flex: 1 }}>
            <div style={{ width: `${download.progress?.total ? (100 * download.progress.done) / download.progress.total : 0}%` }} />
          </div>
          <span className="hint">{download.progress?.stage || 'starting…'}</span>
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

function Progress() {
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
  return (
    <div data-testid="job-progress" data-state={pending ? 'starting' : task.state} data-finished={done} data-total={total}>
      <div className="row">
        <div className={`progress${task.state === 'done' ? ' ok' : ''}`} style={{ flex: 1 }}>
          <div style={{ width: `${total ? (100 * done) / total : 0}%` }} />
        </div>
        <span>
          {done}/{total}
        </span>
      </div>
      <div className="hint">
        {task.state === 'done'
          ? `Done in ${task.seconds?.toFixed(1) ?? '?'} s on ${task.detail.device ?? 'cpu'} (${task.detail.engine}).`
          : task.state === 'cancelled'
            ? 'Cancelled.'
            : task.state === 'failed'
              ? 'Failed.'
              : `${p?.stage ?? 'starting'}${p && p.total ? ` ${p.done}/${p.total}` : ''} · ${entry.fps ? `${entry.fps.toFixed(1)} frames/s` : '— frames/s'} · ETA ${formatEta(entry.etaSec)}${task.detail.device ? ` · ${task.detail.device}` : ''}`}
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

function Export({ doc }: { doc: ProjectDoc }) {
  const editor = useEditor();
  const { ops } = editor;
  const render = useEditorState((s) => latestTask(s, 'render')?.task ?? null);
  const exporting = useEditorState((s) => latestTask(s, 'export')?.task ?? null);
  const ready = render?.state === 'done';
  const busy = isActive(exporting);
  const exportDone = exporting?.progress?.done ?? 0;
  const exportTotal = exporting?.progress?.total ?? render?.detail.totalFrames ?? 0;
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
          <button className="primary" data-testid="export-video" disabled={!ready || busy} title={ready ? editor.tooltip('export-video') : 'Run the removal first; export writes its result at full quality'} onClick={() => void editor.commands.exportResult(ex.format, ex.crf, null)}>
            Export…
          </button>
          <ActionButton id="export-masks">Export masks…</ActionButton>
        </div>
        {exporting && (
          <div data-testid="export-progress" data-state={exporting.state}>
            <div className="row">
              <div className={`progress${exporting.state === 'done' ? ' ok' : ''}`} style={{ flex: 1 }}>
                <div style={{ width: `${exporting.state === 'done' ? 100 : exportTotal ? (100 * exportDone) / exportTotal : 0}%` }} />
              </div>
              <span className="hint">{isActive(exporting) ? `${exportDone}/${exportTotal}` : exporting.state}</span>
            </div>
            {exporting.state === 'done' && <div className="hint" style={{ userSelect: 'text' }}>{exporting.detail.path}</div>}
            {exporting.message && exporting.state !== 'done' && <div className="error-line">{exporting.message}</div>}
          </div>
        )}
      </div>
    </div>
  );
}

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
          <div className="row">
            <ActionButton id="run-inpaint" className="primary" testId="run-inpaint" disabled={running}>
              {doc.outpaint.enabled ? 'Run outpaint' : 'Run'} ({doc.range.out - doc.range.in + 1} frames)
            </ActionButton>
            <ActionButton id="cancel-job" testId="cancel-job" disabled={!running}>
              Cancel
            </ActionButton>
          </div>
          <Progress />
        </div>
      </div>
      <Export doc={doc} />
    </>
  );
}
