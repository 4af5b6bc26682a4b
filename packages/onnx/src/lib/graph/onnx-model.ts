import { onnx } from 'onnx-proto';
import { ONNX_IR_VERSION, ONNX_ML_DOMAIN, OPSET_AI_ONNX, OPSET_AI_ONNX_ML } from './onnx-types';

export interface OpsetImport {
  domain: string;
  version: number;
}

/** ai.onnx 17 and ai.onnx.ml 3: what onnxruntime 1.30 and the ONNX 1.12 checker both accept. */
export const DEFAULT_OPSETS: readonly OpsetImport[] = [
  { domain: '', version: OPSET_AI_ONNX },
  { domain: ONNX_ML_DOMAIN, version: OPSET_AI_ONNX_ML },
];

export interface BuildModelParams {
  graph: onnx.IGraphProto;
  opsets?: readonly OpsetImport[];
  /** Free-form key/value metadata (`metadata_props`), written sorted by key. */
  metadata?: Record<string, string>;
  docString?: string;
  producerVersion?: string;
}

export const PRODUCER_NAME = 'reproml';

export function buildModel(params: BuildModelParams): onnx.IModelProto {
  const metadata = params.metadata ?? {};
  return {
    irVersion: ONNX_IR_VERSION,
    producerName: PRODUCER_NAME,
    producerVersion: params.producerVersion ?? '0.1.0',
    opsetImport: sortOpsets(params.opsets ?? DEFAULT_OPSETS),
    graph: params.graph,
    metadataProps: Object.keys(metadata)
      .sort()
      .map((key) => ({ key, value: metadata[key]! })),
    ...(params.docString ? { docString: params.docString } : {}),
  };
}

/**
 * The model's bytes. protobufjs writes fields in schema order and repeated fields in
 * array order, and the builder fixes every array's order, so the same graph gives the
 * same bytes.
 */
export function serializeModel(model: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** Opset imports with one entry per domain (the highest version asked for), sorted by domain. */
export function sortOpsets(opsets: readonly OpsetImport[]): OpsetImport[] {
  const byDomain = new Map<string, number>();
  for (const { domain, version } of opsets) byDomain.set(domain, Math.max(version, byDomain.get(domain) ?? 0));
  return [...byDomain.keys()].sort().map((domain) => ({ domain, version: byDomain.get(domain)! }));
}

/** Metadata props of a decoded model as a plain record. */
export function modelMetadata(model: onnx.IModelProto): Record<string, string> {
  const record: Record<string, string> = {};
  for (const entry of model.metadataProps ?? []) if (entry.key) record[entry.key] = entry.value ?? '';
  return record;
}
