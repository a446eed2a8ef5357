/**
 * A contract graph in the three forms the product derives from a built graph (fp32 as built, the
 * fp16 variant, the GPU form from portableModel()) plus float16 arithmetic emulated, run on the
 * CPU provider on the same seeded inputs; used by the real-graph tests and `npm run bench -- fp16`.
 */
import { onnx } from 'onnx-proto';
import type { GraphBuilder } from '../../main/models/builder/onnx-graph';
import { portableModel } from '../../main/models/builder/portable-model';
import { convertToFp16, emulateFp16 } from '../../main/models/builder/precision';
import { GRAPHS, type GraphName } from '../../main/models/contract';
import { contractFeeds, maxAbs, maxAbsDiff, OPSET, psnr, runModel, type ContractSizes } from './onnx-run';

export interface OutputComparison {
  output: string;
  /** Peak-to-peak range of the fp32 output (the PSNR's peak). */
  range: number;
  /** fp16 file on the CPU provider against fp32 (float16 weights; the provider computes in float32). */
  cpuPsnr: number;
  /** Float16 arithmetic emulated against fp32. */
  fp16Psnr: number;
  fp16MaxRel: number;
  /** GPU form (portableModel) against fp32, max abs difference relative to the output's max. */
  portableMaxRel: number;
}

export interface GraphForms {
  fp32Bytes: number;
  fp16Bytes: number;
  portable: onnx.IModelProto;
  outputs: OutputComparison[];
}

const range = (a: Float32Array) => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of a) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi - lo;
};

export async function compareGraphForms(name: GraphName, g: GraphBuilder, sizes: ContractSizes, seed = 11): Promise<GraphForms> {
  const fp32 = onnx.ModelProto.encode(g.modelProto({ opset: OPSET })).finish();
  const fp16Model = convertToFp16(onnx.ModelProto.decode(fp32));
  const fp16 = onnx.ModelProto.encode(fp16Model).finish();
  const emulated = onnx.ModelProto.encode(emulateFp16(fp16Model)).finish();
  const portable = portableModel(onnx.ModelProto.decode(fp32));
  const feeds = contractFeeds(GRAPHS[name].inputs, sizes, seed);
  const want = await runModel(fp32, feeds);
  const onCpu = await runModel(fp16, feeds);
  const half = await runModel(emulated, feeds);
  const gpuForm = await runModel(onnx.ModelProto.encode(portable).finish(), feeds);
  const outputs = Object.keys(want).map((output) => {
    const w = want[output]!.data;
    const r = range(w);
    return {
      output,
      range: r,
      cpuPsnr: psnr(w, onCpu[output]!.data, r),
      fp16Psnr: psnr(w, half[output]!.data, r),
      fp16MaxRel: maxAbsDiff(w, half[output]!.data) / maxAbs(w),
      portableMaxRel: maxAbsDiff(w, gpuForm[output]!.data) / Math.max(1, maxAbs(w)),
    };
  });
  return { fp32Bytes: fp32.length, fp16Bytes: fp16.length, portable, outputs };
}

export function describeForms(name: string, forms: GraphForms): string[] {
  return forms.outputs.map(
    (o) =>
      `${`${name}.${o.output}`.padEnd(28)} fp16 ${(forms.fp16Bytes / 1e6).toFixed(1).padStart(6)} MB (${((100 * forms.fp16Bytes) / forms.fp32Bytes).toFixed(1)} %)  PSNR vs fp32 (range ${o.range.toFixed(2)}): CPU ${o.cpuPsnr.toFixed(1)} dB, float16 arithmetic ${o.fp16Psnr.toFixed(1)} dB (max rel ${o.fp16MaxRel.toExponential(1)}); GPU form max rel ${o.portableMaxRel.toExponential(1)}`,
  );
}
