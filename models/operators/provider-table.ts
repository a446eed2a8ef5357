/**
 * The "Operators per execution provider" table of models/README.md, computed from built graphs:
 * for each graph and GPU provider, the operators the provider lacks (provider-operators.ts) and
 * what the product does about each. test/unit/provider-operators.test.ts checks that the README
 * holds exactly this table for the graphs the product builds; `npx tsx models/operators/provider-table.ts`
 * prints it.
 */
import path from 'node:path';
import type { onnx } from 'onnx-proto';
import { buildPpDecoder, buildPpEncoder, buildPpPropBackward, buildPpPropForward, buildPpTransformer } from '../../main/models/builder/generator';
import type { GraphBuilder } from '../../main/models/builder/onnx-graph';
import { portableModel } from '../../main/models/builder/portable-model';
import { convertToFp16 } from '../../main/models/builder/precision';
import { GPU_PROVIDERS, lackingOperators, PROVIDER_LABELS, type Lacking } from '../../main/models/builder/provider-operators';
import type { ProPainterWeights } from '../../main/models/builder/weights';
import { GRAPHS, type GraphName } from '../../main/models/contract';
import { randomProPainterWeights } from '../fixtures/random-weights';

/** The product's graph builders (the operators do not depend on the weights). */
const BUILDERS: Partial<Record<GraphName, (w: ProPainterWeights) => GraphBuilder>> = {
  pp_encoder: buildPpEncoder,
  pp_prop_backward: buildPpPropBackward,
  pp_prop_forward: buildPpPropForward,
  pp_transformer: buildPpTransformer,
  pp_decoder: buildPpDecoder,
};

/** Every graph the product builds, fp32 and (where the contract has one) fp16, from seeded weights. */
export function builtGraphs(opset = 19): GraphModels[] {
  const weights = randomProPainterWeights(1);
  return (Object.entries(BUILDERS) as [GraphName, (w: ProPainterWeights) => GraphBuilder][]).map(([name, build]) => {
    const g = build(weights);
    return { name, fp32: g.modelProto({ opset }), fp16: GRAPHS[name].fp16 ? convertToFp16(g.modelProto({ opset })) : undefined };
  });
}

export interface GraphModels {
  name: string;
  fp32: onnx.IModelProto;
  fp16?: onnx.IModelProto;
}

/** What the product does about an operator a provider lacks (by operator; shape arithmetic aside). */
export const REMEDIES: Record<string, string> = {
  DeformConv: 'rewritten: `portableModel()` replaces it with GridSample + a 1x1 Conv (exact) before a GPU session opens',
  Col2Im: 'rewritten: `portableModel()` replaces it with a ConvTranspose with a one-hot kernel (exact)',
  Loop: 'kept: the Loop runs in onnxruntime\'s CPU control-flow kernel and its body\'s nodes are placed on the provider; only the loop state crosses per iteration',
};

function cell(lacking: Lacking[]): string {
  const compute = lacking.filter((l) => l.data);
  const shape = lacking.filter((l) => !l.data);
  const parts = compute.map((l) => (l.reason === 'no kernel' ? `${l.op}` : `${l.op} (${l.reason})`));
  if (shape.length) parts.push(`shape arithmetic: ${shape.map((l) => l.op).join(', ')}`);
  return parts.length ? parts.join('; ') : '—';
}

/**
 * Markdown: one row per graph, one column per provider, for the files as built and as
 * portableModel() gives them to a GPU provider; fp16 files get a row only where they differ.
 */
export function providerTable(graphs: GraphModels[]): string {
  const header = `| graph | ${GPU_PROVIDERS.map((p) => PROVIDER_LABELS[p]).join(' | ')} |\n|---|${GPU_PROVIDERS.map(() => '---').join('|')}|\n`;
  const cells = (m: onnx.IModelProto) => GPU_PROVIDERS.map((p) => cell(lackingOperators(m, p))).join(' | ');
  const table = (form: (m: onnx.IModelProto) => onnx.IModelProto) =>
    header +
    graphs
      .flatMap((g) => {
        const fp32 = cells(form(g.fp32));
        const rows = [`| ${g.name} | ${fp32} |`];
        const fp16 = g.fp16 && cells(form(g.fp16));
        if (fp16 && fp16 !== fp32) rows.push(`| ${g.name} (fp16) | ${fp16} |`);
        return rows;
      })
      .join('\n');
  return `As built (the files on disk):\n\n${table((m) => m)}\n\nAs a GPU session gets them (\`portableModel()\`):\n\n${table(portableModel)}\n`;
}

if (process.argv[1]?.endsWith(path.join('operators', 'provider-table.ts'))) console.log(providerTable(builtGraphs()));
