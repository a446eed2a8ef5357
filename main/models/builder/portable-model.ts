/**
 * The form of a model for GPU execution providers: every DeformConv and Col2Im node replaced by its
 * exact rewrite (portable-ops.ts) with operators CUDA, DirectML and WebGPU run themselves.
 *
 * The files on disk keep the native operators, because onnxruntime's CPU kernels for them are 2.7x
 * (DeformConv) and 6.6x (Col2Im) faster than the rewrites (`npm run bench -- operators`); the engine
 * passes a model through portableModel() before opening it on a GPU provider, where those nodes
 * would otherwise run on the CPU with the tensors copied across at every call.
 */
import { onnx } from 'onnx-proto';
import { GraphBuilder } from './onnx-graph';
import { col2ImByConvTranspose, deformConvBySampling } from './portable-ops';

/** Operators portableModel() replaces. */
export const REWRITTEN_OPERATORS = ['DeformConv', 'Col2Im'] as const;

const ints = (node: onnx.INodeProto, name: string): number[] | undefined => {
  const a = node.attribute?.find((x) => x.name === name);
  return a ? (a.ints ?? []).map(Number) : undefined;
};
const int = (node: onnx.INodeProto, name: string, fallback: number): number => {
  const a = node.attribute?.find((x) => x.name === name);
  return a ? Number(a.i) : fallback;
};

interface Scope {
  initializers: Map<string, onnx.ITensorProto>;
  producers: Map<string, onnx.INodeProto>;
  parent?: Scope;
}

/** An initializer reachable from `value` through Cast and Identity nodes (the fp16 files cast weights up). */
function constantBehind(scope: Scope | undefined, value: string): onnx.ITensorProto | undefined {
  for (let s = scope; s; s = s.parent) {
    const init = s.initializers.get(value);
    if (init) return init;
    const producer = s.producers.get(value);
    if (producer && (producer.opType === 'Cast' || producer.opType === 'Identity')) return constantBehind(s, producer.input![0]!);
  }
  return undefined;
}

function int64Values(t: onnx.ITensorProto): number[] {
  if (t.rawData && t.rawData.length) return Array.from(new BigInt64Array(new Uint8Array(t.rawData).buffer), Number);
  return (t.int64Data ?? []).map(Number);
}

/** The replacement nodes for one node, or undefined to keep it (an attribute the rewrite does not cover). */
function rewrite(node: onnx.INodeProto, scope: Scope, g: GraphBuilder): string | undefined {
  const [x, a, b, c, d] = node.input!;
  if (node.opType === 'DeformConv') {
    const weight = constantBehind(scope, a!);
    if (!weight) throw new Error(`portable model: DeformConv ${node.output![0]} has a weight that is not a constant`);
    const shape = (weight.dims as number[]).map(Number);
    const kernel = ints(node, 'kernel_shape') ?? shape.slice(2);
    const pads = ints(node, 'pads') ?? [0, 0, 0, 0];
    if (pads[0] !== pads[2] || pads[1] !== pads[3]) return undefined;
    return deformConvBySampling(g, x!, b!, d || undefined, { value: a!, shape }, c || undefined, {
      kernel: [kernel[0]!, kernel[1]!],
      stride: (ints(node, 'strides') ?? [1, 1]) as [number, number],
      padding: [pads[0]!, pads[1]!],
      dilation: (ints(node, 'dilations') ?? [1, 1]) as [number, number],
      offsetGroups: int(node, 'offset_group', 1),
      groups: int(node, 'group', 1),
    });
  }
  if (node.opType === 'Col2Im') {
    const block = constantBehind(scope, b!);
    if (!block) throw new Error(`portable model: Col2Im ${node.output![0]} has a block shape that is not a constant`);
    const kernel = int64Values(block);
    const pads = ints(node, 'pads') ?? [0, 0, 0, 0];
    const dilations = ints(node, 'dilations') ?? [1, 1];
    if (kernel.length !== 2 || pads[0] !== pads[2] || pads[1] !== pads[3] || dilations.some((v) => v !== 1)) return undefined;
    const strides = (ints(node, 'strides') ?? [1, 1]) as [number, number];
    return col2ImByConvTranspose(g, x!, a!, [kernel[0]!, kernel[1]!], strides, [pads[0]!, pads[1]!]);
  }
  return undefined;
}

function rewriteGraph(graph: onnx.IGraphProto, nextPrefix: () => string, parent?: Scope): onnx.IGraphProto {
  const scope: Scope = {
    initializers: new Map((graph.initializer ?? []).map((t) => [t.name!, t])),
    producers: new Map((graph.node ?? []).flatMap((n) => n.output!.map((o) => [o, n] as const))),
    parent,
  };
  const nodes: onnx.INodeProto[] = [];
  const initializers = [...(graph.initializer ?? [])];
  for (const node of graph.node ?? []) {
    const withSubgraphs: onnx.INodeProto = {
      ...node,
      attribute: node.attribute?.map((attr) => (attr.g ? { ...attr, g: rewriteGraph(attr.g, nextPrefix, scope) } : attr)),
    };
    if (!(REWRITTEN_OPERATORS as readonly string[]).includes(node.opType!)) {
      nodes.push(withSubgraphs);
      continue;
    }
    const g = GraphBuilder.create('portable', 0, { namePrefix: nextPrefix() });
    const result = rewrite(node, scope, g);
    if (!result) {
      nodes.push(withSubgraphs);
      continue;
    }
    // The last node computes the original output: give it the original name.
    const last = g.nodes.find((n) => n.output![0] === result)!;
    last.output = [node.output![0]!];
    nodes.push(...g.nodes);
    initializers.push(...g.initializerTensors());
  }
  return { ...graph, node: nodes, initializer: initializers };
}

/** The model with DeformConv and Col2Im replaced by their exact rewrites; everything else as it was. */
export function portableModel(model: onnx.IModelProto): onnx.IModelProto {
  let rewrites = 0;
  return { ...model, graph: rewriteGraph(model.graph!, () => `portable${rewrites++}_`) };
}

/** portableModel() on serialised bytes (a model file's contents). */
export function portableModelBytes(bytes: Uint8Array): Uint8Array {
  return onnx.ModelProto.encode(portableModel(onnx.ModelProto.decode(bytes))).finish();
}
