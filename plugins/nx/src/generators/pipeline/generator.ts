import { basename, extname } from 'node:path';
import { formatFiles, logger, type Tree } from '@nx/devkit';
import { type AnyStageKind, ConfigError, stableStringify } from '@reproml/core';
import {
  type DatasetFileSpec,
  type DatasetFormat,
  datasetFileKeySchema,
  datasetLockSchema,
  LOCK_FILE_NAME,
  type LockedFile,
  parseTable,
  profileTable,
  type TableProfile,
} from '@reproml/data';
import { pullKind } from '@reproml/data/kinds';
import { pushKind } from '@reproml/hub/kinds';
import { evaluateKind, trainKind } from '@reproml/onnx/kinds';
import { preprocessKind } from '@reproml/preprocess/kinds';
import { describeErrors } from '../describe-errors';
import { type ColumnDecision, type InferredPreprocess, inferPreprocess, inferTask, type Task } from './infer-pipeline';
import { readDataSource, sourceFileName } from './read-data-source';

export const MODEL_FAMILIES = ['logistic', 'linear', 'mlp', 'gbdt'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

export interface PipelineGeneratorOptions {
  name: string;
  /** Workspace-relative path of a csv/tsv/json/jsonl/parquet file, an https:// URL, or hf://datasets/<namespace>/<name>/<path-in-repo>. */
  data: string;
  target: string;
  task?: Task;
  model?: ModelFamily;
  /** File format when the source's extension does not tell it. */
  format?: DatasetFormat;
  /** hf:// sources only: branch, tag or commit to lock (default main). */
  revision?: string;
}

const PIPELINE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** The stage names the generated pipeline uses (stage folder = Nx project suffix). */
export const STAGES = { pull: 'data', preprocess: 'preprocess', train: 'train', evaluate: 'evaluate', push: 'push' } as const;
/**
 * The baseline per task: the simplest model that fits it. A regression target is standardized
 * for training (`training.standardizeTarget`, scaled back inside model.onnx), so a linear model
 * fits body masses in grams as well as targets near 0.
 */
export const BASELINE_MODEL: Record<Task, ModelFamily> = { classification: 'logistic', regression: 'linear' };
const STAGE_SCHEMA_FILE = 'plugins/nx/schemas/stage.schema.json';

/**
 * `nx g @reproml/nx:pipeline <name> --data <file | https://… | hf://datasets/…> --target <column>`:
 * locks and profiles the data file (through the pull stage's own sources) and writes a five-stage pipeline (pull + lock, preprocess inferred from the profile, train,
 * evaluate, push) that runs as it is. Every file is checked against its kind's schema here.
 */
export async function pipelineGenerator(tree: Tree, options: PipelineGeneratorOptions): Promise<() => void> {
  const root = `pipelines/${options.name}`;
  checkOptions(tree, options, root);
  const fileKey = fileKeyOf(sourceFileName(options.data));
  const source = await readDataSource(tree, options, fileKey, { stage: `${options.name}-${STAGES.pull}`, file: `${root}/${STAGES.pull}/stage.json` });
  const table = await parseTable({ bytes: source.bytes, format: source.format, file: options.data });
  if (!table.columns.some((column) => column.name === options.target)) {
    throw new ConfigError(`'${options.target}' is not a column of ${options.data}`, {
      field: 'target',
      file: options.data,
      hint: `Columns: ${table.columns.map((column) => JSON.stringify(column.name)).join(', ')}.`,
    });
  }
  const profile = profileTable(table);
  const taskChoice = options.task ? { task: options.task, reason: 'given by --task' } : inferTask(table, options.target);
  const model = options.model ?? BASELINE_MODEL[taskChoice.task];
  checkModelFitsTask(model, taskChoice.task);
  const inferred = inferPreprocess({ table, profile, target: options.target, task: taskChoice.task });
  const stageFiles = {
    [STAGES.pull]: pullStage(tree, options, { [fileKey]: source.spec }, profile),
    [STAGES.preprocess]: validated(preprocessKind, tree, {
      kind: 'preprocess',
      description: describePreprocess(inferred, taskChoice.task),
      inputs: { dataset: STAGES.pull },
      seed: 42,
      ...inferred.spec,
    }),
    [STAGES.train]: validated(trainKind, tree, {
      kind: 'train',
      description: `Baseline ${model} model for ${taskChoice.task} of '${options.target}'`,
      inputs: { features: STAGES.preprocess },
      seed: 42,
      model: modelConfig(model),
      ...trainingConfig(model, taskChoice.task),
    }),
    [STAGES.evaluate]: validated(evaluateKind, tree, {
      kind: 'evaluate',
      description: `${taskChoice.task === 'classification' ? 'Accuracy, F1 and the confusion matrix' : 'RMSE, MAE and R²'} of model.onnx on the held-out test split (raw rows). Add thresholds once you know the baseline`,
      inputs: { model: STAGES.train, features: STAGES.preprocess },
    }),
    [STAGES.push]: validated(pushKind, tree, {
      kind: 'push',
      description: 'Publishes the model with its card, lineage and metrics to the local model registry (.reproml/registry)',
      inputs: { model: STAGES.train, metrics: STAGES.evaluate },
      target: 'registry',
      model: options.name,
    }),
  };
  for (const [stage, content] of Object.entries(stageFiles)) tree.write(`${root}/${stage}/stage.json`, `${JSON.stringify(content, null, 2)}\n`);
  tree.write(`${root}/${STAGES.pull}/${LOCK_FILE_NAME}`, lockFileText({ [fileKey]: source.entry }));
  await formatFiles(tree);
  const summary = describeInference(options, taskChoice, model, inferred.decisions, profile.rows);
  return () => {
    for (const line of summary) logger.info(line);
  };
}

function checkOptions(tree: Tree, options: PipelineGeneratorOptions, root: string): void {
  if (!PIPELINE_NAME.test(options.name)) {
    throw new ConfigError(`'${options.name}' is not a pipeline name`, {
      field: 'name',
      hint: 'Use lowercase letters, digits and single dashes, e.g. "penguins".',
    });
  }
  if (tree.exists(root))
    throw new ConfigError(`${root} already exists`, { field: 'name', hint: 'Choose another pipeline name, or add stages with `nx g @reproml/nx:stage`.' });
}

function checkModelFitsTask(model: ModelFamily, task: Task): void {
  const fits = task === 'classification' ? model !== 'linear' : model !== 'logistic';
  if (!fits) {
    throw new ConfigError(`--model ${model} does not fit a ${task} task`, {
      field: 'model',
      hint: task === 'classification' ? 'Use logistic, mlp or gbdt.' : 'Use linear, mlp or gbdt.',
    });
  }
}

function modelConfig(model: ModelFamily): Record<string, unknown> {
  if (model === 'mlp') return { family: 'mlp', hiddenLayers: [32] };
  return { family: model };
}

/**
 * Networks train with Adam at 0.01 (the default 0.001 leaves a linear model short of its fit
 * within 100 epochs on a few hundred rows); a regression target is standardized, written out so
 * the stage file says so. gbdt takes no training section.
 */
function trainingConfig(model: ModelFamily, task: Task): Record<string, unknown> {
  if (model === 'gbdt') return {};
  return {
    training: {
      optimizer: { type: 'adam', learningRate: 0.01 },
      ...(task === 'regression' ? { standardizeTarget: true } : {}),
    },
  };
}

/** The data file's name without extension, made a valid pull file key. */
export function fileKeyOf(fileName: string): string {
  const stem = basename(fileName, extname(fileName))
    .replace(/[^a-zA-Z0-9_.-]+/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '');
  return datasetFileKeySchema.safeParse(stem).success ? stem : 'data';
}

function pullStage(tree: Tree, options: PipelineGeneratorOptions, files: Record<string, DatasetFileSpec>, profile: TableProfile): Record<string, unknown> {
  const columns = Object.fromEntries(profile.columns.map((column) => [column.name, { type: column.kind, ...(column.nulls > 0 ? { nullable: true } : {}) }]));
  return validated(pullKind, tree, {
    kind: 'pull',
    description: `${options.data} (${profile.rows} rows, ${profile.columns.length} columns), generated by nx g @reproml/nx:pipeline`,
    files,
    schema: { columns, extraColumns: 'error' },
  });
}

/** The lock `nx run <pipeline>-data:lock` writes (the entries come from the same source code). */
function lockFileText(files: Record<string, LockedFile>): string {
  return stableStringify(datasetLockSchema.parse({ lockVersion: 1, files }));
}

/** Checks a stage file against its kind's schema before it is written, and returns it with its $schema link. */
function validated(kind: AnyStageKind, tree: Tree, config: Record<string, unknown>): Record<string, unknown> {
  const result = kind.schema.safeParse(config);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`The generated ${kind.name} stage is invalid: ${issue.path.join('.')}: ${issue.message}`, {
      field: issue.path.join('.'),
      hint: 'This is a bug in the pipeline generator; please report it with the data file.',
    });
  }
  return tree.exists(STAGE_SCHEMA_FILE) ? { $schema: `../../../${STAGE_SCHEMA_FILE}`, ...config } : config;
}

function describePreprocess(inferred: InferredPreprocess, task: Task): string {
  const { decisions, rareClasses } = inferred;
  const group = (use: ColumnDecision['use']) => decisions.filter((decision) => decision.use === use).map((decision) => decision.column);
  const parts = [`Generated for ${task}`];
  if (group('scale').length) parts.push(`impute (median) and standard-scale ${group('scale').join(', ')}`);
  if (group('date').length) parts.push(`date features (then impute and scale) of ${group('date').join(', ')}`);
  if (group('onehot').length) parts.push(`impute (most frequent) and one-hot ${group('onehot').join(', ')}`);
  if (rareClasses.length) {
    parts.push(`rows of classes too rare for a stratified split filtered out: ${rareClasses.map((entry) => `${entry.value} (${entry.rows} rows)`).join(', ')}`);
  }
  const dropped = decisions.filter((decision) => decision.use === 'drop');
  if (dropped.length) parts.push(`dropped: ${dropped.map((decision) => `${decision.column} (${decision.reason})`).join('; ')}`);
  return parts.join('; ');
}

function describeInference(
  options: PipelineGeneratorOptions,
  task: { task: Task; reason: string },
  model: ModelFamily,
  decisions: ColumnDecision[],
  rows: number,
): string[] {
  const width = Math.max(...decisions.map((decision) => decision.column.length));
  return [
    `Profiled ${options.data}: ${rows} rows, ${decisions.length} columns.`,
    `Task: ${task.task} (${task.reason}); model: ${model}${options.model ? ' (given by --model)' : ' (baseline)'}.`,
    ...decisions.map((decision) => `  ${decision.column.padEnd(width)}  ${decision.use.padEnd(6)}  ${decision.reason}`),
    `Run it: nx run-many -t run --projects tag:pipeline:${options.name}`,
  ];
}

export default describeErrors(pipelineGenerator);
