/**
 * A graph with exactly one contract graph's inputs and outputs (names, dtypes, dynamic axes from
 * GRAPHS): the network builders declare their inputs through `contractGraph` and their results
 * through `finishContractGraph`, so a builder cannot drift from the contract the engine checks.
 */
import { GRAPHS, type GraphName } from '../contract';
import { GraphBuilder } from './onnx-graph';

export function contractGraph(name: GraphName): { g: GraphBuilder; inputs: Record<string, string> } {
  const g = GraphBuilder.create(name, 0);
  const inputs: Record<string, string> = {};
  for (const spec of GRAPHS[name].inputs) inputs[spec.name] = g.input(spec);
  return { g, inputs };
}

export function finishContractGraph(g: GraphBuilder, name: GraphName, values: Record<string, string>): GraphBuilder {
  for (const spec of GRAPHS[name].outputs) {
    const value = values[spec.name];
    if (!value) throw new Error(`${name}: no value for output ${spec.name}`);
    g.output(spec, value);
  }
  return g;
}
