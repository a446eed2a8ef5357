/**
 * The ProPainter engine behind the InpaintEngine interface: opens the contract's ONNX graphs on the
 * best execution provider that starts (providers.ts, sessions.ts) and streams a job through the
 * orchestrator (orchestrator.ts). Notices raised while opening (a provider that failed, fp16 not
 * used) are delivered at the start of the run, when the job's context exists.
 */
import { performance } from 'node:perf_hooks';
import { listSupportedBackends } from 'onnxruntime-node';
import { UserError } from '../../../../common/errors';
import type { EngineContext, EngineOptions, FilledFrame, InpaintEngine, ProcFrame } from '../../types';
import { ProPainterOrchestrator, type BufferSizes } from './orchestrator';
import { cudaProviderInstalled, onnxruntimeBindingDir, type ProviderEnvironment } from './providers';
import { loadModelSet, ortSessionFactory, type SessionFactory } from './sessions';
import { startTrace, traceSettingsFromEnv, type TraceSettings } from './trace';

export interface ProPainterDeps {
  /** Opens one graph on one provider (tests inject a runner that fails like a GPU out of memory). */
  createSession?: SessionFactory;
  /** What onnxruntime offers here (tests simulate other machines). */
  environment?: ProviderEnvironment;
  /** Receives each run's peak buffer sizes (frames held per buffer). */
  onBuffers?: (peak: BufferSizes) => void;
  /** The stage trace (trace.ts); by default from the environment. */
  trace?: TraceSettings | null;
}

export function currentProviderEnvironment(): ProviderEnvironment {
  return { platform: process.platform, backends: listSupportedBackends(), cudaInstalled: cudaProviderInstalled(onnxruntimeBindingDir()) };
}

export async function createProPainterEngine(options: EngineOptions, deps: ProPainterDeps = {}): Promise<InpaintEngine> {
  const pending: string[] = [];
  const traceSettings = deps.trace !== undefined ? deps.trace : traceSettingsFromEnv();
  const models = await loadModelSet({
    dir: options.modelsDir,
    device: options.device,
    fp16: options.fp16,
    env: deps.environment ?? currentProviderEnvironment(),
    createSession: deps.createSession ?? ortSessionFactory,
    notice: (m) => pending.push(m),
  });
  return {
    id: 'propainter',
    device: models.provider,
    async *run(frames: AsyncIterable<ProcFrame>, ctx: EngineContext): AsyncIterable<FilledFrame> {
      for (const m of pending.splice(0)) ctx.notice(m);
      const fixed = models.fixedSize();
      if (fixed && (fixed.width !== ctx.width || fixed.height !== ctx.height))
        throw new UserError('bad-input', `these ProPainter models were converted for ${fixed.width}x${fixed.height} only; set the processing size to ${fixed.width}x${fixed.height}, or convert them again with dynamic sizes`);
      const trace = traceSettings ? startTrace(traceSettings, ctx) : null;
      const orchestrator = new ProPainterOrchestrator(
        async (graph, feeds) => {
          ctx.signal.throwIfAborted();
          if (!trace) return models.run(graph, feeds);
          const started = performance.now();
          const cpu = process.cpuUsage();
          const out = await models.run(graph, feeds);
          const used = process.cpuUsage(cpu);
          trace.graph(graph, (performance.now() - started) / 1000, (used.user + used.system) / 1e6);
          return out;
        },
        options.propainter,
        ctx,
        trace?.observer,
      );
      const started = performance.now();
      let frameCount = 0;
      try {
        for await (const frame of orchestrator.process(frames)) {
          frameCount++;
          yield frame;
        }
        trace?.finish(orchestrator.seconds, frameCount, (performance.now() - started) / 1000);
      } finally {
        deps.onBuffers?.(orchestrator.peak);
      }
    },
    dispose: () => models.release(),
  };
}
