// Real ProPainter graphs (built from seeded random weights of the real architecture) in the forms
// the product derives from them: the fp16 variant (precision.ts) against fp32, and the GPU form
// (portableModel) against the files as built, at a small size on the CPU provider. The graphs here
// are the ones with the operators the conversions treat specially (DeformConv, GridSample, the
// consistency check, the image output); `npm run bench -- fp16` measures every graph.
import { describe, expect, it } from 'vitest';
import { buildRfcPropForward } from '../../main/models/builder/flow-completion';
import { buildPpDecoder, buildPpPropForward } from '../../main/models/builder/generator';
import type { GraphBuilder } from '../../main/models/builder/onnx-graph';
import { lackingOperators } from '../../main/models/builder/provider-operators';
import type { ProPainterWeights } from '../../main/models/builder/weights';
import type { GraphName } from '../../main/models/contract';
import { randomProPainterWeights } from '../../models/fixtures/random-weights';
import { compareGraphForms, describeForms } from '../helpers/graph-forms';

const BUILDERS: Partial<Record<GraphName, (w: ProPainterWeights) => GraphBuilder>> = {
  rfc_prop_forward: buildRfcPropForward,
  pp_prop_forward: buildPpPropForward,
  pp_decoder: buildPpDecoder,
};

/** 48x80 frames: 12x20 generator features. */
const SIZES = { H: 48, W: 80, T: 3, L: 2 };
/** float16 arithmetic on the real graphs stays above this PSNR against fp32 (measured 76-85 dB). */
const MIN_FP16_PSNR = 65;

let weights: ProPainterWeights | undefined;

describe('real ProPainter graphs: fp16 variant and GPU form', () => {
  it.each(Object.keys(BUILDERS) as GraphName[])('%s', async (name) => {
    const forms = await compareGraphForms(name, BUILDERS[name]!((weights ??= randomProPainterWeights(1))), SIZES);
    console.log(describeForms(name, forms).join('\n'));
    expect(forms.fp16Bytes / forms.fp32Bytes).toBeLessThan(0.51);
    for (const provider of ['cuda', 'dml'] as const) expect(lackingOperators(forms.portable, provider).filter((l) => l.data && l.op !== 'Loop')).toEqual([]);
    for (const o of forms.outputs) {
      expect(o.fp16Psnr).toBeGreaterThan(MIN_FP16_PSNR);
      expect(o.cpuPsnr).toBeGreaterThan(MIN_FP16_PSNR);
      expect(o.portableMaxRel).toBeLessThanOrEqual(1e-4);
    }
  });
});
