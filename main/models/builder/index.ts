/**
 * ProPainter's ten contract graphs built from the official weights, in TypeScript: the product's one
 * conversion path (no Python on the user's machine). Each network file composes upstream's modules
 * from torch layers as ONNX nodes (raft.ts, flow-completion.ts, generator.ts); this module writes
 * them, fp32 and the contract's fp16 variants, into a folder.
 *
 *   buildProPainterModels(weights, outDir, { onProgress, signal })  -> the files it wrote
 *
 * The caller (main/models/build.ts) gives a staging folder and moves the set in atomically; here
 * every file is written under a temporary name first all the same, so a reader of the staging folder
 * never sees half a graph. One graph at a time is held as bytes: the builders reference the weights'
 * arrays without copying, so peak memory is the weights plus the largest graph (pp_transformer,
 * ~125 MB).
 */
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CONTRACT_VERSION, GRAPH_NAMES, GRAPHS, graphFileName, type GraphName, type Precision } from '../contract';
import { buildRfcDecoder, buildRfcEncoder, buildRfcPropBackward, buildRfcPropForward } from './flow-completion';
import { buildPpDecoder, buildPpEncoder, buildPpPropBackward, buildPpPropForward, buildPpTransformer } from './generator';
import type { GraphBuilder } from './onnx-graph';
import { buildRaft } from './raft';
import type { ProPainterWeights } from './weights';

/** DeformConv needs opset 19 (Col2Im 18). */
export const GRAPH_OPSET = 19;

export const GRAPH_BUILDERS: Record<GraphName, (weights: ProPainterWeights) => GraphBuilder> = {
  raft: buildRaft,
  rfc_encoder: buildRfcEncoder,
  rfc_prop_backward: buildRfcPropBackward,
  rfc_prop_forward: buildRfcPropForward,
  rfc_decoder: buildRfcDecoder,
  pp_encoder: buildPpEncoder,
  pp_prop_backward: buildPpPropBackward,
  pp_prop_forward: buildPpPropForward,
  pp_transformer: buildPpTransformer,
  pp_decoder: buildPpDecoder,
};

export interface BuildProgress {
  step: string;
  done: number;
  total: number;
}

export interface BuildModelsOptions {
  onProgress?: (p: BuildProgress) => void;
  signal?: AbortSignal;
  /** Which precisions to write (default both: the fp16 files exist for every graph the contract gives one). */
  precisions?: readonly Precision[];
  /** Text stored in each file's doc_string (where the weights came from). */
  docString?: string;
}

export interface BuiltGraph {
  file: string;
  graph: GraphName;
  precision: Precision;
  bytes: number;
}

/** The graph as ONNX bytes in the given precision. */
export function buildGraphBytes(name: GraphName, weights: ProPainterWeights, precision: Precision, docString = ''): Uint8Array {
  return GRAPH_BUILDERS[name](weights).toBytes({ opset: GRAPH_OPSET, precision, docString });
}

/** Writes every contract graph (fp32, then the fp16 variants) into `outDir`. */
export async function buildProPainterModels(weights: ProPainterWeights, outDir: string, opts: BuildModelsOptions = {}): Promise<BuiltGraph[]> {
  const precisions = opts.precisions ?? ['fp32', 'fp16'];
  const jobs: { graph: GraphName; precision: Precision }[] = [];
  for (const precision of precisions) for (const graph of GRAPH_NAMES) if (precision === 'fp32' || GRAPHS[graph].fp16) jobs.push({ graph, precision });
  const doc = opts.docString ?? `Cleanplate ProPainter contract v${CONTRACT_VERSION}`;
  const built: BuiltGraph[] = [];
  for (const [i, { graph, precision }] of jobs.entries()) {
    opts.signal?.throwIfAborted();
    opts.onProgress?.({ step: precision === 'fp16' ? `${graph} (fp16)` : graph, done: i, total: jobs.length });
    const bytes = buildGraphBytes(graph, weights, precision, `${doc}: ${graph} (${precision})`);
    const file = graphFileName(graph, precision);
    const target = path.join(outDir, file);
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, bytes, { signal: opts.signal });
    await rename(temporary, target);
    built.push({ file, graph, precision, bytes: bytes.byteLength });
    // let the event loop breathe between graphs (cancel and progress messages get through)
    await new Promise((resolve) => setImmediate(resolve));
  }
  opts.onProgress?.({ step: 'done', done: jobs.length, total: jobs.length });
  return built;
}
