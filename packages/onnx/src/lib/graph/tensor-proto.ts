import type { onnx } from 'onnx-proto';
import { type ElementType, onnxDataType } from './onnx-types';

export type TensorValues =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | readonly number[]
  | readonly bigint[]
  | readonly string[]
  | readonly boolean[];

export interface TensorProtoParams {
  name: string;
  type: ElementType;
  /** Shape of the tensor; `[]` for a scalar. */
  dims: readonly number[];
  values: TensorValues;
}

/**
 * A constant tensor (initializer or attribute). Numbers go in `raw_data` as little-endian
 * bytes, which keeps every bit of the value and gives the same bytes on every run.
 */
export function tensorProto(params: TensorProtoParams): onnx.ITensorProto {
  const count = params.dims.reduce((product, dim) => product * dim, 1);
  if (params.values.length !== count) {
    throw new TypeError(`tensor '${params.name}' should have ${count} values for dims [${params.dims.join(', ')}], got ${params.values.length}`);
  }
  const proto: onnx.ITensorProto = { name: params.name, dataType: onnxDataType(params.type), dims: [...params.dims] };
  if (params.type === 'string') {
    proto.stringData = (params.values as readonly string[]).map((value) => Buffer.from(String(value), 'utf8'));
    return proto;
  }
  proto.rawData = rawBytes(params.type, params.values);
  return proto;
}

function rawBytes(type: Exclude<ElementType, 'string'>, values: TensorValues): Uint8Array {
  const typed = toTypedArray(type, values);
  // Copy into a fresh buffer: the view may share a larger ArrayBuffer. Node and ONNX are both little-endian here.
  return new Uint8Array(typed.buffer.slice(typed.byteOffset, typed.byteOffset + typed.byteLength));
}

function toTypedArray(type: Exclude<ElementType, 'string'>, values: TensorValues): ArrayBufferView & { length: number } {
  const list = values as ArrayLike<number | bigint | boolean>;
  switch (type) {
    case 'float32':
      return values instanceof Float32Array ? values : Float32Array.from(list as ArrayLike<number>);
    case 'float64':
      return values instanceof Float64Array ? values : Float64Array.from(list as ArrayLike<number>);
    case 'int32':
      return values instanceof Int32Array ? values : Int32Array.from(list as ArrayLike<number>);
    case 'int64':
      return values instanceof BigInt64Array ? values : BigInt64Array.from(Array.from(list, (value) => BigInt(value as number | bigint)));
    case 'uint8':
      return values instanceof Uint8Array ? values : Uint8Array.from(list as ArrayLike<number>);
    case 'bool':
      return Uint8Array.from(Array.from(list, (value) => (value ? 1 : 0)));
  }
}
