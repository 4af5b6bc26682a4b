import { DataError } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { attr } from './attribute';
import { GraphBuilder } from './graph-builder';
import { checkCategoricalValues, type ModelSignature } from './model-signature';
import { stringInputVocabularies } from './string-input-vocabulary';

function encoderGraph(zeros: 0 | 1, withLabelEncoder: boolean) {
  const g = new GraphBuilder('encoders');
  g.input({ name: 'island', type: 'string', shape: ['N', 1] });
  let value = 'island';
  if (withLabelEncoder) {
    // '' (missing) and '.' map to the fitted fill value; other strings to '' (not a category).
    value = g.mlOp(
      'LabelEncoder',
      ['island'],
      { keys_strings: ['Biscoe', 'Dream', '', '.'], values_strings: ['Biscoe', 'Dream', 'Dream', 'Dream'], default_string: attr.string('') },
      { type: 'string', shape: ['N', 1] },
    );
  }
  const onehot = g.mlOp('OneHotEncoder', [value], { cats_strings: ['Biscoe', 'Dream'], zeros: attr.int(zeros) }, { type: 'float32', shape: ['N', 1, 2] });
  g.opTo('features', 'Reshape', [onehot, g.int64s([-1, 2])]);
  g.output({ name: 'features', type: 'float32', shape: ['N', 2] });
  return g.build();
}

describe('stringInputVocabularies', () => {
  it('reads the values a strict one-hot encoder accepts, through the LabelEncoder that maps missing markers', () => {
    expect(stringInputVocabularies(encoderGraph(0, true)).get('island')).toEqual(new Set(['Biscoe', 'Dream', '', '.']));
    expect(stringInputVocabularies(encoderGraph(0, false)).get('island')).toEqual(new Set(['Biscoe', 'Dream']));
  });

  it('leaves out inputs whose encoder takes any value (zeros = 1)', () => {
    expect(stringInputVocabularies(encoderGraph(1, true)).has('island')).toBe(false);
  });
});

describe('checkCategoricalValues', () => {
  const signature: ModelSignature = {
    rawInputs: [{ name: 'Island', kind: 'string', onnxName: 'island' }],
    task: 'classification',
    outputs: [],
    acceptedStrings: new Map([['Island', new Set(['Biscoe', 'Dream', ''])]]),
  };

  it('names the column, the unseen values and their rows, and what the model knows', () => {
    let error: DataError | undefined;
    try {
      checkCategoricalValues({ signature, column: 'Island', fed: ['Biscoe', 'Anvers', '', 'Anvers', 'Torgersen'], file: 'batch.csv', firstRow: 101 });
    } catch (caught) {
      error = caught as DataError;
    }
    expect(error).toBeInstanceOf(DataError);
    expect(error!.field).toBe('Island');
    expect(error!.message).toBe(
      "batch.csv: column 'Island' holds values the model was not trained on: 'Anvers', 'Torgersen' (3 row(s), e.g. row 102, 104, 105)",
    );
    expect(error!.hint).toContain('The model knows: Biscoe, Dream.');
  });

  it('accepts values the encoder was fitted on, and missing ones it imputes', () => {
    expect(() => checkCategoricalValues({ signature, column: 'Island', fed: ['Dream', ''], file: 'b.csv' })).not.toThrow();
  });
});
