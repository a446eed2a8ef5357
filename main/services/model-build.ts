/**
 * Building ProPainter's graphs from the downloaded or imported weights, for the app: the same step
 * the CLI runs in its own process (main/models/build.ts), here in an engine process, because reading
 * ~200 MB of weights and writing ~300 MB of graphs is seconds of CPU the main process must not spend.
 */
import type { BuildStep } from '../models/index';
import type { EnginePool } from './engine-pool';
import { requestInEngine } from './engine-request';

export function buildInEngine(engines: EnginePool): BuildStep {
  return (dir, opts) =>
    requestInEngine(engines, {
      label: 'build-models',
      message: (jobId) => ({ type: 'buildModels', jobId, dir }),
      answer: (m, jobId) => (m.type === 'modelsBuilt' && m.jobId === jobId ? m.result : undefined),
      stopped: 'The engine process stopped while building the ProPainter graphs; the weights are kept. Download again to build them.',
      cancelled: 'Building the ProPainter graphs was cancelled; download again to build them.',
      onProgress: (step, done, total) => opts.onProgress?.({ step, done, total }),
      signal: opts.signal,
    });
}
