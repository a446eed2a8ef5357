/** Status bar: project, engine readiness, active device, job progress, frame cache, mask coverage. */
import { useEditor, useEditorState } from '../editor/context';
import { isActive, latestTask } from '../state/store';
import { stageLabel } from '../ui/stages';

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

export function StatusBar() {
  const { ops, media } = useEditor();
  const doc = useEditorState((s) => s.history?.doc ?? null);
  const path = useEditorState((s) => s.projectPath);
  const dirty = useEditorState(() => ops.isDirty());
  const models = useEditorState((s) => s.models);
  const job = useEditorState((s) => latestTask(s, 'render')?.task ?? null);
  useEditorState((s) => s.resultsVersion); // the finished count below follows the streamed frames
  const cache = useEditorState((s) => s.frameCache);
  const proxy = useEditorState((s) => s.media?.proxy ?? null);
  const pp = models?.engines.find((e) => e.id === 'propainter');
  const device = job?.detail.device ?? (doc?.engine.id === 'propainter' ? doc.engine.device : 'cpu');
  const running = isActive(job);
  const total = job?.detail.totalFrames ?? 0;
  return (
    <div className="statusbar" data-testid="status-bar">
      <span title={path ?? 'Not saved yet'}>
        {path ? baseName(path) : doc ? 'Untitled project' : 'No project'}
        {dirty ? ' •' : ''}
      </span>
      {doc && (
        <span>
          {doc.source.width}×{doc.source.height} · {(doc.source.fps.num / doc.source.fps.den).toFixed(3).replace(/\.?0+$/, '')} fps · {doc.source.frameCount} frames
          {proxy && (proxy.width !== doc.source.width || proxy.height !== doc.source.height) ? ` · proxy ${proxy.width}×${proxy.height}` : ''}
        </span>
      )}
      {cache && cache.cached < cache.total && <span>Caching frames {Math.round((100 * cache.cached) / cache.total)} %</span>}
      <span className="spacer" />
      <span className="ok" title="The classic engine needs no model files">Classic ✓</span>
      <span className={pp?.ready ? 'ok' : 'warn'} title={pp?.detail ?? ''} data-testid="status-propainter">
        ProPainter {pp ? (pp.ready ? '✓' : '✗') : '?'}
      </span>
      <span title="Execution device of the running (or last) job" data-testid="status-device">
        Device: {device}
      </span>
      {job && (
        <span data-testid="status-job">
          {running ? (media.results.count < total ? `Removing… ${media.results.count}/${total}` : `${stageLabel(job.progress?.stage)}…`) : job.state === 'done' ? `Result ready (${total} frames)` : `Job ${job.state}`}
        </span>
      )}
    </div>
  );
}
