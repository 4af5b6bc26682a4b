import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DataError, ReproError, runStage, type Table } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { penguinsConfig, penguinsTable, tableFromRecords } from '../testing/penguins';
import { type PreprocessStageConfig, preprocessStageConfigSchema } from './preprocess-stage-config';
import { runPreprocess } from './run-preprocess';

const STAGE = { name: 'penguins-preprocess', pipeline: 'penguins', kind: 'preprocess', file: 'pipelines/penguins/preprocess/stage.json' };

interface StageRun {
  outDir: string;
  workspace: string;
}

interface StageParams {
  table: Table;
  config: PreprocessStageConfig;
  /** Files to put in the stage folder (custom transform modules). */
  files?: Record<string, string>;
}

/** A fresh temp workspace with the stage folder and the upstream output folder. */
async function prepareWorkspace(params: StageParams) {
  const workspace = await mkdtemp(join(tmpdir(), 'preprocess-stage-'));
  const stageDir = join(workspace, 'pipelines', 'penguins', 'preprocess');
  const datasetDir = join(workspace, 'pipelines', 'penguins', 'data', 'out');
  await mkdir(stageDir, { recursive: true });
  await mkdir(datasetDir, { recursive: true });
  // The table is handed over directly; the file only stands for the upstream output in the lineage.
  await writeFile(join(datasetDir, 'penguins.json'), '[]');
  for (const [name, text] of Object.entries(params.files ?? {})) await writeFile(join(stageDir, name), text);
  const outDir = join(stageDir, 'out');
  const run = () =>
    runStage({
      stage: STAGE,
      config: params.config as unknown as Record<string, unknown>,
      seed: params.config.seed,
      workspaceRoot: workspace,
      outputDir: outDir,
      packages: ['zod'],
      onProgress: () => undefined,
      work: (context) =>
        runPreprocess({ context, config: params.config, stageDir, datasetDir, upstream: 'penguins-data', readTable: async () => params.table }),
    });
  return { workspace, stageDir, outDir, run };
}

/** Runs the stage as the executor does (runStage + runPreprocess). */
async function runInTempWorkspace(params: StageParams): Promise<StageRun> {
  const prepared = await prepareWorkspace(params);
  await prepared.run();
  return { outDir: prepared.outDir, workspace: prepared.workspace };
}

async function expectFailure(params: StageParams): Promise<ReproError> {
  const prepared = await prepareWorkspace(params);
  const before = (await readdir(prepared.stageDir)).sort();
  let caught: unknown;
  try {
    await prepared.run();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'the stage should fail').toBeInstanceOf(ReproError);
  expect((caught as ReproError).stage).toBe('penguins-preprocess');
  // runStage writes into a temp sibling: a failure leaves no out/ folder and no temp folder behind.
  expect(existsSync(prepared.outDir)).toBe(false);
  expect((await readdir(prepared.stageDir)).sort()).toEqual(before);
  return caught as ReproError;
}

function withConfig(patch: Record<string, unknown>): PreprocessStageConfig {
  const raw = JSON.parse(JSON.stringify(penguinsConfig())) as Record<string, unknown>;
  return preprocessStageConfigSchema.parse({ ...raw, ...patch });
}

describe('the preprocess stage', () => {
  it('writes the contract files, byte-identical across two clean runs', async () => {
    const one = await runInTempWorkspace({ table: penguinsTable(), config: penguinsConfig() });
    const two = await runInTempWorkspace({ table: penguinsTable(), config: penguinsConfig() });
    const files = (await readdir(one.outDir)).sort();
    expect(files).toEqual([
      'features.json',
      'lineage.json',
      'preprocess.onnx',
      'test.features.csv',
      'test.raw.csv',
      'train.features.csv',
      'train.raw.csv',
      'transform.json',
      'validation.features.csv',
      'validation.raw.csv',
    ]);
    for (const file of files) {
      expect((await readFile(join(two.outDir, file))).equals(await readFile(join(one.outDir, file))), file).toBe(true);
    }
    const manifest = JSON.parse(await readFile(join(one.outDir, 'features.json'), 'utf8'));
    expect(manifest.splits).toEqual({ train: { rows: 240 }, validation: { rows: 52 }, test: { rows: 50 } });
    expect(manifest.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    const raw = (await readFile(join(one.outDir, 'test.raw.csv'), 'utf8')).split('\n');
    expect(raw[0]).toBe('Island,Beak Length (mm),Beak Depth (mm),Flipper Length (mm),Body Mass (g),Sex,Species');
    expect(raw.length - 2).toBe(50);
  });

  it('gives other splits for another seed, and the same splits again for the first seed', async () => {
    const seven = await runInTempWorkspace({ table: penguinsTable(), config: penguinsConfig() });
    const eight = await runInTempWorkspace({ table: penguinsTable(), config: withConfig({ seed: 8 }) });
    const test = (run: StageRun) => readFile(join(run.outDir, 'test.raw.csv'), 'utf8');
    expect(await test(eight)).not.toBe(await test(seven));
  });

  it('records what auditors check in the lineage summary', async () => {
    const run = await runInTempWorkspace({ table: penguinsTable(), config: penguinsConfig() });
    const { summary } = JSON.parse(await readFile(join(run.outDir, 'lineage.json'), 'utf8'));
    expect(summary.input).toEqual({ file: 'penguins.json', rows: 344, columns: 7 });
    expect(summary.filters).toEqual([{ filter: 'dropMissing(all of: Beak Length (mm), Beak Depth (mm), Flipper Length (mm), Body Mass (g))', rowsDropped: 2 }]);
    expect(summary.rowsAfterFilters).toBe(342);
    expect(summary.splits.train).toEqual({ rows: 240, columns: 11 });
    expect(summary.nullCounts).toContainEqual({ column: 'Sex', before: 9, after: 0 });
    expect(summary.featureNames).toHaveLength(10);
    const bodyMass = summary.featureStatistics['Body Mass (g)'];
    expect(Math.abs(bodyMass.mean)).toBeLessThan(1e-12);
    expect(bodyMass.std).toBeCloseTo(1, 12);
  });

  it('records what selectors resolved to, so a new column in the data changes transform.json and the lineage', async () => {
    const config = withConfig({
      impute: [
        { columns: { type: 'number' }, strategy: 'median' },
        { columns: ['Sex'], strategy: 'constant', value: 'UNKNOWN' },
      ],
      encode: [{ columns: { type: 'string' }, categories: { Sex: ['FEMALE', 'MALE', 'UNKNOWN'] } }],
      scale: [{ columns: { type: 'number' }, method: 'standard' }],
    });
    const before = await runInTempWorkspace({ table: penguinsTable(), config });
    const withNewColumn = penguinsTable();
    withNewColumn.columns.push({
      name: 'Wing Span (mm)',
      kind: 'number',
      values: Float64Array.from({ length: withNewColumn.rowCount }, (_, i) => 200 + (i % 17)),
    });
    const after = await runInTempWorkspace({ table: withNewColumn, config });
    const transform = async (run: StageRun) => JSON.parse(await readFile(join(run.outDir, 'transform.json'), 'utf8'));
    const resolved = (document: { resolvedColumns: { field: string; columns: string[] }[] }, field: string) =>
      document.resolvedColumns.find((entry) => entry.field === field)!.columns;
    const numbers = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];
    expect(resolved(await transform(before), 'scale[0].columns')).toEqual(numbers);
    expect(resolved(await transform(after), 'scale[0].columns')).toEqual([...numbers, 'Wing Span (mm)']);
    expect(resolved(await transform(after), 'encode[0].columns')).toEqual(['Island', 'Sex']);
    const { summary } = JSON.parse(await readFile(join(after.outDir, 'lineage.json'), 'utf8'));
    expect(summary.resolvedColumns['impute[0].columns']).toEqual([...numbers, 'Wing Span (mm)']);
    expect(summary.featureNames).toContain('Wing Span (mm)');
  });

  describe('bad input: a clear error naming stage, column and rows, and nothing written', () => {
    it('a column named in the spec that does not exist suggests the close match', async () => {
      const error = await expectFailure({
        table: penguinsTable(),
        config: withConfig({ encode: [{ columns: ['island', 'Sex'], categories: { Sex: ['FEMALE', 'MALE', 'UNKNOWN'] } }] }),
      });
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.field).toBe('encode[0].columns[0]');
      expect(error.message).toMatch(/Column 'island' named in encode\[0\]\.columns\[0\] does not exist .*\(did you mean 'Island'\?\)/);
      expect(error.file).toBe('pipelines/penguins/preprocess/stage.json');
    });

    it('a category column holding numbers', async () => {
      const table = penguinsTable();
      const numericIsland = tableFromRecords(
        Array.from({ length: table.rowCount }, (_, row) =>
          Object.fromEntries(table.columns.map((c) => [c.name, c.name === 'Island' ? row % 3 : (c.values[row] ?? null)])),
        ),
      );
      expect(numericIsland.columns.find((c) => c.name === 'Island')!.kind).toBe('number');
      const error = await expectFailure({ table: numericIsland, config: penguinsConfig() });
      expect(error).toBeInstanceOf(DataError);
      expect(error.message).toMatch(/Column 'Island' is encoded as a category .* but holds numbers, e\.g\. 0 in row 1/);
    });

    it('an all-null column', async () => {
      const table = penguinsTable();
      (table.columns.find((c) => c.name === 'Sex')!.values as (string | null)[]).fill(null);
      const error = await expectFailure({ table, config: penguinsConfig() });
      expect(error.message).toMatch(/Column 'Sex' has no values: all 342 rows are missing/);
    });

    it('a stratified split that leaves a class empty', async () => {
      const table = penguinsTable();
      const species = table.columns.find((c) => c.name === 'Species')!.values as (string | null)[];
      species[0] = 'Emperor';
      const error = await expectFailure({ table, config: penguinsConfig() });
      expect(error.message).toMatch(/leaves class 'Emperor' empty in the (validation|test) split/);
      expect(error.field).toBe('split.stratify');
    });

    it('non-finite numbers', async () => {
      const table = penguinsTable();
      const mass = table.columns.find((c) => c.name === 'Body Mass (g)')!.values as Float64Array;
      mass[10] = Infinity;
      mass[20] = -Infinity;
      const error = await expectFailure({ table, config: penguinsConfig() });
      expect(error.message).toMatch(/Column 'Body Mass \(g\)' has non-finite numbers \(±Infinity\) in rows 11, 21/);
    });

    it('a category that was not fitted, under unseen "error"', async () => {
      const table = penguinsTable();
      (table.columns.find((c) => c.name === 'Sex')!.values as (string | null)[])[0] = 'male';
      const error = await expectFailure({ table, config: penguinsConfig() });
      expect(error.message).toMatch(/Column 'Sex' has values that are not fitted categories: "male" in row 1/);
    });

    it('a number column left with missing values and no impute rule', async () => {
      const error = await expectFailure({
        table: penguinsTable(),
        config: withConfig({ filters: [], impute: [{ columns: ['Sex'], strategy: 'constant', value: 'UNKNOWN' }] }),
      });
      expect(error.message).toMatch(/Column 'Beak Length \(mm\)' has missing values in rows 4, 340 and no impute rule/);
    });
  });

  it('runs a custom transform over a danfojs DataFrame from the stage folder', async () => {
    const module = `
      module.exports = function addRatio(df) {
        const ratio = df.column('Beak Length (mm)').values.map((length, i) => length / df.column('Beak Depth (mm)').values[i]);
        df.addColumn('Beak Ratio', ratio, { inplace: true });
        return df;
      };`;
    const config = withConfig({
      custom: [{ module: './add-ratio.js' }],
      impute: [
        { columns: ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Beak Ratio'], strategy: 'median' },
        { columns: ['Sex'], strategy: 'constant', value: 'UNKNOWN' },
      ],
    });
    const run = await runInTempWorkspace({ table: penguinsTable(), config, files: { 'add-ratio.js': module } });
    const manifest = JSON.parse(await readFile(join(run.outDir, 'features.json'), 'utf8'));
    expect(manifest.featureNames).toContain('Beak Ratio');
    const lineage = JSON.parse(await readFile(join(run.outDir, 'lineage.json'), 'utf8'));
    expect(lineage.inputs.map((input: { path: string }) => input.path)).toContain('pipelines/penguins/preprocess/add-ratio.js');
    const raw = (await readFile(join(run.outDir, 'train.raw.csv'), 'utf8')).split('\n');
    const header = raw[0]!.split(',');
    const [length, depth, ratio] = ['Beak Length (mm)', 'Beak Depth (mm)', 'Beak Ratio'].map((name) => header.indexOf(name));
    const first = raw[1]!.split(',').map(Number);
    expect(first[ratio!]).toBeCloseTo(first[length!]! / first[depth!]!, 12);
  });

  it('does not say a misspelt column is missing from the data file once custom transforms made columns', async () => {
    const module = `module.exports = (df) => { df.addColumn('Beak Ratio', df.column('Beak Length (mm)').values, { inplace: true }); return df; };`;
    const config = withConfig({ custom: [{ module: './add-ratio.js' }], impute: [{ columns: ['Beak Ratoi'], strategy: 'median' }] });
    const error = await expectFailure({ table: penguinsTable(), config, files: { 'add-ratio.js': module } });
    expect(error.message).toMatch(/Column 'Beak Ratoi' named in impute\[0\]\.columns\[0\] does not exist.*did you mean 'Beak Ratio'/);
    expect(error.hint).toMatch(/^Columns available in \S+ after the custom transforms: .*'Beak Ratio'/);
  });

  it('fails clearly when a custom transform mixes strings and numbers in a column', async () => {
    const module = `module.exports = (df) => { df.addColumn('Mixed', df.column('Island').values.map((v, i) => (i % 2 ? v : i)), { inplace: true }); return df; };`;
    const error = await expectFailure({
      table: penguinsTable(),
      config: withConfig({ custom: [{ module: './mixed.js' }] }),
      files: { 'mixed.js': module },
    });
    expect(error.message).toMatch(/custom transform \.\/mixed\.js returned column 'Mixed' mixing strings with number values \(e\.g\. 0\) in rows 1, 3, 5/);
  });
});
