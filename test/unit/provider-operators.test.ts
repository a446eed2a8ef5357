// The per-provider operator rules (main/models/builder/provider-operators.ts) on small graphs: each
// rule that decides the README table, checked on a node that needs it.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../main/models/builder/onnx-graph';
import { lackingOperators, operatorCounts } from '../../main/models/builder/provider-operators';
import { portableModel } from '../../main/models/builder/portable-model';
import { OPSET } from '../helpers/onnx-run';

/** A graph with the operators the ProPainter graphs need from providers. */
function sample(): GraphBuilder {
  const g = GraphBuilder.create('sample', 1);
  const x = g.input({ name: 'x', type: 'float32', shape: [1, 8, 'H', 'W'] });
  const flow = g.input({ name: 'flow', type: 'float32', shape: [1, 2, 'H', 'W'] });
  const warped = g.op('GridSample', [x, g.flowGrid(flow)], { mode: 'bilinear', padding_mode: 'zeros', align_corners: 1 });
  const offset = g.conv(warped, 8, 18, [3, 3]);
  const mask = g.op('Sigmoid', [g.conv(warped, 8, 9, [3, 3])]);
  const aligned = g.op('DeformConv', [warped, g.weight([8, 8, 3, 3], 0.1), offset, g.weight([8], 0.1), mask], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], offset_group: 1 });
  const cols = g.reshape(aligned, [g.constI([1, 8 * 9, -1])]);
  const folded = g.op('Col2Im', [cols, g.dims(x, [2, 3]), g.constI([3, 3])], { pads: [1, 1, 1, 1] });
  const video = g.op('Unsqueeze', [folded, g.constI([2])]);
  const temporal = g.conv(video, 8, 8, [1, 3, 3]);
  g.output({ name: 'y', type: 'float32', shape: [1, 8, 1, 'H', 'W'] }, temporal);
  return g;
}

const lacking = (g: GraphBuilder, provider: Parameters<typeof lackingOperators>[1]) => lackingOperators(g.modelProto({ opset: OPSET }), provider);

describe('operators per provider', () => {
  it('DeformConv is lacking on every GPU provider; Col2Im everywhere but DirectML', () => {
    for (const p of ['cuda', 'dml', 'webgpu', 'coreml'] as const) {
      const ops = lacking(sample(), p).map((l) => l.op);
      expect(ops).toContain('DeformConv');
      if (p === 'dml') expect(ops).not.toContain('Col2Im');
      else expect(ops).toContain('Col2Im');
    }
  });

  it('portableModel() leaves CUDA, DirectML and WebGPU nothing to run on the CPU but shape arithmetic', () => {
    const model = portableModel(sample().modelProto({ opset: OPSET }));
    expect(lackingOperators(model, 'cuda')).toEqual([]);
    expect(lackingOperators(model, 'dml')).toEqual([]);
    expect(lackingOperators(model, 'webgpu').filter((l) => l.data)).toEqual([]);
    // Range over int64 sizes and Max of sizes are shape arithmetic that WebGPU leaves to the CPU.
    expect(lackingOperators(model, 'webgpu').map((l) => [l.op, l.reason])).toContainEqual(['Range', 'float32 and int32 only']);
  });

  it('knows the type and attribute limits: CUDA GridSample float32 only, CoreML Conv 2-D only', () => {
    const g = GraphBuilder.create('half', 1);
    const x = g.input({ name: 'x', type: 'float32', shape: [1, 2, 4, 4] });
    const half = g.op('Cast', [x], { to: 10 });
    const grid = g.op('Cast', [g.op('Transpose', [x], { perm: [0, 2, 3, 1] })], { to: 10 });
    g.output({ name: 'y', type: 'float32', shape: [1, 2, 4, 4] }, g.op('Cast', [g.op('GridSample', [half, grid], { align_corners: 1 })], { to: 1 }));
    expect(lackingOperators(g.modelProto({ opset: OPSET }), 'cuda')).toEqual([{ op: 'GridSample', reason: 'float32 only', count: 1, data: true }]);
    expect(lackingOperators(g.modelProto({ opset: OPSET }), 'dml')).toEqual([]);
    expect(lacking(sample(), 'coreml').find((l) => l.op === 'Conv' && l.reason === '3-D')?.count).toBe(1);
  });

  it('counts every operator, subgraphs included', () => {
    const counts = operatorCounts(sample().modelProto({ opset: OPSET }));
    expect(counts.get('DeformConv')).toBe(1);
    expect(counts.get('Conv')).toBe(3);
  });
});
