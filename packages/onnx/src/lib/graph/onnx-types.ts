import { onnx } from 'onnx-proto';

/** Element types ReproML graphs use, named as onnxruntime-node names them. */
export type ElementType = 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'string' | 'bool';

/** A dimension: a fixed size, or a symbolic name such as `N` for the batch dimension. */
export type Dimension = number | string;

/** A tensor shape; `undefined` where the rank itself is unknown. */
export type Shape = readonly Dimension[];

const DATA_TYPES: Record<ElementType, onnx.TensorProto.DataType> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  uint8: onnx.TensorProto.DataType.UINT8,
  string: onnx.TensorProto.DataType.STRING,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** The ONNX `TensorProto.DataType` code of an element type. */
export function onnxDataType(type: ElementType): onnx.TensorProto.DataType {
  return DATA_TYPES[type];
}

/** The element type of an ONNX data type code, or undefined when ReproML does not use it. */
export function elementTypeOf(dataType: number): ElementType | undefined {
  return (Object.keys(DATA_TYPES) as ElementType[]).find((type) => DATA_TYPES[type] === dataType);
}

/** Opset versions every ReproML graph is built against. */
export const OPSET_AI_ONNX = 17;
export const OPSET_AI_ONNX_ML = 3;
export const ONNX_ML_DOMAIN = 'ai.onnx.ml';
/** IR version 8 is the one that goes with opset 17 (ONNX 1.12). */
export const ONNX_IR_VERSION = 8;
