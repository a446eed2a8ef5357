// portableModel() (main/models/builder/portable-model.ts): the form of a model for GPU providers,
// with DeformConv and Col2Im replaced by their exact rewrites. Checked on contract graphs (every
// graph, fp32 and fp16): no replaced operator is left, and the outputs equal the original model's
// on onnxruntime's CPU provider.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { sessionSource } from '../../main/engine/engines/propainter/sessions';
import { GRAPH_NAMES, GRAPHS } from '../../main/models/contract';
import { portableModel, portableModelBytes, REWRITTEN_OPERATORS } from '../../main/models/builder/portable-model';
import { STAND_IN_BUILDERS } from '../../models/fixtures/stand-in-graphs';
import { contractFeeds, maxAbs, maxAbsDiff, OPSET, runModel } from '../helpers/onnx-run';

const operators = (m: onnx.IModelProto): string[] => {
  const all: string[] = [];
  const walk = (g: onnx.IGraphProto) =>
    g.node!.forEach((n) => {
      all.push(n.opType!);
      n.attribute?.forEach((a) => a.g && walk(a.g));
    });
  walk(m.graph!);
  return all;
};

describe('portableModel', () => {
  it.each(
    GRAPH_NAMES.flatMap(
      (name) =>
        (GRAPHS[name].fp16
          ? [
              [name, 'fp32'],
              [name, 'fp16'],
            ]
          : [[name, 'fp32']]) as [string, 'fp32' | 'fp16'][],
    ),
  )('%s (%s): no DeformConv or Col2Im left, same outputs', async (name, precision) => {
    const g = STAND_IN_BUILDERS[name as (typeof GRAPH_NAMES)[number]]();
    const bytes = g.toBytes({ opset: OPSET, precision });
    const portable = portableModelBytes(bytes);
    const ops = operators(onnx.ModelProto.decode(portable));
    for (const op of REWRITTEN_OPERATORS) expect(ops).not.toContain(op);
    const feeds = contractFeeds(GRAPHS[name as (typeof GRAPH_NAMES)[number]].inputs, { H: 48, W: 64 }, 7);
    const want = await runModel(bytes, feeds);
    const got = await runModel(portable, feeds);
    // float32 rounding; in fp16 models a 1e-7 difference can flip a float16 rounding: 2^-10 relative
    const tolerance = precision === 'fp32' ? 1e-4 : 2 ** -10;
    for (const out of Object.keys(want)) {
      expect(got[out]!.dims).toEqual(want[out]!.dims);
      expect(maxAbsDiff(got[out]!.data, want[out]!.data)).toBeLessThanOrEqual(tolerance * Math.max(1, maxAbs(want[out]!.data)));
    }
  });

  it('leaves a model without those operators as it was', () => {
    const model = STAND_IN_BUILDERS.pp_decoder().modelProto({ opset: OPSET });
    expect(onnx.ModelProto.encode(portableModel(model)).finish()).toEqual(onnx.ModelProto.encode(model).finish());
  });

  it('is what the engine opens on every GPU provider; the CPU opens the file as it is', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cp-portable-'));
    try {
      const file = path.join(dir, 'pp_prop_forward.onnx');
      const original = STAND_IN_BUILDERS.pp_prop_forward().toBytes({ opset: OPSET });
      expect(operators(onnx.ModelProto.decode(original))).toContain('DeformConv');
      writeFileSync(file, original);
      expect(await sessionSource(file, 'cpu')).toBe(file);
      for (const provider of ['cuda', 'dml', 'coreml', 'webgpu'] as const) {
        const bytes = await sessionSource(file, provider);
        expect(bytes).toBeInstanceOf(Uint8Array);
        const ops = operators(onnx.ModelProto.decode(bytes as Uint8Array));
        expect(ops).toContain('GridSample');
        expect(ops).not.toContain('DeformConv');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
