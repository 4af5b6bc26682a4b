import type { onnx } from 'onnx-proto';
import { type Attributes, attributeProtos } from './attribute';
import { type ElementType, onnxDataType, type Shape } from './onnx-types';
import { type TensorValues, tensorProto } from './tensor-proto';

export interface ValueInfoParams {
  name: string;
  type: ElementType;
  /** Omit when the rank is unknown; use a string such as `N` for a symbolic dimension. */
  shape?: Shape;
  docString?: string;
}

export interface NodeParams {
  opType: string;
  inputs: readonly string[];
  /** Output names, or how many outputs to name automatically. Default: 1. */
  outputs?: readonly string[] | number;
  attributes?: Attributes;
  /** `ai.onnx.ml` for the ML ops; default the standard domain. */
  domain?: string;
  name?: string;
  /**
   * Types/shapes of the outputs, recorded as value_info. Needed after ai.onnx.ml ops:
   * the ONNX 1.12 checker infers no types for most of them, and strict mode then fails
   * on the next standard op.
   */
  outputTypes?: readonly Omit<ValueInfoParams, 'name'>[];
}

export interface ConstantParams {
  type: ElementType;
  dims: readonly number[];
  values: TensorValues;
  /** Exact name; default a fresh name built from `hint`. */
  name?: string;
  hint?: string;
}

/** Shared by a graph and its subgraphs so that generated names never clash across scopes. */
class NameCounter {
  private readonly used = new Map<string, number>();

  fresh(hint: string): string {
    const next = (this.used.get(hint) ?? 0) + 1;
    this.used.set(hint, next);
    return `${hint}_${next}`;
  }
}

/**
 * Builds one ONNX graph (or a Loop/If body). Names of generated nodes and tensors come
 * from a counter, so the same sequence of calls always gives the same graph and bytes.
 */
export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly valueInfos: onnx.IValueInfoProto[] = [];

  constructor(
    readonly name: string,
    private readonly names: NameCounter = new NameCounter(),
    /** Prefix of generated names, so a subgraph's names differ from its parent's. */
    private readonly prefix = '',
  ) {}

  /** A builder for a subgraph (e.g. a Loop body) whose generated names cannot clash with this graph's. */
  subgraph(name: string): GraphBuilder {
    return new GraphBuilder(name, this.names, `${this.prefix}${name}/`);
  }

  /** A fresh tensor name. */
  fresh(hint: string): string {
    return this.names.fresh(`${this.prefix}${hint}`);
  }

  input(params: ValueInfoParams): string {
    this.inputs.push(valueInfo(params));
    return params.name;
  }

  output(params: ValueInfoParams): string {
    this.outputs.push(valueInfo(params));
    return params.name;
  }

  /** Declares the type/shape of an intermediate tensor (optional in ONNX; helps readers and checkers). */
  valueInfo(params: ValueInfoParams): string {
    this.valueInfos.push(valueInfo(params));
    return params.name;
  }

  /** A constant tensor stored as an initializer; returns its name. */
  constant(params: ConstantParams): string {
    const name = params.name ?? this.fresh(params.hint ?? 'const');
    this.initializers.push(tensorProto({ name, type: params.type, dims: params.dims, values: params.values }));
    return name;
  }

  /** Shorthands for the constants training graphs need over and over. */
  scalar(type: 'float32' | 'float64' | 'int64', value: number, hint = 'scalar'): string {
    return this.constant({ type, dims: [], values: [value], hint });
  }

  int64s(values: readonly number[], hint = 'ints'): string {
    return this.constant({ type: 'int64', dims: [values.length], values, hint });
  }

  /** Adds a node; returns its output names. */
  node(params: NodeParams): string[] {
    const outputs =
      typeof params.outputs === 'object' ? [...params.outputs] : Array.from({ length: params.outputs ?? 1 }, () => this.fresh(params.opType.toLowerCase()));
    this.nodes.push({
      name: params.name ?? this.fresh(`node_${params.opType}`),
      opType: params.opType,
      domain: params.domain ?? '',
      input: [...params.inputs],
      output: outputs,
      attribute: attributeProtos(params.attributes),
    });
    params.outputTypes?.forEach((type, index) => {
      if (outputs[index] !== undefined) this.valueInfo({ ...type, name: outputs[index] });
    });
    return outputs;
  }

  /** A single-output node: `g.op('Add', [a, b])` returns the new tensor's name. */
  op(opType: string, inputs: readonly string[], attributes?: Attributes, domain?: string): string {
    return this.node({ opType, inputs, attributes, domain })[0]!;
  }

  /** An ai.onnx.ml node with one output whose type and shape are declared (see `NodeParams.outputTypes`). */
  mlOp(opType: string, inputs: readonly string[], attributes: Attributes, output: Omit<ValueInfoParams, 'name'> & { name?: string }): string {
    const { name, ...type } = output;
    return this.node({
      opType,
      inputs,
      attributes,
      domain: 'ai.onnx.ml',
      outputs: name === undefined ? 1 : [name],
      outputTypes: [type],
    })[0]!;
  }

  /** Same as `op`, writing to the given output name. */
  opTo(output: string, opType: string, inputs: readonly string[], attributes?: Attributes, domain?: string): string {
    return this.node({ opType, inputs, outputs: [output], attributes, domain })[0]!;
  }

  build(docString?: string): onnx.IGraphProto {
    return {
      name: this.name,
      node: [...this.nodes],
      input: [...this.inputs],
      output: [...this.outputs],
      initializer: [...this.initializers],
      valueInfo: [...this.valueInfos],
      ...(docString ? { docString } : {}),
    };
  }
}

export function valueInfo(params: ValueInfoParams): onnx.IValueInfoProto {
  const tensorType: onnx.TypeProto.ITensor = { elemType: onnxDataType(params.type) };
  if (params.shape) {
    tensorType.shape = {
      dim: params.shape.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })),
    };
  }
  return {
    name: params.name,
    type: { tensorType },
    ...(params.docString ? { docString: params.docString } : {}),
  };
}
