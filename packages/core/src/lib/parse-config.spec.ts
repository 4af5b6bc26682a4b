import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './errors';
import { parseConfig } from './parse-config';

const schema = z
  .object({
    kind: z.literal('train'),
    model: z.object({ hiddenLayers: z.array(z.number().int()), learningRate: z.number().positive() }).strict(),
  })
  .strict();

describe('parseConfig', () => {
  it('names the misspelt field and suggests the known one', () => {
    const value = { kind: 'train', model: { hiddenLayers: [8], learningRat: 0.1 } };
    let error: ConfigError | undefined;
    try {
      parseConfig({ schema, value, file: 'pipelines/p/train/stage.json', stage: 'p-train' });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.field).toBe('model.learningRat');
    expect(error!.message).toContain("did you mean 'learningRate'?");
    expect(error!.describe()).toContain('file pipelines/p/train/stage.json');
  });

  it('names the path of a field with a wrong value', () => {
    expect(() => parseConfig({ schema, value: { kind: 'train', model: { hiddenLayers: [8], learningRate: -1 } }, file: 'f.json' })).toThrow(
      /Invalid field 'model.learningRate' in f.json/,
    );
  });
});
