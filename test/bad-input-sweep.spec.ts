import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_INPUT_CASES, type BadInputCase, corruptCsv } from './support/bad-inputs';
import { type NxResult, TempWorkspace } from './support/temp-workspace';

/**
 * The bad input sweep: every stage kind that reads data, fed each malformed input through the
 * real nx CLI. All stages live in one pipeline of one temp workspace and run in a single
 * `nx run-many --nxBail=false`, so the sweep costs one nx start, not one per case.
 *
 * - a good pipeline whose columns have non-ASCII names ("Größe (cm)", "体重") runs end to end:
 *   pull → preprocess → train → evaluate, predict, and a drift check;
 * - every bad case must fail its stage with exit code ≠ 0, an error naming the stage, the file
 *   and (where the problem has one) the column, and leave nothing in the stage folder.
 */
const PIPELINE = 'sweep';
const SIZE = 'Größe (cm)';
const WEIGHT = '体重';

/** 60 rows, two number columns with non-ASCII names, a category, and a target the numbers predict. */
function goodCsv(): string {
  const lines = [`${SIZE},${WEIGHT},Farbe,Art`];
  for (let i = 0; i < 60; i++) {
    const size = 20 + ((i * 7) % 30);
    const weight = i === 5 ? '' : String(2 + ((i * 13) % 17) / 2);
    lines.push(`${size},${weight},${['rot', 'blau', 'grün'][i % 3]},${size > 34 ? 'Kätzchen' : 'Hündchen'}`);
  }
  return `${lines.join('\n')}\n`;
}

const SCHEMA = {
  columns: {
    [SIZE]: { type: 'number' },
    [WEIGHT]: { type: 'number', nullable: true },
    Farbe: { type: 'string' },
    Art: { type: 'string' },
  },
};

/** Cases a pull stage can catch on its own (without a schema, a column of text is a string column, not an error). */
const PULL_CASES: readonly BadInputCase[] = ['empty', 'encoding', 'huge', 'duplicate-columns', 'inf', 'zero-rows'];
const PULL_SCHEMA_CASES: readonly BadInputCase[] = ['wrong-types', 'missing-column'];
/** In raw data NaN means missing (imputed), so it is no error there; it is in feature files. */
const RAW_CASES = BAD_INPUT_CASES.filter((problem) => problem !== 'nan');
const FEATURE_CASES = BAD_INPUT_CASES;

const COPY_SCRIPT = `import { cpSync } from 'node:fs';
import { join } from 'node:path';

export default async function copyCases(stage: any): Promise<void> {
  cpSync(join(__dirname, 'cases'), stage.outDir, { recursive: true });
}
`;

/** Copies a preprocess stage's outputs, corrupting train.features.csv and test.raw.csv the same way. */
const CORRUPT_SCRIPT = `import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corruptCsv } from './bad-inputs';

export default async function corrupt(stage: any): Promise<void> {
  cpSync(stage.inputs.features, stage.outDir, { recursive: true, filter: (source: string) => !source.endsWith('lineage.json') });
  for (const file of ['train.features.csv', 'test.raw.csv']) {
    writeFileSync(join(stage.outDir, file), corruptCsv(readFileSync(join(stage.inputs.features, file), 'utf8'), stage.params.problem));
  }
}
`;

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

class SweepLayout {
  /** Stage name → the files its folder holds before the run (what must still be all there after a failure). */
  readonly stages = new Map<string, string[]>();

  constructor(private readonly workspace: TempWorkspace) {}

  stage(name: string, config: object, files: Record<string, string | Buffer> = {}): void {
    this.workspace.write(`pipelines/${PIPELINE}/${name}/stage.json`, config);
    for (const [file, content] of Object.entries(files)) this.writeBytes(`pipelines/${PIPELINE}/${name}/${file}`, content);
    this.stages.set(name, ['stage.json', ...Object.keys(files).map((file) => file.split('/')[0]!)].sort());
  }

  pull(name: string, bytes: Buffer, schema?: object, format: 'csv' | 'json' | 'jsonl' = 'csv'): void {
    const source = `pipelines/${PIPELINE}/raw/${name}.${format}`;
    this.writeBytes(source, bytes);
    const lock = {
      files: { rows: { format, revision: null, sha256: sha256(bytes), size: bytes.length, source } },
      lockVersion: 1,
    };
    this.stage(name, { kind: 'pull', files: { rows: { source } }, ...(schema ? { schema } : {}) }, { 'stage.lock.json': `${JSON.stringify(lock, null, 2)}\n` });
  }

  private writeBytes(relativePath: string, content: string | Buffer): void {
    if (typeof content === 'string') this.workspace.write(relativePath, content);
    else {
      this.workspace.write(relativePath, '');
      require('node:fs').writeFileSync(this.workspace.path(relativePath), content);
    }
  }
}

function layOut(workspace: TempWorkspace): SweepLayout {
  const layout = new SweepLayout(workspace);
  const good = goodCsv();
  const goodBytes = Buffer.from(good);

  // The good pipeline, with non-ASCII column names all the way through.
  layout.pull('data', goodBytes, SCHEMA);
  layout.stage('prep', {
    kind: 'preprocess',
    inputs: { dataset: 'data' },
    seed: 3,
    target: { column: 'Art', task: 'classification' },
    impute: [{ columns: [SIZE, WEIGHT], strategy: 'median' }],
    encode: [{ columns: ['Farbe'], method: 'onehot', unseen: 'ignore' }],
    scale: [{ columns: [SIZE, WEIGHT], method: 'standard' }],
    split: { train: 0.6, validation: 0.2, test: 0.2 },
  });
  layout.stage('train', {
    kind: 'train',
    inputs: { features: 'prep' },
    model: { family: 'logistic' },
    training: { epochs: 5, batchSize: 16, earlyStopping: false },
  });
  layout.stage('evaluate', { kind: 'evaluate', inputs: { model: 'train', features: 'prep' } });
  layout.stage('predict', { kind: 'predict', inputs: { model: 'train' }, data: { path: 'rows.csv' } }, { 'rows.csv': good });
  layout.pull('batch', goodBytes);
  layout.stage('drift', { kind: 'drift', inputs: { batch: 'batch', features: 'prep', model: 'train' }, onAlert: 'record' });

  // Raw-data cases.
  for (const problem of PULL_CASES) layout.pull(`pull-${problem}`, corruptCsv(good, problem));
  for (const problem of PULL_SCHEMA_CASES) layout.pull(`pull-schema-${problem}`, corruptCsv(good, problem), SCHEMA);
  // The other text formats go through the same checks: JSON's 1e999 is no silent missing value, JSONL is decoded strictly.
  layout.pull('pull-json-inf', Buffer.from(`[{"${SIZE}": 20, "Art": "a"}, {"${SIZE}": 1e999, "Art": "b"}]\n`), undefined, 'json');
  layout.pull(
    'pull-jsonl-encoding',
    Buffer.concat([Buffer.from(`{"${SIZE}": 20, "Art": "a"}\n{"${SIZE}": 21, "Art": "`), Buffer.from([0xff]), Buffer.from('"}\n')]),
    undefined,
    'jsonl',
  );
  layout.stage(
    'files',
    { kind: 'script', script: 'copy-cases.ts' },
    { 'copy-cases.ts': COPY_SCRIPT, ...Object.fromEntries(RAW_CASES.map((problem) => [`cases/${problem}.csv`, corruptCsv(good, problem)])) },
  );
  for (const problem of RAW_CASES) {
    layout.stage(`preprocess-${problem}`, { ...readConfig(workspace, 'prep'), inputs: { dataset: 'files' }, file: problem });
    layout.stage(`predict-${problem}`, { kind: 'predict', inputs: { model: 'train', files: 'files' }, data: { from: 'files', path: `${problem}.csv` } });
    layout.stage(`drift-${problem}`, { kind: 'drift', inputs: { batch: 'files', features: 'prep', model: 'train' }, file: problem, onAlert: 'record' });
  }

  // Corrupted upstream outputs of a preprocess stage, for train and evaluate.
  const helper = readFileSync(join(__dirname, 'support', 'bad-inputs.ts'), 'utf8');
  for (const problem of FEATURE_CASES) {
    layout.stage(
      `broken-${problem}`,
      { kind: 'script', inputs: { features: 'prep' }, script: 'corrupt.ts', params: { problem } },
      { 'corrupt.ts': CORRUPT_SCRIPT, 'bad-inputs.ts': helper },
    );
    layout.stage(`train-${problem}`, { ...readConfig(workspace, 'train'), inputs: { features: `broken-${problem}` } });
    if (problem !== 'nan') layout.stage(`evaluate-${problem}`, { kind: 'evaluate', inputs: { model: 'train', features: `broken-${problem}` } });
  }
  return layout;
}

function readConfig(workspace: TempWorkspace, stage: string): Record<string, unknown> {
  return JSON.parse(workspace.read(`pipelines/${PIPELINE}/${stage}/stage.json`));
}

/** The lines nx printed for one task (`--output-style=stream` prefixes each with `<project>: `). */
function taskOutput(output: string, project: string): string {
  const prefix = `${project}: `;
  return output
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length))
    .join('\n');
}

/** The error block a failed task printed: from `error: [stage …]` to the end of its output. */
function errorOf(output: string, project: string): string {
  const lines = taskOutput(output, project);
  const at = lines.indexOf('error: [');
  return at === -1 ? '' : lines.slice(at);
}

const COLUMN = SIZE;
const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const C = esc(COLUMN);

/** What each failing stage must say: the file it names, whether the column is the error's field, and the message. */
interface Expectation {
  stage: string;
  file: string;
  /** The column is named in the message; `field` says it is also the error's `field`. */
  column: 'field' | 'message' | 'none';
  message: RegExp;
}

const RAW_MESSAGES: Record<string, RegExp> = {
  empty: /is empty: expected a header line/,
  encoding: new RegExp(`is not valid UTF-8 \\(first invalid byte at offset \\d+, line 3, column '${C}'\\)`),
  huge: new RegExp(`line 3, column '${C}' holds a value of 1,100,000 characters, over the limit of 1,048,576 \\(1 MiB\\)`),
  'duplicate-columns': new RegExp(`column '${C}' appears twice in the header \\(columns 1 and 2\\)`),
  inf: new RegExp(`column '${C}' holds an infinite number at line 3 \\("Infinity"\\)`),
  'zero-rows': /has a header \(4 column\(s\)\) but no rows/,
};
const COLUMN_IS_FIELD: Record<string, 'field' | 'none'> = {
  empty: 'none',
  encoding: 'field',
  huge: 'field',
  'duplicate-columns': 'field',
  inf: 'field',
  'zero-rows': 'none',
};

function expectations(): Expectation[] {
  const list: Expectation[] = [];
  for (const problem of PULL_CASES) {
    list.push({
      stage: `pull-${problem}`,
      file: `pipelines/sweep/raw/pull-${problem}.csv`,
      column: COLUMN_IS_FIELD[problem]!,
      message: RAW_MESSAGES[problem]!,
    });
  }
  list.push(
    {
      stage: 'pull-schema-wrong-types',
      file: 'pipelines/sweep/raw/pull-schema-wrong-types.csv',
      column: 'message',
      message: new RegExp(`column '${C}' should hold numbers: 1 of 60 row\\(s\\); e.g. "abc" \\(row 2\\)`),
    },
    {
      stage: 'pull-schema-missing-column',
      file: 'pipelines/sweep/raw/pull-schema-missing-column.csv',
      column: 'message',
      message: new RegExp(`column '${C}' is missing`),
    },
    {
      stage: 'pull-json-inf',
      file: 'pipelines/sweep/raw/pull-json-inf.json',
      column: 'field',
      message: new RegExp(`column '${C}' holds an infinite number at row 2 \\("Infinity"\\)`),
    },
    {
      stage: 'pull-jsonl-encoding',
      file: 'pipelines/sweep/raw/pull-jsonl-encoding.jsonl',
      column: 'none',
      message: /is not valid UTF-8 \(first invalid byte at offset \d+, line 2\)/,
    },
  );
  for (const problem of RAW_CASES) {
    const data = `files/out/${problem}.csv`;
    const raw = (kind: string): Expectation | undefined =>
      RAW_MESSAGES[problem] ? { stage: `${kind}-${problem}`, file: data, column: COLUMN_IS_FIELD[problem]!, message: RAW_MESSAGES[problem]! } : undefined;
    const preprocess = raw('preprocess') ?? {
      stage: `preprocess-${problem}`,
      // The stage file is the error's file (its spec names the column); the data file is in the message or hint.
      file: data,
      column: 'message' as const,
      message:
        problem === 'wrong-types'
          ? new RegExp(
              `'${C}' is a string column \\(its other values are numbers, but it holds "abc" in row 2 of pipelines/sweep/files/out/wrong-types\\.csv\\); only number columns are scaled`,
            )
          : new RegExp(
              `Column '${C}' named in impute\\[0\\]\\.columns\\[0\\] does not exist[^\\n]*\\n {2}→ Columns available in pipelines/sweep/files/out/missing-column\\.csv: '${esc(WEIGHT)}', 'Farbe'\\.`,
            ),
    };
    const predict = raw('predict') ?? {
      stage: `predict-${problem}`,
      file: data,
      column: 'field' as const,
      message:
        problem === 'wrong-types'
          ? new RegExp(`column '${C}' is declared as a number but line 3 holds "abc"`)
          : new RegExp(`does not match the model's inputs: missing column '${C}'`),
    };
    if (problem === 'inf') predict.message = new RegExp(`column '${C}' holds an infinite number at line 3 \\("Infinity"\\)`);
    if (problem === 'zero-rows') predict.message = /has no rows to predict \(a header alone\)/;
    if (problem === 'zero-rows') Object.assign(preprocess, { message: /has a header \(4 column\(s\)\) but no rows/ });
    const drift = raw('drift') ?? {
      stage: `drift-${problem}`,
      file: data,
      column: 'field' as const,
      message:
        problem === 'wrong-types'
          ? new RegExp(`column '${C}' is declared as a number but line 3 holds "abc"`)
          : new RegExp(`does not match the model's inputs: missing column '${C}'`),
    };
    if (problem === 'zero-rows') drift.message = /has a header but no rows: there is no batch to compare/;
    list.push(preprocess, predict, drift);
  }
  for (const problem of FEATURE_CASES) {
    const features = `sweep-broken-${problem}/out/train.features.csv`;
    const rawFile = `sweep-broken-${problem}/out/test.raw.csv`;
    const trainMessage: Record<string, RegExp> = {
      ...RAW_MESSAGES,
      encoding: new RegExp(`is not valid UTF-8 \\(first invalid byte at offset \\d+, line 3, column '${C}'\\)`),
      'wrong-types': new RegExp(`column '${C}' is declared as a number but line 3 holds "abc"`),
      'missing-column': new RegExp(`but features.json names 5 \\(.*\\): missing '${C}'`),
      nan: new RegExp(`train split: feature '${C}' is NaN in row 2`),
      'zero-rows': /train\.features\.csv has no rows: the train split is empty/,
    };
    list.push({
      stage: `train-${problem}`,
      file: features,
      column: ['empty', 'zero-rows'].includes(problem) ? 'none' : 'field',
      message: trainMessage[problem]!,
    });
    if (problem === 'nan') continue;
    const evaluateMessage: Record<string, RegExp> = {
      ...trainMessage,
      // evaluate streams the raw split through the model, reading only the model's input columns
      'missing-column': new RegExp(`test\\.raw\\.csv has no column '${C}'`),
      'zero-rows': /test\.raw\.csv has 0 rows but .*test\.features\.csv has \d+/,
    };
    list.push({
      stage: `evaluate-${problem}`,
      file: rawFile,
      column: ['empty', 'zero-rows'].includes(problem) ? 'none' : 'field',
      message: evaluateMessage[problem]!,
    });
  }
  return list;
}

const GOOD_STAGES = ['data', 'prep', 'train', 'evaluate', 'predict', 'batch', 'drift', 'files', ...FEATURE_CASES.map((problem) => `broken-${problem}`)];

describe('bad input sweep (real nx CLI, one run-many)', () => {
  let workspace: TempWorkspace;
  let layout: SweepLayout;
  let run: NxResult;

  beforeAll(() => {
    workspace = TempWorkspace.create({ label: 'bad-inputs' });
    layout = layOut(workspace);
    workspace.commitAll('sweep pipeline');
    const started = Date.now();
    run = workspace.nx(['run-many', '-t', 'run', '-p', `tag:pipeline:${PIPELINE}`, '--nxBail=false', '--parallel=3', '--output-style=stream']);
    console.log(`bad input sweep: ${layout.stages.size} stages in one nx run-many, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // SWEEP_PRINT=1 prints each bad stage's error line (what the README table quotes).
    if (process.env.SWEEP_PRINT) for (const { stage } of expectations()) console.log(errorOf(run.output, `${PIPELINE}-${stage}`).split('\n')[0]);
  }, 300_000);
  afterAll(() => (process.env.SWEEP_KEEP ? console.log('kept', workspace.root) : workspace?.remove()));

  it('exits non-zero and fails exactly the bad stages', () => {
    expect(run.status).not.toBe(0);
    const failed = [...run.output.matchAll(/^- (sweep-\S+):run$/gm)].map((match) => match[1]!.slice(PIPELINE.length + 1)).sort();
    expect(failed).toEqual(
      expectations()
        .map((expectation) => expectation.stage)
        .sort(),
    );
    expect([...layout.stages.keys()].sort()).toEqual([...GOOD_STAGES, ...expectations().map((expectation) => expectation.stage)].sort());
  });

  it('non-ASCII column names work end to end: pull → preprocess → train → evaluate, predict and drift', () => {
    for (const stage of GOOD_STAGES) expect(workspace.exists(`pipelines/${PIPELINE}/${stage}/out/lineage.json`), stage).toBe(true);
    const features = JSON.parse(workspace.read(`pipelines/${PIPELINE}/prep/out/features.json`));
    expect(features.rawInputs.map((input: { name: string }) => input.name)).toEqual([SIZE, WEIGHT, 'Farbe']);
    expect(features.featureNames).toEqual([SIZE, WEIGHT, 'Farbe=blau', 'Farbe=grün', 'Farbe=rot']);
    expect(new Set(features.rawInputs.map((input: { onnxName: string }) => input.onnxName)).size).toBe(3);
    expect(features.classes).toEqual(['Hündchen', 'Kätzchen']);
    const predictions = workspace.read(`pipelines/${PIPELINE}/predict/out/predictions.csv`).trim().split('\n');
    expect(predictions[0]).toBe('row,label,probability_Hündchen,probability_Kätzchen');
    expect(predictions).toHaveLength(61);
    const drift = JSON.parse(workspace.read(`pipelines/${PIPELINE}/drift/out/drift.json`));
    expect(drift.features.map((feature: { name: string }) => feature.name)).toEqual([SIZE, WEIGHT, 'Farbe']);
  });

  it.each(expectations().map((expectation) => [expectation.stage, expectation] as const))(
    '%s: a clear error naming the stage, the file and the column, and nothing written',
    (_name, expectation) => {
      const project = `${PIPELINE}-${expectation.stage}`;
      const error = errorOf(run.output, project);
      expect(error, taskOutput(run.output, project)).toMatch(new RegExp(`^error: \\[stage ${esc(project)}, file [^\\]]*\\]`));
      expect(error).toContain(expectation.file);
      expect(error).toMatch(expectation.message);
      if (expectation.column === 'field') expect(error.split('\n')[0]).toMatch(new RegExp(`field [^\\]]*${C}`));
      if (expectation.column === 'message') expect(error).toContain(`'${COLUMN}'`);
      expect(error).toMatch(/\n {2}→ \S/);
      // Nothing written: the stage folder holds what it held before (no out/, no temp folder).
      expect(readdirSync(workspace.path(`pipelines/${PIPELINE}/${expectation.stage}`)).sort()).toEqual(layout.stages.get(expectation.stage));
      expect(existsSync(workspace.path(`pipelines/${PIPELINE}/${expectation.stage}/out`))).toBe(false);
    },
  );
});
