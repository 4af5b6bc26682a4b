import type { GitState } from '@reproml/core';
import type { MetricsDocument, ModelInfo } from '@reproml/onnx/contracts';
import { type DataChanges, renderDataChanges } from './data-changes';
import type { ModelLineage, StageLineage } from './model-lineage';
import type { FileEntry } from './model-version';
import { toYaml } from './yaml-front-matter';

export interface ModelCardParams {
  model: string;
  pipeline: string;
  lineage: ModelLineage;
  /** metrics.json of the evaluate stage (its contract, `metricsOutput`), when there is one. */
  metrics?: MetricsDocument;
  /** model.json of the train stage, when there is one. */
  modelInfo?: ModelInfo;
  git: GitState | null;
  fingerprint: string;
  /** The artifact files (card and manifest excluded). */
  files: readonly FileEntry[];
  modelPath: string;
  tags?: readonly string[];
  license?: string;
  /** What the datasets' changelogs record since the previous version. */
  dataChanges?: DataChanges;
}

const METRIC_NAMES: Record<string, string> = {
  accuracy: 'Accuracy',
  precision: 'Precision (macro)',
  recall: 'Recall (macro)',
  f1: 'F1 (macro)',
  rocAuc: 'ROC AUC',
  logLoss: 'Log loss',
  rmse: 'RMSE',
  mae: 'MAE',
  r2: 'R²',
};

/** The headline metrics of metrics.json: its finite top-level numbers, minus bookkeeping fields. */
export function numericMetrics(metrics: MetricsDocument | undefined): Record<string, number> {
  const result: Record<string, number> = {};
  // In name order, as metrics.json stores them (stable JSON), whatever order the contract parses them in.
  for (const [name, value] of Object.entries(metrics ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (name === 'rows' || name === 'schemaVersion') continue;
    if (typeof value === 'number' && Number.isFinite(value)) result[name] = value;
  }
  return result;
}

const HUB_DATASET = /^hf:\/\/datasets\/([^/]+\/[^/]+)\//;

/**
 * The model card: README.md of the Hub repo, YAML front matter in the Hub's format
 * (library_name, tags, datasets, model-index) then text generated from the lineage.
 * Nothing in it comes from the environment except recorded versions: no tokens, no paths
 * outside the workspace.
 */
export function renderModelCard(params: ModelCardParams): string {
  return `---\n${toYaml(frontMatter(params))}---\n\n${body(params)}`;
}

function taskOf(params: ModelCardParams): 'classification' | 'regression' {
  const task = params.metrics?.task ?? params.lineage.chain.find((stage) => stage.record.stage.kind === 'preprocess')?.record.config['target'];
  if (task === 'regression' || (typeof task === 'object' && task && (task as { task?: string }).task === 'regression')) return 'regression';
  return 'classification';
}

function frontMatter(params: ModelCardParams): Record<string, unknown> {
  const task = taskOf(params);
  const pipelineTag = task === 'regression' ? 'tabular-regression' : 'tabular-classification';
  const family = params.modelInfo?.family ?? stringAt(trainStage(params)?.record.config['model'] as Record<string, unknown>, 'family');
  const hubDatasets = [...new Set(params.lineage.datasets.map((d) => HUB_DATASET.exec(d.source)?.[1]).filter((d): d is string => !!d))];
  const metrics = numericMetrics(params.metrics);
  const split = params.metrics?.split ?? 'test';
  const firstDataset = params.lineage.datasets[0];
  const firstDatasetId = firstDataset ? HUB_DATASET.exec(firstDataset.source)?.[1] : undefined;
  return {
    library_name: 'onnx',
    pipeline_tag: pipelineTag,
    ...(params.license ? { license: params.license } : {}),
    tags: [...new Set(['onnx', 'reproml', pipelineTag, ...(family ? [family] : []), ...(params.tags ?? [])])],
    ...(hubDatasets.length ? { datasets: hubDatasets } : {}),
    'model-index': [
      {
        name: params.model,
        results: Object.keys(metrics).length
          ? [
              {
                task: { type: pipelineTag, name: task === 'regression' ? 'Tabular Regression' : 'Tabular Classification' },
                dataset: {
                  name: firstDataset ? `${params.pipeline}/${firstDataset.key}` : params.pipeline,
                  // The Hub reads `type` as a dataset id: only a Hub dataset has one (a local path or URL would link nowhere).
                  ...(firstDatasetId ? { type: firstDatasetId } : {}),
                  split,
                  ...(firstDataset?.revision ? { revision: firstDataset.revision } : {}),
                },
                metrics: Object.entries(metrics).map(([type, value]) => ({ type, value, name: METRIC_NAMES[type] ?? type })),
              },
            ]
          : [],
      },
    ],
    // ReproML's own keys (the Hub keeps unknown front matter keys): every dataset with its revision and sha256.
    reproml: {
      pipeline: params.pipeline,
      fingerprint: params.fingerprint,
      commit: params.git?.commit ?? null,
      datasets: params.lineage.datasets.map((d) => ({ source: d.source, revision: d.revision, sha256: d.sha256 })),
    },
  };
}

function body(params: ModelCardParams): string {
  const sections = [
    `# ${params.model}\n\nONNX model of the \`${params.pipeline}\` pipeline, built and pushed by ReproML. ` +
      'The file `model.onnx` takes raw rows: the fitted preprocessing is fused in front of the model, so serving cannot drift from training.',
    dataSection(params),
    params.dataChanges ? renderDataChanges(params.dataChanges) : '',
    preprocessingSection(params),
    modelSection(params),
    metricsSection(params),
    environmentSection(params),
    reproduceSection(params),
    filesSection(params),
  ];
  return `${sections.filter(Boolean).join('\n\n')}\n`;
}

function dataSection(params: ModelCardParams): string {
  if (!params.lineage.datasets.length) return '## Data\n\nNo pull stage in the lineage.';
  const rows = params.lineage.datasets.map(
    (d) => `| ${d.key} | \`${d.source}\` | ${d.revision ? `\`${d.revision}\`` : '(pinned by sha256)'} | \`${d.sha256}\` |`,
  );
  return ['## Data', '', '| file | source | revision | sha256 |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

const PREPROCESS_STEPS = ['casts', 'missingValues', 'custom', 'filters', 'columns', 'impute', 'encode', 'scale', 'split'] as const;

function preprocessingSection(params: ModelCardParams): string {
  const stages = params.lineage.chain.filter((stage) => stage.record.stage.kind === 'preprocess');
  if (!stages.length) return '';
  const lines = ['## Preprocessing'];
  for (const stage of stages) {
    const config = stage.record.config;
    lines.push(
      '',
      `Stage \`${stage.record.stage.name}\` (seed ${stage.record.seed ?? 'none'}), target ${inlineJson(config['target'])}. Fitted on the training split only; \`transform.json\` holds the fitted values. Steps, in order:`,
      '',
    );
    for (const step of PREPROCESS_STEPS) {
      const value = config[step];
      if (value === undefined || (Array.isArray(value) && !value.length) || (isRecord(value) && !Object.keys(value).length)) continue;
      if (Array.isArray(value)) for (const rule of value) lines.push(`- **${step}**: ${inlineJson(rule)}`);
      else lines.push(`- **${step}**: ${inlineJson(value)}`);
    }
  }
  return lines.join('\n');
}

function modelSection(params: ModelCardParams): string {
  const train = trainStage(params);
  const config = train?.record.config ?? {};
  const family = params.modelInfo?.family ?? stringAt(config['model'] as Record<string, unknown>, 'family') ?? 'unknown';
  // gbdt takes every hyper-parameter under `model`; its parsed config still holds the unused training defaults.
  const hyper = family === 'gbdt' ? { model: config['model'] } : { model: config['model'], training: config['training'] };
  const summary = train?.record.summary ?? {};
  const facts = [
    `- family: ${family}`,
    `- seed: ${train?.record.seed ?? 'none'}`,
    ...(params.modelInfo?.classes ? [`- classes: ${params.modelInfo.classes.join(', ')}`] : []),
    ...['epochsRun', 'bestEpoch', 'roundsRun', 'bestRound', 'trees', 'stoppedEarly']
      .filter((k) => summary[k] !== undefined)
      .map((k) => `- ${k}: ${String(summary[k])}`),
  ];
  return [
    '## Model',
    '',
    `Stage \`${params.lineage.model.record.stage.name}\` (${params.lineage.model.record.stage.kind}).`,
    '',
    ...facts,
    '',
    'Hyper-parameters:',
    '',
    '```json',
    JSON.stringify(hyper, null, 2),
    '```',
  ].join('\n');
}

function metricsSection(params: ModelCardParams): string {
  const metrics = numericMetrics(params.metrics);
  if (!Object.keys(metrics).length) return '## Metrics\n\nNo evaluate stage was pushed with this model.';
  const split = params.metrics?.split ?? 'test';
  const rows = params.metrics?.rows;
  const lines = [
    '## Metrics',
    '',
    `On the held-out \`${split}\` split${typeof rows === 'number' ? ` (${rows} rows)` : ''}, raw rows through \`model.onnx\`:`,
    '',
    '| metric | value |',
    '| --- | --- |',
  ];
  for (const [name, value] of Object.entries(metrics)) lines.push(`| ${METRIC_NAMES[name] ?? name} | ${formatNumber(value)} |`);
  return lines.join('\n');
}

function environmentSection(params: ModelCardParams): string {
  const environment = params.lineage.model.record.environment;
  const packages = Object.entries(environment.packages).filter(([name]) => name === 'onnxruntime-node' || name.startsWith('@reproml/'));
  return [
    '## Environment',
    '',
    `- Node ${environment.node} (${environment.platform}-${environment.arch})`,
    ...packages.map(([name, version]) => `- ${name} ${version}`),
    ...(environment.lockfileSha256 ? [`- pnpm-lock.yaml sha256 \`${environment.lockfileSha256}\``] : []),
  ].join('\n');
}

function reproduceSection(params: ModelCardParams): string {
  const modelSha = params.files.find((file) => file.path === 'model.onnx')?.sha256;
  const lines = ['## How to reproduce', ''];
  if (!params.git) lines.push('This version was not pushed from a git checkout, so there is no commit to return to.', '');
  else if (params.git.dirty) {
    const uncommitted = params.git.uncommitted;
    lines.push(
      `⚠ **Pushed from uncommitted files** on top of commit \`${params.git.commit}\` (the push allowed it with \`allowDirty\`): the commit alone does not rebuild this model.`,
      ...(uncommitted
        ? [
            '',
            `Uncommitted content sha256 \`${uncommitted.sha256}\` (over each file's path and git blob id) of:`,
            '',
            ...uncommitted.files.map((file) => `- \`${file}\``),
          ]
        : []),
      '',
    );
  }
  lines.push(
    '```sh',
    `git checkout ${params.git?.commit ?? '<commit>'}`,
    `npx nx run-many -t run -p tag:pipeline:${params.pipeline} --exclude tag:stage:push`,
    `sha256sum ${params.modelPath}   # ${modelSha ?? ''}`,
    '```',
    '',
    `Every dataset is pinned (above), every random choice is seeded, and two clean runs give byte-identical files. \`npx reproml models reproduce ${params.model} <version> --verify\` does the rebuild in a scratch folder and compares the hash.`,
  );
  return lines.join('\n');
}

function filesSection(params: ModelCardParams): string {
  const rows = params.files.map((file) => `| \`${file.path}\` | \`${file.sha256}\` | ${file.size} |`);
  return [
    '## Files',
    '',
    `Fingerprint \`${params.fingerprint}\` (sha256 over the files below; equal fingerprints are the same version).`,
    '',
    '| file | sha256 | bytes |',
    '| --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function trainStage(params: ModelCardParams): StageLineage | undefined {
  return params.lineage.model;
}

function stringAt(record: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = record?.[name];
  return typeof value === 'string' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function inlineJson(value: unknown): string {
  return `\`${JSON.stringify(value)}\``;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}
