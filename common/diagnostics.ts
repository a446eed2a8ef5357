/**
 * The diagnostics report (`cleanplate doctor`, the About box) as lines a person can paste into a bug
 * report: one function, so the CLI and the app print the same text.
 */
import type { Diagnostics } from './contract/types';

export function formatDiagnostics(d: Diagnostics): string[] {
  const tool = (name: string, t: Diagnostics['ffmpeg']) =>
    t.error ? `${name}: not usable: ${t.error}` : `${name}: ${t.version ?? 'unknown version'} at ${t.path} (from ${t.origin})`;
  const ort = d.onnxruntime;
  return [
    `Cleanplate ${d.app} on ${d.platform}`,
    tool('ffmpeg', d.ffmpeg),
    tool('ffprobe', d.ffprobe),
    ort.error ? `onnxruntime-node: ${ort.version ?? 'missing'}: ${ort.error}` : `onnxruntime-node: ${ort.version}`,
    ...ort.providers.map((p) => `  execution provider ${p.name}: ${p.loads ? 'loads' : `does not load: ${p.detail}`}`),
    `models: ProPainter ${d.models.propainter} (${d.models.dir})`,
    `data folder: ${d.dataFolder}`,
    `Node ${d.node}; Electron ${d.electron ?? 'not installed'}`,
  ];
}
