import type { onnx } from 'onnx-proto';

const ML_DOMAIN = 'ai.onnx.ml';

/**
 * For each string input of a graph whose encoder fails on values it was not fitted on
 * (OneHotEncoder with zeros=0, possibly behind a LabelEncoder that maps missing markers),
 * the raw values it accepts. Inputs that take any value (zeros=1, or no encoder) are left
 * out. Read from the graph itself, so it holds for any ReproML model, however it was fused.
 */
export function stringInputVocabularies(graph: onnx.IGraphProto): Map<string, Set<string>> {
  const nodes = graph.node ?? [];
  const consumerOf = (name: string) => nodes.find((node) => (node.input ?? []).includes(name));
  const vocabularies = new Map<string, Set<string>>();
  for (const input of graph.input ?? []) {
    const name = input.name ?? '';
    let node = consumerOf(name);
    let mapping: ((value: string) => string) | undefined;
    let keys: string[] | undefined;
    if (node && node.opType === 'LabelEncoder' && node.domain === ML_DOMAIN) {
      keys = stringsAttribute(node, 'keys_strings');
      const values = stringsAttribute(node, 'values_strings');
      const fallback = stringAttribute(node, 'default_string') ?? '_Unused';
      const table = new Map(keys.map((key, index) => [key, values[index] ?? fallback]));
      mapping = (value) => table.get(value) ?? fallback;
      node = consumerOf(node.output?.[0] ?? '');
    }
    if (node?.opType !== 'OneHotEncoder' || node.domain !== ML_DOMAIN) continue;
    if (intAttribute(node, 'zeros') !== 0) continue;
    const categories = new Set(stringsAttribute(node, 'cats_strings'));
    // Behind a LabelEncoder, a raw value is accepted when it maps to a category; any value
    // outside its keys maps to the default, which is accepted only if that is a category.
    if (mapping && categories.has(mapping('\u0000unlikely\u0000'))) continue;
    const accepted = mapping ? keys!.filter((key) => categories.has(mapping!(key))) : [...categories];
    vocabularies.set(name, new Set(accepted));
  }
  return vocabularies;
}

function attribute(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((candidate) => candidate.name === name);
}

function stringsAttribute(node: onnx.INodeProto, name: string): string[] {
  return (attribute(node, name)?.strings ?? []).map((bytes) => Buffer.from(bytes).toString('utf8'));
}

function stringAttribute(node: onnx.INodeProto, name: string): string | undefined {
  const bytes = attribute(node, name)?.s;
  return bytes ? Buffer.from(bytes).toString('utf8') : undefined;
}

function intAttribute(node: onnx.INodeProto, name: string): number | undefined {
  const value = attribute(node, name)?.i;
  return value === undefined || value === null ? undefined : Number(value);
}
