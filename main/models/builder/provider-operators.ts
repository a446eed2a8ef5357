/**
 * Which operators of a graph each GPU execution provider of onnxruntime 1.30 lacks, from the
 * providers' documented kernels, so models/README.md ("Operators per execution provider") is
 * computed from the real graphs, not remembered. onnxruntime runs a node its provider lacks on the
 * CPU, copying tensors to and from the device around it.
 *
 * Sources (read in the onnxruntime repository):
 * - CUDA and DirectML: docs/OperatorKernels.md (generated from the registered kernels);
 * - CoreML: tools/ci_build/github/apple/coreml_supported_mlprogram_ops.md (ML Program format);
 * - WebGPU: onnxruntime/core/providers/webgpu/webgpu_execution_provider.cc, checked against the
 *   source files compiled into onnxruntime-node 1.30's libonnxruntime.so (its strings name them):
 *   GridSample is there, DeformConv (added to the source later) is not, nor Col2Im.
 */
import { onnx } from 'onnx-proto';
import { inferValueTypes } from './precision';

export type GpuProvider = 'cuda' | 'dml' | 'webgpu' | 'coreml';
export const GPU_PROVIDERS: readonly GpuProvider[] = ['cuda', 'dml', 'webgpu', 'coreml'];
export const PROVIDER_LABELS: Record<GpuProvider, string> = { cuda: 'CUDA', dml: 'DirectML', webgpu: 'WebGPU', coreml: 'CoreML' };

const DT = onnx.TensorProto.DataType;

/** What a support rule sees of a node. */
export interface NodeView {
  op: string;
  /** Element types of the inputs ('' inputs are undefined). */
  inputTypes: (number | undefined)[];
  attrInt(name: string): number | undefined;
  attrInts(name: string): number[] | undefined;
  attrString(name: string): string | undefined;
  /** Whether input i is a constant: an initializer, or computed from initializers only. */
  isConstant(i: number): boolean;
}

/** A rule: undefined when the provider runs the node, else why not. */
type Rule = (n: NodeView) => string | undefined;
const yes: Rule = () => undefined;

const ops = (list: string): string[] => list.trim().split(/\s+/);

const CUDA_OPS = ops(`Abs Add And ArgMax ArgMin AveragePool BatchNormalization Cast Ceil Clip Compress Concat
  ConstantOfShape Conv ConvTranspose Cos CumSum DepthToSpace Div Dropout Einsum Elu Equal Erf Exp Expand
  EyeLike Flatten Floor GRU Gather GatherElements GatherND Gelu Gemm GlobalAveragePool GlobalMaxPool Greater
  GreaterOrEqual GridSample HardSigmoid HardSwish Identity If InstanceNormalization IsInf IsNaN LRN LSTM
  LayerNormalization LeakyRelu Less LessOrEqual Log LogSoftmax Loop MatMul Max MaxPool Min Mod Mul Neg
  NonZero Not OneHot Or PRelu Pad Pow Range Reciprocal ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp
  ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare Relu Reshape Resize ReverseSequence
  RoiAlign Round ScatterElements ScatterND Selu Shape Sigmoid Sign Sin Size Slice Softmax Softplus Softsign
  SpaceToDepth Split Sqrt Squeeze Sub Sum Tanh Tile TopK Transpose Trilu Unsqueeze Where Xor`);

const DML_OPS = ops(`Abs Acos Acosh Add And ArgMax ArgMin Asin Asinh Atan Atanh AveragePool BatchNormalization
  BitShift Cast CastLike Ceil Celu Clip Col2Im Concat ConstantOfShape Conv ConvTranspose Cos Cosh Crop
  CumSum DFT DepthToSpace DequantizeLinear Div Dropout Einsum Elu Equal Erf Exp Expand EyeLike Flatten Floor
  GRU Gather GatherElements GatherND Gemm GlobalAveragePool GlobalLpPool GlobalMaxPool Greater GreaterOrEqual
  GridSample GroupNorm HardSigmoid Hardmax Identity If ImageScaler InstanceNormalization IsInf IsNaN LRN LSTM
  LayerNormalization LeakyRelu Less LessOrEqual Log LogSoftmax LpNormalization LpPool MatMul Max MaxPool
  MaxRoiPool MaxUnpool Mean MeanVarianceNormalization Min Mod Mul Neg NonZero Not OneHot Or PRelu Pad Pow
  QuantizeLinear RNN Range Reciprocal ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean
  ReduceMin ReduceProd ReduceSum ReduceSumSquare Relu Reshape Resize ReverseSequence RoiAlign Round STFT
  ScaledTanh Scatter ScatterElements ScatterND Selu Shape Shrink Sigmoid Sign Sin Sinh Size Slice Softmax
  Softplus Softsign SpaceToDepth Split Sqrt Squeeze Sub Sum Tan Tanh ThresholdedRelu Tile TopK Transpose Trilu
  Unsqueeze Upsample Where Xor`);

const WEBGPU_OPS = ops(`Abs Neg Floor Ceil Reciprocal Sqrt Exp Erf Sigmoid HardSigmoid Log Sin Cos Tan Asin Acos
  Atan Sinh Cosh Asinh Acosh Atanh Tanh Not Cast Clip Elu Relu LeakyRelu ThresholdedRelu Gelu ReduceMax
  ReduceMean ReduceMin ReduceProd ReduceSum ReduceL1 ReduceL2 ReduceLogSum ReduceSumSquare ReduceLogSumExp
  Add Sub Mul Div Pow Equal Greater GreaterOrEqual Less LessOrEqual Shape Reshape Squeeze Unsqueeze Where
  Transpose DepthToSpace Conv ConvTranspose MaxPool AveragePool GlobalAveragePool GlobalMaxPool Gemm MatMul
  ArgMax ArgMin Softmax Concat Split Expand Resize Gather GatherElements GatherND Slice Flatten Tile
  LayerNormalization InstanceNormalization Range Einsum Pad If BatchNormalization CumSum DequantizeLinear
  ScatterND ScatterElements GridSample Trilu TopK LSTM GRU Identity`);

const COREML_OPS = ops(`Add ArgMax AveragePool Cast Clip Concat Conv ConvTranspose Cos DepthToSpace Ceil Div Elu Erf
  Exp GatherND Gemm Gelu GlobalAveragePool GlobalMaxPool GridSample GroupNormalization HardSigmoid Identity
  InstanceNormalization LayerNormalization LeakyRelu MatMul Max MaxPool Mul Pow PRelu Range Reciprocal ReduceSum
  ReduceMean ReduceMax Relu Reshape Resize Round Shape Sin Slice Softplus Split Sub Sigmoid Softmax Sqrt
  Squeeze Tanh Tile Transpose Unsqueeze`);

const isHalf = (n: NodeView, i: number) => n.inputTypes[i] === DT.FLOAT16;
const spatialRank = (n: NodeView) => n.attrInts('kernel_shape')?.length;

/** Conditions on top of the operator lists (types and attributes the kernels do not take). */
const CONDITIONS: Record<GpuProvider, Record<string, Rule>> = {
  cuda: {
    GridSample: (n) => (isHalf(n, 0) || isHalf(n, 1) ? 'float32 only' : undefined),
    Range: (n) => (isHalf(n, 0) ? 'no float16' : undefined),
  },
  dml: {
    Range: (n) => (isHalf(n, 0) ? 'no float16' : undefined),
    Mod: (n) => (n.inputTypes[0] === DT.INT64 ? 'no int64' : undefined),
  },
  webgpu: {
    Range: (n) => (n.inputTypes[0] === DT.FLOAT || n.inputTypes[0] === DT.INT32 ? undefined : 'float32 and int32 only'),
    Conv: (n) => (spatialRank(n) === 3 && (n.attrInt('group') ?? 1) !== 1 ? '3-D with groups' : undefined),
    GridSample: (n) => (['bilinear', 'linear', 'nearest', 'bicubic', 'cubic'].includes(n.attrString('mode') ?? 'bilinear') ? undefined : 'mode'),
  },
  coreml: {
    Conv: (n) => (spatialRank(n) === 3 ? '3-D' : !n.isConstant(1) ? 'weight not constant' : undefined),
    ConvTranspose: (n) => (!n.isConstant(1) ? 'weight not constant' : n.attrInts('output_shape') ? 'output_shape' : undefined),
    AveragePool: (n) => (spatialRank(n) !== 2 ? 'not 2-D' : undefined),
    MaxPool: (n) => (spatialRank(n) !== 2 ? 'not 2-D' : undefined),
    GridSample: (n) => {
      const mode = n.attrString('mode') ?? 'bilinear';
      if (mode !== 'bilinear' && mode !== 'linear') return `mode ${mode}`;
      return n.attrString('padding_mode') === 'reflection' && !n.attrInt('align_corners') ? 'reflection without align_corners' : undefined;
    },
    Slice: (n) => ([1, 2, 3, 4].every((i) => n.inputTypes[i] === undefined || n.isConstant(i)) ? undefined : 'starts/ends not constant'),
    Pow: (n) => (n.inputTypes[0] === DT.FLOAT && n.inputTypes[1] === DT.FLOAT ? undefined : 'not float32'),
    Gemm: (n) => (n.isConstant(1) ? undefined : 'B not constant'),
  },
};

const SUPPORTED: Record<GpuProvider, ReadonlySet<string>> = {
  cuda: new Set(CUDA_OPS),
  dml: new Set(DML_OPS),
  webgpu: new Set(WEBGPU_OPS),
  coreml: new Set(COREML_OPS),
};

/** Why `provider` cannot run the node, or undefined when it can. */
export function unsupportedReason(provider: GpuProvider, node: NodeView): string | undefined {
  if (!SUPPORTED[provider].has(node.op)) return 'no kernel';
  return (CONDITIONS[provider][node.op] ?? yes)(node);
}

/** Operators whose output can be large even when computed from shapes alone. */
const MAKES_TENSORS = new Set(['ConstantOfShape', 'Expand', 'Tile']);

/**
 * Every node of a model and of its subgraphs, with what the support rules need to see, and whether
 * it computes on tensor data (`data`) or is shape arithmetic: computed from Shape/Size outputs and
 * constants only, a few values that onnxruntime may as well keep on the CPU.
 */
export function nodeViews(model: onnx.IModelProto): { view: NodeView; data: boolean }[] {
  const types = inferValueTypes(model.graph!);
  const out: { view: NodeView; data: boolean }[] = [];
  // `constants`: initializers and what onnxruntime folds from them before it assigns nodes to
  // providers (a Reshape or Cast of a weight is a weight to them).
  const walk = (graph: onnx.IGraphProto, outerConstants: ReadonlySet<string>, shapeDerived: Set<string>) => {
    const here = new Set([...outerConstants, ...(graph.initializer ?? []).map((t) => t.name!)]);
    for (const name of here) shapeDerived.add(name);
    for (const node of graph.node ?? []) {
      if (node.input!.length > 0 && node.input!.every((v) => !v || here.has(v)) && !node.attribute?.some((a) => a.g)) for (const o of node.output!) here.add(o);
      const attr = (name: string) => node.attribute?.find((a) => a.name === name);
      const inputTypes = node.input!.map((v) => (v ? types.get(v) : undefined));
      const fromShapes = node.opType === 'Shape' || node.opType === 'Size' || (!MAKES_TENSORS.has(node.opType!) && node.input!.every((v) => !v || shapeDerived.has(v)));
      if (fromShapes) for (const o of node.output!) shapeDerived.add(o);
      out.push({
        view: {
          op: node.opType!,
          inputTypes,
          attrInt: (name) => (attr(name) ? Number(attr(name)!.i) : undefined),
          attrInts: (name) => attr(name)?.ints?.map(Number),
          attrString: (name) => (attr(name)?.s ? new TextDecoder().decode(attr(name)!.s!) : undefined),
          isConstant: (i) => !!node.input![i] && here.has(node.input![i]!),
        },
        data: !fromShapes,
      });
      for (const a of node.attribute ?? []) if (a.g) walk(a.g, here, new Set(shapeDerived));
    }
  };
  walk(model.graph!, new Set(), new Set());
  return out;
}

export interface Lacking {
  op: string;
  reason: string;
  count: number;
  /** Whether the nodes compute on tensor data (else they are shape arithmetic on a few values). */
  data: boolean;
}

/** The operators of a model that `provider` lacks, by operator and reason. */
export function lackingOperators(model: onnx.IModelProto, provider: GpuProvider): Lacking[] {
  const found = new Map<string, Lacking>();
  for (const { view, data } of nodeViews(model)) {
    const reason = unsupportedReason(provider, view);
    if (!reason) continue;
    const key = `${view.op}\u0000${reason}`;
    const entry = found.get(key) ?? { op: view.op, reason, count: 0, data: false };
    entry.count++;
    entry.data ||= data;
    found.set(key, entry);
  }
  return [...found.values()].sort((a, b) => a.op.localeCompare(b.op));
}

/** Operator type -> node count of a model and its subgraphs. */
export function operatorCounts(model: onnx.IModelProto): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { view } of nodeViews(model)) counts.set(view.op, (counts.get(view.op) ?? 0) + 1);
  return counts;
}
