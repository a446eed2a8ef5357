/**
 * The "Operators per execution provider" table of models/README.md, computed from built graphs:
 * for each graph and GPU provider, the operators the provider lacks (provider-operators.ts), as
 * built and as portableModel() hands them to a GPU session. test/unit/provider-table.test.ts checks that the README
 * holds exactly this table for the graphs the product builds; `npx tsx models/operators/provider-table.ts`
 * prints it, and with `--write` puts it into the README.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { onnx } from 'onnx-proto';
import { GRAPH_BUILDERS } from '../../main/models/builder/index';
import type { GraphBuilder } from '../../main/models/builder/onnx-graph';
import { portableModel } from '../../main/models/builder/portable-model';
import { convertToFp16 } from '../../main/models/builder/precision';
import { GPU_PROVIDERS, lackingOperators, PROVIDER_LABELS, type Lacking } from '../../main/models/builder/provider-operators';
import type { ProPainterWeights } from '../../main/models/builder/weights';
import { GRAPHS, type GraphName } from '../../main/models/contract';
import { randomProPainterWeights } from '../fixtures/random-weights';

/** Every graph the product builds, fp32 and (where the contract has one) fp16, from seeded weights. */
export function builtGraphs(opset = 19): GraphModels[] {
  const weights = randomProPainterWeights(1);
  return (Object.entries(GRAPH_BUILDERS) as [GraphName, (w: ProPainterWeights) => GraphBuilder][]).map(([name, build]) => {
    const g = build(weights);
    return { name, fp32: g.modelProto({ opset }), fp16: GRAPHS[name].fp16 ? convertToFp16(g.modelProto({ opset })) : undefined };
  });
}

export interface GraphModels {
  name: string;
  fp32: onnx.IModelProto;
  fp16?: onnx.IModelProto;
}

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

const START = '<!-- provider-table:start -->\n';
const END = '<!-- provider-table:end -->';

/** models/README.md with the table between its markers replaced by `table`. */
export function withTable(readme: string, table: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error('models/README.md has no provider-table markers');
  return readme.slice(0, start + START.length) + table + readme.slice(end);
}

// `npx tsx models/operators/provider-table.ts` prints the table; with --write it updates the README.
if (process.argv[1]?.endsWith(path.join('operators', 'provider-table.ts'))) {
  const table = providerTable(builtGraphs());
  if (process.argv.includes('--write')) {
    const file = path.resolve(__dirname, '../README.md');
    writeFileSync(file, withTable(readFileSync(file, 'utf8'), table));
  } else console.log(table);
}
