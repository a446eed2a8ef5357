/**
 * The About box's body: what `cleanplate doctor` prints (the host gathers it for `app.about`, the same
 * lines through common/diagnostics), ready to copy into a bug report, and the frame cache's size
 * limit (a user setting; the host removes the least recently used frames beyond it).
 */
import { useEffect, useState } from 'react';
import { FRAME_CACHE_LIMIT_MB } from '../../common/contract/settings';
import { formatDiagnostics } from '../../common/diagnostics';
import { ContractError } from '../bridge';
import { useEditor } from '../editor/context';

const MB = 1024 * 1024;

function failure(err: unknown): string {
  return err instanceof ContractError ? err.message : 'The host did not answer; its log has the details.';
}

export function AboutReport() {
  const editor = useEditor();
  const api = editor.host.api;
  const [report, setReport] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [usage, setUsage] = useState<{ usedBytes: number; frames: number } | null>(null);
  const [limitMB, setLimitMB] = useState('');
  const [note, setNote] = useState('');

  useEffect(() => {
    let live = true;
    api.app.about().then(
      (d) => live && setReport(formatDiagnostics(d).join('\n')),
      (err: unknown) => live && setError(failure(err)),
    );
    Promise.all([api.settings.get(), api.media.cacheUsage()]).then(
      ([settings, used]) => {
        if (!live) return;
        setLimitMB(String(settings.frameCacheLimitMB));
        setUsage(used);
      },
      () => undefined, // the report above says what is wrong with the host
    );
    return () => void (live = false);
  }, [api]);

  const applyLimit = async () => {
    try {
      const settings = await api.settings.update({ frameCacheLimitMB: Number(limitMB) });
      setLimitMB(String(settings.frameCacheLimitMB));
      setUsage(await api.media.cacheUsage());
      setNote('Saved.');
    } catch (err) {
      setNote(failure(err));
    }
  };

  return (
    <>
      {error ? (
        <div data-testid="about-error">{error}</div>
      ) : (
        <pre className="about-report" data-testid="about-report">
          {report ?? 'Checking ffmpeg, onnxruntime and the models…'}
        </pre>
      )}
      {report && (
        <div>
          <button
            data-testid="about-copy"
            onClick={() =>
              void navigator.clipboard?.writeText(report).then(
                () => setNote('Copied.'),
                () => setNote('Select the text and copy it.'),
              )
            }
          >
            Copy report
          </button>
        </div>
      )}
      {usage && (
        <div className="about-cache" data-testid="about-cache">
          <span>
            Frame cache: {Math.round(usage.usedBytes / MB)} MB in {usage.frames} frames; limit
          </span>
          <input
            type="number"
            data-testid="about-cache-limit"
            min={FRAME_CACHE_LIMIT_MB.min}
            max={FRAME_CACHE_LIMIT_MB.max}
            step={256}
            value={limitMB}
            onChange={(e) => setLimitMB(e.currentTarget.value)}
            onKeyDown={(e) => e.key === 'Enter' && void applyLimit()}
          />
          <span>MB</span>
          <button data-testid="about-cache-apply" onClick={() => void applyLimit()}>
            Apply
          </button>
        </div>
      )}
      {note && <div className="hint">{note}</div>}
    </>
  );
}
