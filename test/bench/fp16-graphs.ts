/**
 * Every real ProPainter graph (seeded random weights of the real architecture) as fp32, its fp16
 * variant and its GPU form, on the CPU provider at 96x160: file sizes, PSNR of the fp16 file and of
 * emulated float16 arithmetic against fp32, and the GPU form's largest difference.
 * `npm run bench -- fp16` runs this section; `npx tsx test/bench/fp16-graphs.ts` runs it alone.
 */
import path from 'node:path';
import type { GraphBuilder } from '../../main/models/builder/onnx-graph';
import type { ProPainterWeights } from '../../main/models/builder/weights';
import { GRAPHS, type GraphName } from '../../main/models/contract';
import { randomProPainterWeights } from '../../models/fixtures/random-weights';
import { GRAPH_BUILDERS } from '../../main/models/builder/index';
import { compareGraphForms, describeForms } from '../helpers/graph-forms';

export async function benchFp16Graphs(): Promise<Record<string, number>> {
  const weights = randomProPainterWeights(1);
  const results: Record<string, number> = {};
  console.log('fp16 variants and GPU forms of the real graphs (seeded random weights), CPU provider, 96x160');
  for (const [name, build] of Object.entries(GRAPH_BUILDERS) as [GraphName, (w: ProPainterWeights) => GraphBuilder][]) {
    if (!GRAPHS[name].fp16) continue;
    const forms = await compareGraphForms(name, build(weights), { H: 96, W: 160, T: 4, L: 3 });
    console.log(describeForms(name, forms).join('\n'));
    for (const o of forms.outputs) {
      results[`${name}.${o.output} fp16 PSNR dB`] = o.fp16Psnr;
      results[`${name}.${o.output} fp16 file PSNR dB (CPU)`] = o.cpuPsnr;
    }
  }
  return results;
}

if (process.argv[1]?.endsWith(path.join('bench', 'fp16-graphs.ts'))) {
  benchFp16Graphs().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
