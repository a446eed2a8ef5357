/**
 * The "Operators per execution provider" table of models/README.md, computed from built graphs:
 * for each graph and GPU provider, the operators the provider lacks (provider-operators.ts) and
 * what the product does about each. test/unit/provider-operators.test.ts checks that the README
 * holds exactly this table for the graphs the product builds; `npx tsx models/operators/provider-table.ts`
 * prints it.
 */
import type { onnx } from 'onnx-proto';
import { GPU_PROVIDERS, lackingOperators, PROVIDER_LABELS, type Lacking } from '../../main/models/builder/provider-operators';
import { portableModel } from '../../main/models/builder/portable-model';

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

/** Markdown: one row per graph, one column per provider, for the files as built and as portableModel() gives them to a GPU provider. */
export function providerTable(graphs: GraphModels[]): string {
  const header = `| graph | ${GPU_PROVIDERS.map((p) => PROVIDER_LABELS[p]).join(' | ')} |\n|---|${GPU_PROVIDERS.map(() => '---').join('|')}|\n`;
  const rows = (pick: (g: GraphModels) => onnx.IModelProto | undefined, label: string) =>
    graphs
      .filter((g) => pick(g))
      .map((g) => `| ${g.name}${label} | ${GPU_PROVIDERS.map((p) => cell(lackingOperators(pick(g)!, p))).join(' | ')} |`)
      .join('\n');
  return (
    `As built (the files on disk; the CPU provider runs every operator):\n\n${header}${rows((g) => g.fp32, '')}\n${rows((g) => g.fp16, ' (fp16)')}\n\n` +
    `As a GPU provider gets them (\`portableModel()\`):\n\n${header}${rows((g) => portableModel(g.fp32), '')}\n${rows((g) => (g.fp16 ? portableModel(g.fp16) : undefined), ' (fp16)')}\n`
  );
}
