/**
 * The ProPainter model set as onnxruntime sessions: finds the files (fp32, or fp16 where asked for
 * and the provider runs it), opens them on the first execution provider that starts, and checks
 * every session against the model contract so a wrong file fails with one line naming it.
 * Session creation and running go through a SessionFactory so tests can inject a runner.
 */
import * as ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../../../common/errors';
import type { Device } from '../../../../common/project/schema';
import { CONTRACT_VERSION, GRAPH_NAMES, GRAPHS, graphFileName, type GraphName, type Precision } from '../../../models/contract';
import { portableModelBytes } from '../../../models/builder/portable-model';
import { manifestFor } from '../../../models/manifest';
import { requireModelFiles } from '../../../models/status';
import { checkModelFile } from '../../../models/verify';
import { openWithFallback, providerCandidates, providerLabel, supportsFp16, type ProviderEnvironment, type ProviderName } from './providers';

export type Feeds = Record<string, ort.Tensor>;
export type Fetches = Record<string, ort.Tensor>;

export interface GraphSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Types and shapes as the file declares them, when the runtime reports them. */
  readonly inputMetadata?: readonly ort.InferenceSession.ValueMetadata[];
  run(feeds: Feeds): Promise<Fetches>;
  release(): Promise<void>;
}

export type SessionFactory = (file: string, provider: ProviderName) => Promise<GraphSession>;

/**
 * What a session opens: the file itself on the CPU; on a GPU provider the model with DeformConv and
 * Col2Im replaced by their exact rewrites (portable-model.ts), because no GPU provider has kernels for
 * them and onnxruntime would run those nodes on the CPU, copying tensors across at every call. The
 * files keep the native operators, which the CPU runs faster.
 */
export async function sessionSource(file: string, provider: ProviderName): Promise<string | Uint8Array> {
  if (provider === 'cpu') return file;
  return portableModelBytes(await readFile(file));
}

/**
 * Real onnxruntime sessions; nodes the provider cannot run fall back to the CPU inside the session.
 * The CPU memory arena is off: each of the ten sessions would otherwise keep its own peak
 * allocation forever (measured on the fixtures at 432x240: 1.8 GB RSS with arenas, 0.55 GB without,
 * and no slower). Intra-op threads do not spin between operators: the orchestrator calls many small
 * steps, and spinning threads starved everything else on a busy 2-core machine (the fixture pipeline
 * ran 5x faster without it there).
 */
export const ortSessionFactory: SessionFactory = async (file, provider) => {
  const source = await sessionSource(file, provider);
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    enableCpuMemArena: false,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  const session = typeof source === 'string' ? await ort.InferenceSession.create(source, options) : await ort.InferenceSession.create(source, options);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata,
    run: (feeds) => session.run(feeds) as Promise<Fetches>,
    release: () => session.release(),
  };
};

/**
 * onnxruntime reports device memory exhaustion differently per provider (CUDA's BFC arena, cuDNN,
 * DirectML's E_OUTOFMEMORY, WebGPU buffer allocation); these are the texts it uses.
 */
export function isOutOfMemoryError(err: unknown): boolean {
  const text = err instanceof Error ? err.message : String(err);
  return /out of memory|failed to allocate memory|bfcarena|e_outofmemory|0x8007000e|cudnn_status_alloc_failed|cudaErrorMemoryAllocation|insufficient memory|not enough memory|buffer allocation failed/i.test(text);
}

/** Checks a session's inputs and outputs against the contract; throws a one-line UserError naming the file. */
export function checkAgainstContract(graph: GraphName, file: string, session: GraphSession): void {
  const spec = GRAPHS[graph];
  const name = path.basename(file);
  const fix = 'build them again from the weights (Download models… in the app, or: cleanplate models download)';
  for (const input of spec.inputs) {
    if (!session.inputNames.includes(input.name)) throw new UserError('bad-input', `${name} does not match model contract v${CONTRACT_VERSION}: it has no input "${input.name}"; ${fix}`);
    const meta = session.inputMetadata?.find((m) => m.name === input.name);
    if (meta && meta.isTensor) {
      if (meta.type !== input.type) throw new UserError('bad-input', `${name} does not match model contract v${CONTRACT_VERSION}: input "${input.name}" is ${meta.type}, expected ${input.type}; ${fix}`);
      if (meta.shape.length !== input.shape.length)
        throw new UserError('bad-input', `${name} does not match model contract v${CONTRACT_VERSION}: input "${input.name}" has ${meta.shape.length} dimensions, expected ${input.shape.length}; ${fix}`);
    }
  }
  const extra = session.inputNames.find((n) => !spec.inputs.some((i) => i.name === n));
  if (extra) throw new UserError('bad-input', `${name} does not match model contract v${CONTRACT_VERSION}: unexpected input "${extra}"; ${fix}`);
  for (const output of spec.outputs)
    if (!session.outputNames.includes(output.name)) throw new UserError('bad-input', `${name} does not match model contract v${CONTRACT_VERSION}: it has no output "${output.name}"; ${fix}`);
}

export class ModelSet {
  constructor(
    readonly provider: ProviderName,
    readonly precision: Record<GraphName, Precision>,
    private readonly sessions: Record<GraphName, GraphSession>,
  ) {}

  /**
   * The processing size the files were exported for, when the converter had to fix it (the
   * contract wants dynamic sizes); null when H and W are dynamic. Read from raft's image1 [N,3,H,W].
   */
  fixedSize(): { width: number; height: number } | null {
    const dims = this.sessions.raft.inputMetadata?.find((m) => m.name === 'image1');
    if (!dims || !dims.isTensor) return null;
    const [, , h, w] = dims.shape;
    return typeof h === 'number' && typeof w === 'number' ? { width: w, height: h } : null;
  }

  async run(graph: GraphName, feeds: Feeds): Promise<Fetches> {
    return this.sessions[graph].run(feeds);
  }

  async release(): Promise<void> {
    await Promise.all(Object.values(this.sessions).map((s) => s.release().catch(() => undefined)));
  }
}

export interface LoadOptions {
  dir: string | null;
  device: Device;
  fp16: boolean;
  env: ProviderEnvironment;
  createSession: SessionFactory;
  notice(message: string): void;
}

export async function loadModelSet(opts: LoadOptions): Promise<ModelSet> {
  const fp32Files = GRAPH_NAMES.map((g) => graphFileName(g, 'fp32'));
  const paths = await requireModelFiles(opts.dir, fp32Files);
  const dir = opts.dir!;

  // fp16 files are optional: used where present, intact, and the provider runs half precision.
  const manifest = await manifestFor(dir);
  const fp16Available = new Set<GraphName>();
  if (opts.fp16) {
    for (const g of GRAPH_NAMES) {
      if (!GRAPHS[g].fp16) continue;
      const entry = manifest.files.find((f) => f.file === graphFileName(g, 'fp16'));
      if (entry && (await checkModelFile(dir, entry, { hash: false })).state === 'ok') fp16Available.add(g);
    }
  }

  const candidates = providerCandidates(opts.device, opts.env);
  const { provider, value } = await openWithFallback(
    candidates,
    async (p) => {
      const half = opts.fp16 && supportsFp16(p);
      const precision = {} as Record<GraphName, Precision>;
      const sessions = {} as Record<GraphName, GraphSession>;
      try {
        for (const g of GRAPH_NAMES) {
          precision[g] = half && fp16Available.has(g) ? 'fp16' : 'fp32';
          const file = precision[g] === 'fp16' ? path.join(dir, graphFileName(g, 'fp16')) : paths[graphFileName(g, 'fp32')]!;
          sessions[g] = await opts.createSession(file, p);
          checkAgainstContract(g, file, sessions[g]);
        }
      } catch (err) {
        await Promise.all(Object.values(sessions).map((s) => s.release().catch(() => undefined)));
        throw err;
      }
      return { precision, sessions };
    },
    opts.notice,
  );
  if (opts.fp16) {
    if (!supportsFp16(provider)) opts.notice(`fp16 is not used on the ${providerLabel(provider)} (as in the official inference); running in fp32`);
    else if (fp16Available.size === 0) opts.notice('the fp16 model files are not installed; running in fp32');
  }
  return new ModelSet(provider, value.precision, value.sessions);
}
