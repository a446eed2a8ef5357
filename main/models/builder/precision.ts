/**
 * The contract's fp16 variant of a graph (`<graph>.fp16.onnx`): float16 weights and compute,
 * float32 inputs and outputs, so the host code is the same for both precisions.
 *
 * Every float value is computed in float16 except where float16 would change results or where
 * providers have no float16 kernel (models/README.md, "fp16 variants", has the measurements):
 *
 * - KEEP_FP32 operators run in float32 with their float inputs cast up: GridSample (sampling
 *   coordinates: float16 has a 1/1024 relative step, 0.1 px at x = 100 and 0.5 px at x = 500 of a
 *   1280-pixel frame; CUDA's GridSample is float32-only), Range (coordinate ramps; no float16 kernel
 *   on CUDA or DirectML), DeformConv and Col2Im (float32-only kernels everywhere);
 * - comparisons (Less, Greater, ...) compare in float32, so a threshold decides as in fp32;
 * - a node whose float outputs feed only float32 consumers is computed in float32 as well (the
 *   coordinate arithmetic in front of GridSample, the flow-consistency check in front of Less),
 *   unless it is one of the heavy operators (Conv, MatMul, normalizations, ...), which stay float16;
 * - Resize's roi and scales and every integer (shape arithmetic) stay as they are.
 *
 * Casts are inserted once per value and target type; an Identity that only renames a float16 value
 * to a graph output becomes the Cast to float32; nothing casts a value back to the type it came
 * from. Float constants beyond float16's range are clamped to ±65504 (a -1e9 attention mask stays a
 * very large negative number instead of becoming -inf).
 */
import { onnx } from 'onnx-proto';
import { fromHalfBits, toHalfBits } from './half';

const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

/** Operators computed in float32 inside fp16 graphs (see the module comment for why each). */
export const KEEP_FP32 = new Set(['GridSample', 'Range', 'DeformConv', 'Col2Im']);
const COMPARISONS = new Set(['Less', 'Greater', 'Equal', 'LessOrEqual', 'GreaterOrEqual']);
/** Never pulled into float32 just because their output feeds float32 consumers. */
const HEAVY = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm', 'Einsum', 'LayerNormalization', 'InstanceNormalization', 'BatchNormalization', 'Softmax']);
const SUBGRAPH_OPS = new Set(['Loop', 'If', 'Scan']);
/** Float initializers at least this large are weights: stored as float16 even when read in float32. */
const WEIGHT_MIN_ELEMENTS = 1024;
/** Input positions that keep their float32 type whatever the node computes in. */
const FIXED_FP32_INPUTS: Record<string, number[]> = { Resize: [1, 2] };
/** Inputs whose type the node does not constrain (a Cast or Shape reads float16 as well). */
const TYPE_AGNOSTIC = new Set(['Cast', 'Shape', 'Size']);

type Precision = 'fp16' | 'fp32';

function attr(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

/** Element types of a node's outputs from its inputs' (the operators the builder writes). */
function outputTypes(node: onnx.INodeProto, input: (i: number) => number | undefined): number[] {
  const n = node.output!.length;
  const same = (t: number | undefined) => new Array<number>(n).fill(t ?? DT.UNDEFINED);
  switch (node.opType) {
    case 'Shape':
    case 'Size':
    case 'NonZero':
    case 'ArgMax':
    case 'ArgMin':
      return same(DT.INT64);
    case 'Less':
    case 'Greater':
    case 'Equal':
    case 'LessOrEqual':
    case 'GreaterOrEqual':
    case 'Not':
    case 'And':
    case 'Or':
    case 'Xor':
    case 'IsNaN':
    case 'IsInf':
      return same(DT.BOOL);
    case 'Cast':
      return same(Number(attr(node, 'to')!.i));
    case 'ConstantOfShape':
      return same(attr(node, 'value')?.t?.dataType ?? DT.FLOAT);
    case 'Constant':
      return same(attr(node, 'value')?.t?.dataType ?? DT.FLOAT);
    case 'Where':
      return same(input(1));
    case 'TopK':
    case 'MaxPool':
      return [input(0) ?? DT.UNDEFINED, DT.INT64].slice(0, n);
    case 'LayerNormalization':
      return [input(0) ?? DT.UNDEFINED, DT.FLOAT, DT.FLOAT].slice(0, n);
    default:
      return same(input(0));
  }
}

/**
 * Element type of every value of a graph (inputs, initializers, node outputs, and those of its
 * subgraphs), as far as the operators the builder writes determine them.
 */
export function inferValueTypes(graph: onnx.IGraphProto, outer: ReadonlyMap<string, number> = new Map()): Map<string, number> {
  const types = new Map(outer);
  for (const v of graph.input ?? []) types.set(v.name!, v.type?.tensorType?.elemType ?? DT.UNDEFINED);
  for (const t of graph.initializer ?? []) types.set(t.name!, t.dataType!);
  for (const node of graph.node ?? []) {
    for (const a of node.attribute ?? []) if (a.g) for (const [k, v] of inferValueTypes(a.g, types)) if (!types.has(k)) types.set(k, v);
    const out =
      node.opType === 'Loop'
        ? (node.attribute!.find((a) => a.name === 'body')!.g!.output ?? []).slice(1).map((o) => o.type?.tensorType?.elemType ?? DT.UNDEFINED)
        : outputTypes(node, (i) => (node.input![i] ? types.get(node.input![i]!) : undefined));
    node.output!.forEach((o, i) => types.set(o, out[i] ?? DT.UNDEFINED));
  }
  return types;
}

/** A float32 tensor proto's values (raw data or float_data). */
function floatValues(t: onnx.ITensorProto): Float32Array {
  if (t.rawData && t.rawData.length) return new Float32Array(new Uint8Array(t.rawData).buffer);
  return Float32Array.from(t.floatData ?? []);
}

function toFp16Tensor(t: onnx.ITensorProto, name = t.name): onnx.ITensorProto {
  const values = floatValues(t);
  const half = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) half[i] = toHalfBits(Math.max(-65504, Math.min(65504, values[i]!)));
  return { name, dims: t.dims, dataType: DT.FLOAT16, rawData: new Uint8Array(half.buffer) };
}

export interface Fp16Report {
  /** Operator type -> how many nodes of it compute in float32 in the converted graph. */
  fp32Nodes: Record<string, number>;
  fp16Nodes: number;
  casts: number;
}

/**
 * Converts a float32 model (as GraphBuilder writes it) into the contract's fp16 variant. Throws
 * for graphs with subgraphs (Loop, If): the contract keeps those (raft) in fp32. `keepFp32`
 * replaces the set of operators computed in float32 (for measuring the choice).
 */
export function convertToFp16(model: onnx.IModelProto, report?: Fp16Report, opts: { keepFp32?: ReadonlySet<string> } = {}): onnx.IModelProto {
  const keep = opts.keepFp32 ?? KEEP_FP32;
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  const withSubgraph = nodes.find((n) => SUBGRAPH_OPS.has(n.opType!));
  if (withSubgraph) throw new Error(`fp16 conversion: graph ${graph.name} has a ${withSubgraph.opType} (subgraphs stay fp32, as the contract keeps raft)`);

  // 1. Element type of every value.
  const types = new Map<string, number>();
  for (const v of graph.input ?? []) types.set(v.name!, v.type!.tensorType!.elemType!);
  const initializers = new Map<string, onnx.ITensorProto>();
  for (const t of graph.initializer ?? []) {
    types.set(t.name!, t.dataType!);
    initializers.set(t.name!, t);
  }
  for (const node of nodes) {
    const out = outputTypes(node, (i) => (node.input![i] ? types.get(node.input![i]!) : undefined));
    node.output!.forEach((o, i) => types.set(o, out[i]!));
  }
  const isFloat = (v: string) => v !== '' && types.get(v) === DT.FLOAT;

  // 2. Which nodes compute in float32.
  const consumers = new Map<string, { node: number; slot: number }[]>();
  nodes.forEach((node, ni) => node.input!.forEach((v, slot) => v && consumers.set(v, [...(consumers.get(v) ?? []), { node: ni, slot }])));
  const precision: Precision[] = nodes.map((n) => (keep.has(n.opType!) || COMPARISONS.has(n.opType!) ? 'fp32' : 'fp16'));
  /** What type input `slot` of node `ni` needs, or undefined when any float type will do. */
  const needs = (ni: number, slot: number): Precision | undefined => {
    const node = nodes[ni]!;
    if (TYPE_AGNOSTIC.has(node.opType!)) return undefined;
    if (FIXED_FP32_INPUTS[node.opType!]?.includes(slot)) return 'fp32';
    return precision[ni];
  };
  for (let ni = nodes.length - 1; ni >= 0; ni--) {
    const node = nodes[ni]!;
    if (precision[ni] === 'fp32' || HEAVY.has(node.opType!)) continue;
    const floatOutputs = node.output!.filter(isFloat);
    if (floatOutputs.length === 0) continue;
    const uses = floatOutputs.flatMap((o) => consumers.get(o) ?? []).map((u) => needs(u.node, u.slot));
    if (uses.length > 0 && uses.every((p) => p !== 'fp16') && uses.some((p) => p === 'fp32')) precision[ni] = 'fp32';
  }

  // 3. Rewrite. `available` maps each float value to its names per type: produced in one type,
  // cast (once) to the other where a consumer needs it.
  const available = new Map<string, Partial<Record<Precision, string>>>();
  for (const v of graph.input ?? []) if (isFloat(v.name!)) available.set(v.name!, { fp32: v.name! });
  const initializerNeeds = new Map<string, Set<Precision>>();
  nodes.forEach((node, ni) =>
    node.input!.forEach((v, slot) => {
      if (!initializers.has(v) || !isFloat(v)) return;
      initializerNeeds.set(v, (initializerNeeds.get(v) ?? new Set()).add(needs(ni, slot) ?? 'fp16'));
    }),
  );
  const newInitializers = (graph.initializer ?? []).map((t) => {
    const wanted = initializerNeeds.get(t.name!);
    if (t.dataType !== DT.FLOAT) return t;
    // Weights (and any constant used only in float16) are stored as float16; float32 users of a
    // weight get a cast. Small constants used in float32 stay exact (coordinates, thresholds).
    const count = (t.dims as number[]).reduce((a, b) => a * b, 1);
    if ((wanted?.has('fp16') && !wanted.has('fp32')) || (wanted && count >= WEIGHT_MIN_ELEMENTS)) {
      available.set(t.name!, { fp16: t.name! });
      return toFp16Tensor(t);
    }
    available.set(t.name!, { fp32: t.name! });
    return t;
  });
  const producedByNode = new Set(nodes.flatMap((n) => n.output!));
  const headCasts: onnx.INodeProto[] = []; // casts of graph inputs and initializers
  const body: onnx.INodeProto[] = [];
  const nameIn = (v: string, want: Precision): string => {
    const names = available.get(v)!;
    const existing = names[want];
    if (existing) return existing;
    const from = (names.fp16 ?? names.fp32)!;
    const name = `${v}__${want}`;
    (producedByNode.has(v) ? body : headCasts).push({
      opType: 'Cast',
      input: [from],
      output: [name],
      attribute: [{ name: 'to', type: AT.INT, i: want === 'fp16' ? DT.FLOAT16 : DT.FLOAT }],
    });
    names[want] = name;
    return name;
  };
  const outputNames = new Set((graph.output ?? []).map((o) => o.name!));
  nodes.forEach((node, ni) => {
    const p = precision[ni]!;
    const rewritten: onnx.INodeProto = {
      ...node,
      input: node.input!.map((v, slot) => {
        if (!isFloat(v)) return v;
        const want = needs(ni, slot);
        const names = available.get(v)!;
        return want ? nameIn(v, want) : (names.fp16 ?? names.fp32)!;
      }),
    };
    if (p === 'fp16') {
      if (node.opType === 'Cast' && Number(attr(node, 'to')!.i) === DT.FLOAT) rewritten.attribute = node.attribute!.map((a) => (a.name === 'to' ? { ...a, i: DT.FLOAT16 } : a));
      if ((node.opType === 'ConstantOfShape' || node.opType === 'Constant') && (attr(node, 'value')?.t?.dataType ?? DT.FLOAT) === DT.FLOAT)
        rewritten.attribute = [
          ...(node.attribute ?? []).filter((a) => a.name !== 'value'),
          { name: 'value', type: AT.TENSOR, t: toFp16Tensor(attr(node, 'value')?.t ?? { dims: [1], dataType: DT.FLOAT, floatData: [0] }, undefined) },
        ];
    }
    const finals: onnx.INodeProto[] = [];
    rewritten.output = node.output!.map((o) => {
      if (!isFloat(o)) return o;
      if (p === 'fp32' || !outputNames.has(o)) {
        available.set(o, { [p]: o });
        return o;
      }
      // A graph output computed in float16: the output itself is its float32 cast.
      if (node.opType === 'Identity') {
        rewritten.opType = 'Cast';
        rewritten.attribute = [{ name: 'to', type: AT.INT, i: DT.FLOAT }];
        available.set(o, { fp32: o, fp16: rewritten.input![0]! });
        return o;
      }
      finals.push({ opType: 'Cast', input: [`${o}__fp16`], output: [o], attribute: [{ name: 'to', type: AT.INT, i: DT.FLOAT }] });
      available.set(o, { fp32: o, fp16: `${o}__fp16` });
      return `${o}__fp16`;
    });
    body.push(rewritten, ...finals);
  });
  const converted: onnx.IModelProto = { ...model, graph: { ...graph, initializer: newInitializers, node: [...headCasts, ...body] } };

  if (report) {
    report.fp32Nodes = {};
    report.fp16Nodes = 0;
    nodes.forEach((n, i) => {
      if (!n.output!.some(isFloat) && !n.input!.some(isFloat)) return;
      if (precision[i] === 'fp32') report.fp32Nodes[n.opType!] = (report.fp32Nodes[n.opType!] ?? 0) + 1;
      else report.fp16Nodes++;
    });
    const casts = (ns: onnx.INodeProto[]) => ns.filter((n) => n.opType === 'Cast').length;
    report.casts = casts(converted.graph!.node!) - casts(nodes);
  }
  return converted;
}

/**
 * For measuring what float16 arithmetic does to a converted graph on a machine whose provider
 * computes float16 nodes in float32 (onnxruntime's CPU provider casts them up and drops the casts
 * between them, so an fp16 file run there differs from fp32 only by its float16 weights): the same
 * graph in float32 with every float16 value rounded to float16 precision where it is produced.
 * Rounding to 11 significant bits is Veltkamp's split, hi = c - (c - x) with c = x * (2^13 + 1),
 * which onnxruntime computes as written. Float16's range limits are not modelled.
 */
export function emulateFp16(model: onnx.IModelProto): onnx.IModelProto {
  const graph = model.graph!;
  const types = new Map<string, number>();
  for (const v of graph.input ?? []) types.set(v.name!, v.type!.tensorType!.elemType!);
  const initializer = (graph.initializer ?? []).map((t) => {
    types.set(t.name!, t.dataType!);
    if (t.dataType !== DT.FLOAT16) return t;
    const bits = new Uint16Array(new Uint8Array(t.rawData!).buffer);
    return { name: t.name, dims: t.dims, dataType: DT.FLOAT, rawData: new Uint8Array(Float32Array.from(bits, fromHalfBits).buffer) };
  });
  const splitter: onnx.ITensorProto = { name: 'emulate_fp16_splitter', dims: [], dataType: DT.FLOAT, rawData: new Uint8Array(Float32Array.of(8193).buffer) };
  const nodes: onnx.INodeProto[] = [];
  const round = (x: string, out: string) => {
    const c = `${out}__c`;
    nodes.push(
      { opType: 'Mul', input: [x, splitter.name!], output: [c] },
      { opType: 'Sub', input: [c, x], output: [`${out}__d`] },
      { opType: 'Sub', input: [c, `${out}__d`], output: [out] },
    );
  };
  for (const node of graph.node ?? []) {
    const out = outputTypes(node, (i) => (node.input![i] ? types.get(node.input![i]!) : undefined));
    node.output!.forEach((o, i) => types.set(o, out[i]!));
    const to = node.opType === 'Cast' ? Number(attr(node, 'to')!.i) : undefined;
    if (to === DT.FLOAT16) {
      const from = types.get(node.input![0]!);
      if (from === DT.FLOAT) round(node.input![0]!, node.output![0]!);
      else nodes.push({ ...node, attribute: [{ name: 'to', type: AT.INT, i: DT.FLOAT }] }); // bool or int: exact in both
      continue;
    }
    if (to === DT.FLOAT && types.get(node.input![0]!) === DT.FLOAT16) {
      nodes.push({ opType: 'Identity', input: node.input, output: node.output });
      continue;
    }
    const value = attr(node, 'value')?.t;
    const rewritten: onnx.INodeProto =
      value?.dataType === DT.FLOAT16
        ? {
            ...node,
            attribute: [
              ...node.attribute!.filter((a) => a.name !== 'value'),
              {
                name: 'value',
                type: AT.TENSOR,
                t: { dims: value.dims, dataType: DT.FLOAT, floatData: Array.from(new Uint16Array(new Uint8Array(value.rawData!).buffer), fromHalfBits) },
              },
            ],
          }
        : { ...node };
    const rounded: string[] = [];
    rewritten.output = node.output!.map((o, i) => {
      if (out[i] !== DT.FLOAT16) return o;
      rounded.push(o);
      return `${o}__exact`;
    });
    nodes.push(rewritten);
    for (const o of rounded) round(`${o}__exact`, o);
  }
  return { ...model, graph: { ...graph, initializer: [...initializer, splitter], node: nodes } };
}
