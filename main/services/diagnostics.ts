/**
 * What a bug report needs, gathered once for `cleanplate doctor` and the app's About box: the app's
 * version, ffmpeg and ffprobe (path, where they were found, version), onnxruntime and the execution
 * providers that load here (engine/diagnostics.ts, run where onnxruntime may load), the models'
 * state, the data folder, and the Node and Electron versions. common/diagnostics.ts prints it.
 */
import { createRequire } from 'node:module';
import type { Diagnostics } from '../../common/contract/types';
import type { EngineDiagnostics } from '../engine/diagnostics';
import { locateFfmpeg, runTool } from '../media/index';
import { modelsStatus } from '../models/index';
import type { EnginePool } from './engine-pool';
import { requestInEngine } from './engine-request';

/** "ffmpeg version 6.1.1-static https://…" -> "6.1.1-static". */
export function toolVersion(output: string): string | null {
  return /\bversion (\S+)/.exec(output)?.[1] ?? null;
}

async function tool(name: 'ffmpeg' | 'ffprobe'): Promise<Diagnostics['ffmpeg']> {
  try {
    const found = locateFfmpeg();
    const version = toolVersion(await runTool(name, ['-hide_banner', '-version'], { timeoutMs: 15_000 }).catch(async () => runTool(name, ['-version'], { timeoutMs: 15_000 })));
    return { path: found[name], origin: found.origin[name], version, error: null };
  } catch (err) {
    return { path: null, origin: null, version: null, error: err instanceof Error ? err.message : String(err) };
  }
}

function electronVersion(): string | null {
  if (process.versions.electron) return process.versions.electron;
  try {
    return `${(createRequire(__filename)('electron/package.json') as { version: string }).version} (installed, not running)`;
  } catch {
    return null;
  }
}

export async function gatherDiagnostics(o: { appVersion: string; userDataDir: string; modelsDir: string; engine: () => Promise<EngineDiagnostics> }): Promise<Diagnostics> {
  const [ffmpeg, ffprobe, engine, models] = await Promise.all([
    tool('ffmpeg'),
    tool('ffprobe'),
    o.engine().catch((err: unknown) => ({ onnxruntime: { version: null, providers: [], error: err instanceof Error ? err.message : String(err) } })),
    modelsStatus(o.modelsDir).catch(() => null),
  ]);
  const propainter = models?.engines.find((e) => e.id === 'propainter');
  return {
    app: o.appVersion,
    ffmpeg,
    ffprobe,
    onnxruntime: engine.onnxruntime,
    models: { dir: o.modelsDir, propainter: propainter ? (propainter.ready ? 'ready' : `not ready: ${propainter.detail}`) : 'unknown' },
    dataFolder: o.userDataDir,
    node: process.versions.node,
    electron: electronVersion(),
    platform: `${process.platform}-${process.arch}`,
  };
}

/** onnxruntime's version and which providers load, checked in an engine process (never in the host). */
export function engineDiagnosticsInEngine(engines: EnginePool): Promise<EngineDiagnostics> {
  return requestInEngine(engines, {
    label: 'diagnose',
    message: (jobId) => ({ type: 'diagnose', jobId }),
    answer: (m, jobId) => (m.type === 'diagnosed' && m.jobId === jobId ? m.result : undefined),
    stopped: 'The engine process stopped before reporting.',
  });
}
