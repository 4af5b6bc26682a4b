import { onnx } from 'onnx-proto';
import { type TensorProtoParams, tensorProto } from './tensor-proto';

const Type = onnx.AttributeProto.AttributeType;

/** An attribute value with its ONNX type made explicit (a JS number cannot say int or float). */
export type TypedAttribute =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'strings'; value: readonly string[] }
  | { type: 'tensor'; value: onnx.ITensorProto }
  | { type: 'graph'; value: onnx.IGraphProto };

/** Strings and string lists need no tag; numbers always do. */
export type AttributeValue = TypedAttribute | string | readonly string[];

export type Attributes = Record<string, AttributeValue | undefined>;

/** Constructors for typed attributes: `attr.int(1)`, `attr.floats([0.5, 2])`, ... */
export const attr = {
  int: (value: number): TypedAttribute => ({ type: 'int', value: checkInteger(value) }),
  float: (value: number): TypedAttribute => ({ type: 'float', value }),
  string: (value: string): TypedAttribute => ({ type: 'string', value }),
  ints: (value: readonly number[]): TypedAttribute => ({ type: 'ints', value: value.map(checkInteger) }),
  floats: (value: readonly number[]): TypedAttribute => ({ type: 'floats', value: [...value] }),
  strings: (value: readonly string[]): TypedAttribute => ({ type: 'strings', value: [...value] }),
  tensor: (value: onnx.ITensorProto | Omit<TensorProtoParams, 'name'>): TypedAttribute => ({
    type: 'tensor',
    value: 'values' in value ? tensorProto({ name: '', ...value }) : value,
  }),
  graph: (value: onnx.IGraphProto): TypedAttribute => ({ type: 'graph', value }),
};

function checkInteger(value: number): number {
  if (!Number.isSafeInteger(value)) throw new TypeError(`an int attribute should be a safe integer, got ${value}`);
  return value;
}

/** Attributes sorted by name, so the bytes do not depend on the order a caller wrote them in. */
export function attributeProtos(attributes: Attributes | undefined): onnx.IAttributeProto[] {
  if (!attributes) return [];
  return Object.keys(attributes)
    .sort()
    .flatMap((name) => {
      const value = attributes[name];
      return value === undefined ? [] : [attributeProto(name, value)];
    });
}

function attributeProto(name: string, raw: AttributeValue): onnx.IAttributeProto {
  const value: TypedAttribute =
    typeof raw === 'string'
      ? { type: 'string', value: raw }
      : Array.isArray(raw)
        ? { type: 'strings', value: raw as readonly string[] }
        : (raw as TypedAttribute);
  switch (value.type) {
    case 'int':
      return { name, type: Type.INT, i: value.value };
    case 'float':
      return { name, type: Type.FLOAT, f: value.value };
    case 'string':
      return { name, type: Type.STRING, s: Buffer.from(value.value, 'utf8') };
    case 'ints':
      return { name, type: Type.INTS, ints: [...value.value] };
    case 'floats':
      return { name, type: Type.FLOATS, floats: [...value.value] };
    case 'strings':
      return { name, type: Type.STRINGS, strings: value.value.map((item) => Buffer.from(item, 'utf8')) };
    case 'tensor':
      return { name, type: Type.TENSOR, t: value.value };
    case 'graph':
      return { name, type: Type.GRAPH, g: value.value };
  }
}
