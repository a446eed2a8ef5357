/**
 * The ProPainter engine behind the InpaintEngine interface: opens the contract's ONNX graphs on the
 * best execution provider that starts (providers.ts, sessions.ts) and streams a job through the
 * orchestrator (orchestrator.ts). Notices raised while opening (a provider that failed, fp16 not
 * used) are delivered at the start of the run, when the job's context exists.
 */
import { listSupportedBackends } from 'onnxruntime-node';
import { UserError } from '../../../../common/errors';
import type { EngineContext, EngineOptions, FilledFrame, InpaintEngine, ProcFrame } from '../../types';
import { ProPainterOrchestrator, type BufferSizes } from './orchestrator';
import { cudaProviderInstalled, onnxruntimeBindingDir, type ProviderEnvironment } from './providers';
import { loadModelSet, ortSessionFactory, type SessionFactory } from './sessions';

export interface ProPainterDeps {
  /** Opens one graph on one provider (tests inject a runner that fails like a GPU out of memory). */
  createSession?: SessionFactory;
  /** What onnxruntime offers here (tests simulate other machines). */
  environment?: ProviderEnvironment;
  /** Receives each run's peak buffer sizes (frames held per buffer). */
  onBuffers?: (peak: BufferSizes) => void;
}

export function currentProviderEnvironment(): ProviderEnvironment {
  return { platform: process.platform, backends: listSupportedBackends(), cudaInstalled: cudaProviderInstalled(onnxruntimeBindingDir()) };
}

export async function createProPainterEngine(options: EngineOptions, deps: ProPainterDeps = {}): Promise<InpaintEngine> {
  const pending: string[] = [];
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
      const orchestrator = new ProPainterOrchestrator(
        (graph, feeds) => {
          ctx.signal.throwIfAborted();
          return models.run(graph, feeds);
        },
        options.propainter,
        ctx,
      );
      try {
        yield* orchestrator.process(frames);
      } finally {
        deps.onBuffers?.(orchestrator.peak);
      }
    },
    dispose: () => models.release(),
  };
}
