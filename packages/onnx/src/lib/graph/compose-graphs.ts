import type { onnx } from 'onnx-proto';

export interface GraphConnection {
  /** Output of the first graph... */
  from: string;
  /** ...that feeds this input of the second graph. */
  to: string;
}

export interface ComposeGraphsParams {
  first: onnx.IGraphProto;
  second: onnx.IGraphProto;
  connections: readonly GraphConnection[];
  /** Prefix of every internal name of the first graph. Default `a/`. */
  firstPrefix?: string;
  /** Prefix of every internal name of the second graph. Default `b/`. */
  secondPrefix?: string;
  /** Name of the composed graph. Default: the second graph's name. */
  name?: string;
}

/**
 * Fuses two graphs: the named outputs of `first` feed inputs of `second`. The composed
 * graph keeps the first graph's input names and the second graph's output names
 * unchanged (they are the model's public interface); every other tensor and node name
 * gets its graph's prefix, inside subgraphs too, so the two cannot clash. Inputs of the
 * second graph that no connection feeds stay graph inputs; outputs of the first graph
 * that no connection uses are dropped.
 */
export function composeGraphs(params: ComposeGraphsParams): onnx.IGraphProto {
  const firstPrefix = params.firstPrefix ?? 'a/';
  const secondPrefix = params.secondPrefix ?? 'b/';
  const firstOutputs = new Set((params.first.output ?? []).map((value) => value.name ?? ''));
  const secondInputs = new Set((params.second.input ?? []).map((value) => value.name ?? ''));
  for (const { from, to } of params.connections) {
    if (!firstOutputs.has(from)) {
      throw new TypeError(`'${from}' should be an output of graph '${params.first.name}' (outputs: ${[...firstOutputs].join(', ')})`);
    }
    if (!secondInputs.has(to)) {
      throw new TypeError(`'${to}' should be an input of graph '${params.second.name}' (inputs: ${[...secondInputs].join(', ')})`);
    }
  }

  const keepFirst = new Set((params.first.input ?? []).map((value) => value.name ?? ''));
  const renameFirst = (name: string): string => (name === '' || keepFirst.has(name) ? name : `${firstPrefix}${name}`);
  const fed = new Map(params.connections.map(({ from, to }) => [to, renameFirst(from)]));
  const keepSecond = new Set((params.second.output ?? []).map((value) => value.name ?? ''));
  const unfedSecondInputs = (params.second.input ?? []).filter((value) => !fed.has(value.name ?? ''));
  for (const value of unfedSecondInputs) keepSecond.add(value.name ?? '');
  const renameSecond = (name: string): string => {
    if (name === '') return name;
    const source = fed.get(name);
    if (source !== undefined) return source;
    return keepSecond.has(name) ? name : `${secondPrefix}${name}`;
  };

  const first = renameGraph(params.first, renameFirst, firstPrefix);
  const second = renameGraph(params.second, renameSecond, secondPrefix);
  const inputNames = new Set<string>();
  const inputs = [...(first.input ?? []), ...unfedSecondInputs].filter((value) => {
    if (inputNames.has(value.name ?? '')) return false;
    inputNames.add(value.name ?? '');
    return true;
  });
  return {
    name: params.name ?? params.second.name,
    node: [...(first.node ?? []), ...(second.node ?? [])],
    input: inputs,
    output: second.output ?? [],
    initializer: [...(first.initializer ?? []), ...(second.initializer ?? [])],
    valueInfo: [...(first.valueInfo ?? []), ...(second.valueInfo ?? [])],
  };
}

/** A copy of the graph with every tensor name passed through `rename` and node names prefixed. */
function renameGraph(graph: onnx.IGraphProto, rename: (name: string) => string, prefix: string): onnx.IGraphProto {
  const renameValue = (value: onnx.IValueInfoProto): onnx.IValueInfoProto => ({ ...value, name: rename(value.name ?? '') });
  return {
    ...graph,
    node: (graph.node ?? []).map((node) => ({
      ...node,
      name: node.name ? `${prefix}${node.name}` : node.name,
      input: (node.input ?? []).map(rename),
      output: (node.output ?? []).map(rename),
      attribute: (node.attribute ?? []).map((attribute) => ({
        ...attribute,
        ...(attribute.g ? { g: renameGraph(attribute.g, rename, prefix) } : {}),
        ...(attribute.graphs ? { graphs: attribute.graphs.map((g) => renameGraph(g, rename, prefix)) } : {}),
      })),
    })),
    input: (graph.input ?? []).map(renameValue),
    output: (graph.output ?? []).map(renameValue),
    initializer: (graph.initializer ?? []).map((tensor) => ({ ...tensor, name: rename(tensor.name ?? '') })),
    valueInfo: (graph.valueInfo ?? []).map(renameValue),
  };
}
