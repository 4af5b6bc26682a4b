import type { onnx } from 'onnx-proto';
import type { ClassKind } from '../contracts/features-manifest';
import { attr } from './attribute';
import { GraphBuilder } from './graph-builder';
import type { ElementType } from './onnx-types';

/** Outputs of a classifier's model.onnx besides `label` and `probabilities`: the class index of `label`. */
export const CLASS_ID_OUTPUT = 'class_id';

/**
 * The tail of a classifier: class ids (ArgMax of a network or a tree ensemble) in, the data's
 * class values out, so any ONNX runtime gets the label itself from model.onnx. `label` holds
 * the classes as strings, or, for a target that held numbers, as int64 (all whole) or double;
 * `class_id` keeps the index (what evaluate compares and what indexes `probabilities`), and
 * `probabilities` passes through.
 */
export function buildClassLabelGraph(params: { classes: readonly string[]; classKind: ClassKind; probabilitiesType: ElementType }): onnx.IGraphProto {
  const { classes } = params;
  const g = new GraphBuilder('class_labels');
  g.input({ name: 'ids', type: 'int64', shape: ['N'] });
  g.input({ name: 'scores', type: params.probabilitiesType, shape: ['N', classes.length] });
  const values = classValues(classes, params.classKind);
  const table = g.constant({ type: values.type, dims: [classes.length], values: values.values, hint: 'classes' });
  g.opTo('label', 'Gather', [table, 'ids'], { axis: attr.int(0) });
  g.opTo(CLASS_ID_OUTPUT, 'Identity', ['ids']);
  g.opTo('probabilities', 'Identity', ['scores']);
  g.output({ name: 'label', type: values.type, shape: ['N'] });
  g.output({ name: 'probabilities', type: params.probabilitiesType, shape: ['N', classes.length] });
  g.output({ name: CLASS_ID_OUTPUT, type: 'int64', shape: ['N'] });
  return g.build();
}

/** The element type of `label`: string, int64 when every class is a whole number, double otherwise. */
export function classValues(classes: readonly string[], kind: ClassKind): { type: 'string' | 'int64' | 'float64'; values: string[] | number[] } {
  if (kind === 'string') return { type: 'string', values: [...classes] };
  const numbers = classes.map(Number);
  return { type: numbers.every(Number.isSafeInteger) ? 'int64' : 'float64', values: numbers };
}
