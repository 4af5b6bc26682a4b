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

describe('parseConfig: did-you-mean inside union members', () => {
  const columns = z.union([
    z.string(),
    z.object({ type: z.enum(['number', 'string']).optional(), except: z.array(z.string()).optional() }).strict(),
    z.array(z.string()),
  ]);
  const filter = z.discriminatedUnion('op', [
    z.object({ op: z.literal('dropMissing'), columns: z.array(z.string()), how: z.enum(['all', 'any']).default('all') }).strict(),
    z.object({ op: z.enum(['notNull', 'isNull']), column: z.string() }).strict(),
    z.object({ op: z.enum(['gt', 'lt']), column: z.string(), value: z.number() }).strict(),
  ]);
  const spec = z.object({ filters: z.array(filter).default([]), impute: z.array(z.object({ columns, strategy: z.string() }).strict()).default([]) }).strict();
  const parse = (value: unknown) => {
    try {
      parseConfig({ schema: spec, value, file: 'pipelines/p/preprocess/stage.json', stage: 'p-preprocess' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  it('suggests the field of the member the discriminator picks (a literal or an enum of it)', () => {
    const enumMember = parse({
      filters: [
        { op: 'dropMissing', columns: ['a'] },
        { op: 'notNull', columns: ['a'] },
      ],
    });
    expect(enumMember.message).toBe("Unknown field 'filters.1.columns' in pipelines/p/preprocess/stage.json (did you mean 'column'?)");
    expect(enumMember.field).toBe('filters.1.columns');
    expect(enumMember.hint).toBe("Allowed fields in 'filters.1': op, column.");
    const literalMember = parse({ filters: [{ op: 'dropMissing', column: 'a' }] });
    expect(literalMember.message).toMatch(/Unknown field 'filters.0.column' .*\(did you mean 'columns'\?\)/);
    const third = parse({ filters: [{ op: 'gt', column: 'a', vlaue: 3 }] });
    expect(third.message).toMatch(/Unknown field 'filters.0.vlaue' .*\(did you mean 'value'\?\)/);
  });

  it('suggests the field of the object member of a plain union', () => {
    const error = parse({ impute: [{ columns: { typ: 'number' }, strategy: 'median' }] });
    expect(error.message).toMatch(/Unknown field 'impute.0.columns.typ' .*\(did you mean 'type'\?\)/);
    expect(error.hint).toBe("Allowed fields in 'impute.0.columns': type, except.");
  });
});

describe('parseConfig: union members are told apart by the discriminator only', () => {
  it('does not pick a member because another enum field of it matches', () => {
    const filter = z.discriminatedUnion('op', [
      z.object({ op: z.literal('dropMissing'), columns: z.array(z.string()), how: z.enum(['all', 'any']) }).strict(),
      z.object({ op: z.literal('notNull'), column: z.string() }).strict(),
    ]);
    let error: ConfigError | undefined;
    try {
      parseConfig({ schema: z.object({ filters: z.array(filter) }).strict(), value: { filters: [{ op: 'notNull', how: 'all', colum: 'a' }] }, file: 'f.json' });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error!.message).toMatch(/Unknown field 'filters.0.how' in f.json/);
    expect(error!.hint).toBe("Allowed fields in 'filters.0': op, column.");
  });
});
