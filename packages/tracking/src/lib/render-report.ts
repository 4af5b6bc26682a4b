import { resolveStageReference } from '@reproml/core';
import { flattenParams } from './compare-runs';
import type { FeatureImportanceEntry, ReportData } from './report-data';
import type { RunSummary } from './run-record';
import { categoryBars, esc, heatmap, histogram, lineChart, type Series, stageGraph } from './svg-charts';

/** Metrics that live in [0, 1] and share one trend chart. */
const RATE_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'validationAccuracy'];
const TREND_KINDS = new Set(['train', 'evaluate']);

/**
 * The report as one HTML file: inline CSS, inline SVG, no script and no external resource,
 * so it opens from disk, offline, and can be attached to a review as it is.
 */
export interface RenderReportOptions {
  /**
   * Renders a drift stage's drift.json as a `<section id="drift">` (the CLI passes the drift
   * package's renderer; tracking does not depend on it). Without it, the verdict and summary.
   */
  renderDrift?: (document: unknown) => string;
  /** Sections rendered by other packages (complete `<section>` elements), placed after the drift section. */
  extraSections?: readonly string[];
}

export function renderReport(data: ReportData, options: RenderReportOptions = {}): string {
  const sections = [
    lineageSection(data),
    runsSection(data),
    trendsSection(data),
    trainingSection(data),
    sweepsSection(data),
    evaluationSection(data),
    dataSection(data),
    driftSection(data, options),
    ...(options.extraSections ?? []),
  ];
  const extraIds = (options.extraSections ?? []).flatMap((html) => /^<section id="([^"]+)"/.exec(html)?.[1] ?? []);
  const executed = data.runs.filter((run) => run.origin === 'executed').length;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ReproML report: ${esc(data.pipeline)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>ReproML report: <span class="pipeline">${esc(data.pipeline)}</span></h1>
<p class="meta">${data.runs.length} recorded run(s) (${executed} executed, ${data.runs.length - executed} restored from the cache) · generated ${esc(data.generatedAt.slice(0, 19).replace('T', ' '))} UTC</p>
<nav>${[...['lineage', 'runs', 'trends', 'training', 'sweeps', 'evaluation', 'data', 'drift'], ...extraIds].map((id) => `<a href="#${id}">${id}</a>`).join(' · ')}</nav>
</header>
<main>
${sections.join('\n')}
</main>
</body>
</html>
`;
}

function section(id: string, title: string, body: string, intro = ''): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>${intro ? `<p class="intro">${intro}</p>` : ''}${body}</section>`;
}

function figure(svg: string, caption?: string): string {
  return `<figure>${svg}${caption ? `<figcaption>${caption}</figcaption>` : ''}</figure>`;
}

function empty(text: string): string {
  return `<p class="empty">${esc(text)}</p>`;
}

function lineageSection(data: ReportData): string {
  const latest = [...data.latestByProject.values()].sort((a, b) => a.project.localeCompare(b.project));
  if (latest.length === 0) return section('lineage', 'Stages', empty('No runs recorded for this pipeline yet.'));
  const known = new Set(latest.map((run) => run.project));
  const edges: [string, string][] = [];
  for (const run of latest) {
    const inputs = run.params.inputs;
    if (!inputs || typeof inputs !== 'object') continue;
    for (const upstream of Object.values(inputs as Record<string, unknown>)) {
      if (typeof upstream !== 'string') continue;
      const project = resolveStageReference(run.pipeline, upstream);
      if (known.has(project)) edges.push([project, run.project]);
    }
  }
  const nodes = latest.map((run) => ({
    id: run.project,
    label: run.project,
    detail: `${run.kind} · run ${run.id} ${run.status === 'failed' ? '✗ failed' : run.origin === 'cache' ? '(restored)' : ''}`,
  }));
  return section(
    'lineage',
    'Stages',
    `<div class="wide">${figure(stageGraph({ title: `Stage graph of ${data.pipeline}`, nodes, edges }))}</div>${lineageTable(data, latest)}`,
    'Each stage with its latest recorded run; arrows go from an upstream stage to the stages that read its outputs. The table lists what each of those runs read and wrote, by sha256. <code>reproml lineage &lt;artifact&gt;</code> walks a single artifact back to the raw data.',
  );
}

/** Dataset revisions and artifact hashes of each stage's latest run, in graph order by name. */
function lineageTable(data: ReportData, latest: readonly RunSummary[]): string {
  const short = (sha: string) => `<code title="${esc(sha)}">${esc(sha.slice(0, 12))}</code>`;
  const rows = latest.map((run) => {
    const lineage = data.latestLineage.get(run.project);
    const datasets = (lineage?.datasets ?? []).map(
      (dataset) => `${esc(dataset.source)}${dataset.revision ? ` @ ${esc(dataset.revision.slice(0, 12))}` : ''} ${short(dataset.sha256)}`,
    );
    const artifacts = (lineage?.artifacts ?? []).map((artifact) => `${esc(artifact.path)} ${short(artifact.sha256)}`);
    return `<tr><td>${esc(run.project)}</td><td>${esc(run.gitCommit?.slice(0, 12) ?? '')}${run.gitDirty ? ' (dirty)' : ''}</td><td>${datasets.join('<br>')}</td><td>${artifacts.join('<br>')}</td></tr>`;
  });
  return `<div class="table-wrap"><table class="lineage"><thead><tr><th>stage</th><th>commit</th><th>datasets (revision, sha256)</th><th>artifacts (sha256)</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function runsSection(data: ReportData): string {
  if (data.runs.length === 0) return section('runs', 'Runs', empty('No runs recorded.'));
  // For each stage, the params that vary between its runs: what a reader compares.
  const varying = new Map<string, string[]>();
  for (const project of new Set(data.runs.map((run) => run.project))) {
    const flats = data.runs.filter((run) => run.project === project).map((run) => flattenParams(run.params));
    const keys = [...new Set(flats.flatMap((flat) => Object.keys(flat)))].sort();
    varying.set(
      project,
      keys.filter((key) => new Set(flats.map((flat) => JSON.stringify(flat[key] ?? null))).size > 1),
    );
  }
  const rows = data.runs.map((run) => {
    const flat = flattenParams(run.params);
    const params = (varying.get(run.project) ?? []).map((key) => `<span class="param">${esc(key)}=${esc(String(flat[key] ?? '—'))}</span>`).join(' ');
    return `<tr class="run ${run.status}${run.origin === 'cache' ? ' restored' : ''}" data-run-id="${run.id}">
<td class="num">${run.id}</td><td>${esc(run.project)}</td><td>${run.origin === 'cache' ? `restored <small>(${esc(run.cacheSource ?? 'cache')})</small>` : 'executed'}</td>
<td class="status">${run.status === 'failed' ? '✗ failed' : '✓ ok'}</td><td><code>${esc(run.gitCommit?.slice(0, 7) ?? '—')}${run.gitDirty ? '*' : ''}</code></td>
<td>${esc(run.startedAt.slice(0, 19).replace('T', ' '))}</td><td class="num">${formatDuration(run.durationMs)}</td>
<td>${params}</td><td>${metricsCell(run)}</td><td>${esc(run.note ?? '')}${run.tags.map((tag) => ` <span class="tag">#${esc(tag)}</span>`).join('')}</td></tr>`;
  });
  return section(
    'runs',
    'Runs',
    `<div class="table-wrap"><table class="runs"><thead><tr><th>id</th><th>stage</th><th>origin</th><th>status</th><th>commit</th><th>started (UTC)</th><th>duration</th><th>params that vary</th><th>metrics</th><th>note</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
    'Newest first. A restored run is a cache hit: Nx put back the outputs of an earlier run with the same task hash. <code>*</code> after a commit means uncommitted changes.',
  );
}

function metricsCell(run: RunSummary): string {
  const names = Object.keys(run.metrics).filter((name) => run.kind !== 'pull' && name !== 'rows');
  return names
    .slice(0, 6)
    .map((name) => `<span class="metric">${esc(name)} ${formatNumber(run.metrics[name]!)}</span>`)
    .join(' ');
}

function trendsSection(data: ReportData): string {
  const figures: string[] = [];
  const projects = [...new Set(data.runs.filter((run) => TREND_KINDS.has(run.kind)).map((run) => run.project))].sort();
  for (const project of projects) {
    const runs = data.runs.filter((run) => run.project === project && run.origin === 'executed' && run.status === 'succeeded').reverse();
    if (runs.length === 0) continue;
    const names = [...new Set(runs.flatMap((run) => Object.keys(run.metrics)))].filter(
      (name) => name !== 'rows' && name !== 'epochsRun' && name !== 'bestEpoch',
    );
    const rates = names.filter((name) => RATE_METRICS.includes(name));
    const others = names.filter((name) => !RATE_METRICS.includes(name));
    const seriesOf = (name: string): Series => ({
      name,
      points: runs.flatMap((run, index) => (run.metrics[name] === undefined ? [] : [[index, run.metrics[name]!] as const])),
    });
    const xTickFormat = (index: number) => (Number.isInteger(index) && runs[index] ? `#${runs[index]!.id}` : '');
    const common = { xLabel: 'run', markers: true, integerX: true, xTickFormat, xDomain: [-0.3, Math.max(1, runs.length - 1) + 0.3] as const };
    if (rates.length)
      figures.push(
        figure(
          lineChart({
            ...common,
            title: `${project}: ${rates.length === 1 ? rates[0] : 'scores'} by run`,
            yLabel: rates.length === 1 ? rates[0]! : 'score',
            series: rates.map(seriesOf),
            yDomain: rateDomain(runs, rates),
          }),
        ),
      );
    for (const name of others.sort())
      figures.push(figure(lineChart({ ...common, title: `${project}: ${name} by run`, yLabel: name, series: [seriesOf(name)] })));
  }
  return section(
    'trends',
    'Metric trends',
    figures.length ? `<div class="grid">${figures.join('')}</div>` : empty('No train or evaluate runs yet.'),
    'Executed, successful runs, oldest to newest (x: run id).',
  );
}

function rateDomain(runs: readonly RunSummary[], names: readonly string[]): [number, number] {
  const values = runs.flatMap((run) => names.map((name) => run.metrics[name]).filter((value): value is number => value !== undefined));
  const low = Math.min(...values);
  return [Math.max(0, Math.floor((low - 0.05) * 10) / 10), 1];
}

function trainingSection(data: ReportData): string {
  if (data.training.length === 0) return section('training', 'Training curves', empty('No training curves recorded.'));
  // One group of charts per train stage: runs of one stage share a model family and a curve unit.
  const projects = [...new Set(data.training.map(({ run }) => run.project))];
  const figures = projects.flatMap((project) =>
    trainingFigures(
      data.training.filter(({ run }) => run.project === project),
      projects.length > 1 ? project : '',
    ),
  );
  return section(
    'training',
    'Training curves',
    `<div class="grid">${figures.join('')}</div>`,
    'Loss per epoch (per boosting round for gbdt) of each recorded training run (the latest few); the dashed line marks the epoch whose weights (the round whose trees) were kept. Tree models also show their feature importance.',
  );
}

type TrainingEntry = ReportData['training'][number];

/** Overlays of the validation loss and metric across the runs of one train stage, then each run's curve (and feature importance). */
function trainingFigures(training: readonly TrainingEntry[], project: string): string[] {
  // Legends name each run by the hyper-parameters that differ between the plotted runs.
  const flats = training.map(({ run }) => flattenParams(run.params));
  const varying = [...new Set(flats.flatMap((flat) => Object.keys(flat)))].filter(
    (key) => new Set(flats.map((flat) => JSON.stringify(flat[key] ?? null))).size > 1,
  );
  const label = (run: RunSummary) => {
    const flat = flattenParams(run.params);
    const shown = varying.slice(0, 2).map((key) => `${key.split('.').pop()} ${flat[key] ?? '—'}`);
    return shown.length ? `run ${run.id}: ${shown.join(', ')}` : `run ${run.id}`;
  };
  const unit = training[0]!.curve.unit ?? 'epoch';
  const of = project ? `: ${project}` : '';
  const overlay = (title: string, yLabel: string, pick: (epoch: TrainingEpoch) => number | undefined, yScale: 'linear' | 'log' = 'linear') =>
    lineChart({
      title,
      yScale,
      xLabel: unit,
      yLabel,
      integerX: true,
      series: training.map(({ run, curve }) => ({
        name: label(run),
        points: curve.epochs.flatMap((epoch) => (pick(epoch) === undefined ? [] : [[epoch.epoch, pick(epoch)!] as const])),
      })),
    });
  const figures = [figure(overlay(`Validation loss by ${unit}, per run${of}`, 'validation loss', (epoch) => epoch.validationLoss, 'log'))];
  const metricName = training[0]!.curve.validationMetric ?? 'validation metric';
  figures.push(figure(overlay(`Validation ${metricName} by ${unit}, per run${of}`, metricName, (epoch) => epoch.validationMetric)));
  for (const { run, curve, importance } of training) {
    const step = curve.unit ?? 'epoch';
    const series: Series[] = [
      { name: 'train loss', points: curve.epochs.map((epoch) => [epoch.epoch, epoch.trainLoss] as const) },
      {
        name: 'validation loss',
        points: curve.epochs.flatMap((epoch) => (epoch.validationLoss === undefined ? [] : [[epoch.epoch, epoch.validationLoss] as const])),
      },
    ].filter((item) => item.points.length > 0);
    figures.push(
      figure(
        lineChart({
          title: `Training curve: ${run.project} run ${run.id}`,
          xLabel: step,
          yLabel: 'loss',
          integerX: true,
          yScale: 'log',
          series,
          verticals: curve.bestEpoch ? [{ x: curve.bestEpoch, label: `best ${step} ${curve.bestEpoch}` }] : [],
        }),
        esc(describeTraining(run)),
      ),
    );
    if (importance) figures.push(importanceFigure(run, importance));
  }
  return figures;
}

/** Features shown in an importance chart (by gain); the table lists every feature. */
const IMPORTANCE_BARS = 15;

/** A gbdt model's feature importance: bars of total split gain, and a table of gain and split count per feature. */
function importanceFigure(run: RunSummary, importance: readonly FeatureImportanceEntry[]): string {
  const ranked = [...importance].sort((a, b) => b.gain - a.gain || a.feature.localeCompare(b.feature));
  const total = ranked.reduce((sum, entry) => sum + entry.gain, 0) || 1;
  const bars = categoryBars({
    title: `Feature importance (gain): ${run.project} run ${run.id}`,
    description: `total split gain of the ${Math.min(IMPORTANCE_BARS, ranked.length)} most important features`,
    items: ranked.slice(0, IMPORTANCE_BARS).map((entry) => ({ label: entry.feature, count: entry.gain })),
    format: (gain) => `${((gain / total) * 100).toFixed(1)}%`,
  });
  const rows = ranked
    .map((entry) => `<tr><td>${esc(entry.feature)}</td><td class="num">${formatNumber(entry.gain)}</td><td class="num">${entry.splits}</td></tr>`)
    .join('');
  const table = `<table class="importance"><thead><tr><th>feature</th><th>gain</th><th>splits</th></tr></thead><tbody>${rows}</tbody></table>`;
  return `<figure>${bars}${table}<figcaption>${esc(`share of the total split gain per feature; the table has every feature's gain and split count`)}</figcaption></figure>`;
}

type TrainingEpoch = ReportData['training'][number]['curve']['epochs'][number];

function describeTraining(run: RunSummary): string {
  const flat = flattenParams(run.params);
  const picks = [
    'model.family',
    'model.hiddenLayers',
    'model.nTrees',
    'model.learningRate',
    'model.maxDepth',
    'model.maxLeaves',
    'training.optimizer.type',
    'training.optimizer.learningRate',
    'training.batchSize',
    'training.l2',
    'seed',
  ];
  return picks
    .filter((key) => key in flat)
    .map((key) => `${key.split('.').pop()} ${flat[key]}`)
    .join(', ');
}

function sweepsSection(data: ReportData): string {
  if (data.sweeps.length === 0) return section('sweeps', 'Sweeps', empty('No sweeps recorded.'));
  return section(
    'sweeps',
    'Sweeps',
    data.sweeps.map(sweepBlock).join(''),
    'Each swept train stage: its points ranked by the selection metric (ties: canonical point order), the selected point (★) and the metric against each swept setting.',
  );
}

function sweepBlock(sweep: ReportData['sweeps'][number]): string {
  const { result } = sweep;
  const ranked = [...result.points].sort((a, b) => a.rank - b.rank);
  const scoreNames = [...new Set(ranked.flatMap((point) => Object.keys(point.scores)))].sort();
  const runOf = new Map(sweep.points.map(({ point, run }) => [point.id, run.id]));
  const header = `<tr><th>rank</th><th>point</th>${result.parameters.map((name) => `<th>${esc(name)}</th>`).join('')}${scoreNames
    .map((name) => `<th>${esc(name)}</th>`)
    .join('')}<th>run</th></tr>`;
  const rows = ranked.map((point) => {
    const winner = point.id === result.winner;
    const values = result.parameters.map((name) => `<td>${esc(formatValue(point.values[name]))}</td>`).join('');
    const scores = scoreNames.map((name) => `<td class="num">${point.scores[name] === undefined ? '—' : formatNumber(point.scores[name]!)}</td>`).join('');
    return `<tr class="point${winner ? ' winner' : ''}" data-point="${esc(point.id)}"><td class="num">${point.rank}${winner ? ' ★' : ''}</td><td><code>${esc(point.id)}</code></td>${values}${scores}<td class="num">${runOf.get(point.id) ?? '—'}</td></tr>`;
  });
  const charts = result.parameters.map((name) => sweepChart(sweep, name)).filter((chart) => chart !== '');
  return `<h3>${esc(sweep.run.project)}</h3>
<p>${ranked.length} points by <code>${esc(result.metric)}</code> (${result.goal === 'min' ? 'lower' : 'higher'} is better), selected in run ${sweep.run.id}: ★ <code>${esc(result.winner)}</code>.</p>
<div class="table-wrap"><table class="sweep"><thead>${header}</thead><tbody>${rows.join('')}</tbody></table></div>
<div class="grid">${charts.join('')}</div>`;
}

/** The selection metric against one swept setting (numbers on a linear axis, other values one position each), the selected point apart. */
function sweepChart(sweep: ReportData['sweeps'][number], parameter: string): string {
  const { result } = sweep;
  const values = result.points.map((point) => point.values[parameter]);
  const numeric = values.every((value) => typeof value === 'number');
  const categories = numeric ? [] : [...new Set(values.map(formatValue))].sort();
  const x = (value: unknown) => (numeric ? (value as number) : categories.indexOf(formatValue(value)));
  const pointsOf = (keep: (id: string) => boolean) =>
    result.points
      .filter((point) => keep(point.id) && Number.isFinite(point.scores[result.metric]))
      .map((point) => [x(point.values[parameter]), point.scores[result.metric]!] as const);
  const series: Series[] = [
    { name: 'points', points: pointsOf((id) => id !== result.winner) },
    { name: 'selected ★', points: pointsOf((id) => id === result.winner) },
  ].filter((item) => item.points.length > 0);
  if (series.length === 0) return '';
  return figure(
    lineChart({
      title: `${result.metric} vs ${parameter}`,
      xLabel: parameter,
      yLabel: result.metric,
      series,
      scatter: true,
      ...(numeric ? {} : { xTickFormat: (value: number) => categories[value] ?? '', integerX: true, xDomain: [-0.5, categories.length - 0.5] as const }),
    }),
  );
}

function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function evaluationSection(data: ReportData): string {
  const classification = data.evaluations.flatMap(({ metrics, ...rest }) => (metrics.task === 'classification' ? [{ ...rest, metrics }] : []));
  if (classification.length === 0) return section('evaluation', 'Evaluation', empty('No classification evaluation recorded.'));
  const blocks = classification
    .slice(-3)
    .reverse()
    .map(({ run, metrics, curves }) => {
      const classes = metrics.perClass.map((entry) => entry.class);
      const figures = [
        figure(
          heatmap({
            title: `Confusion matrix: run ${run.id}`,
            rowLabel: 'true class',
            columnLabel: 'predicted class',
            rows: classes,
            columns: classes,
            values: metrics.confusionMatrix,
          }),
          `${esc(metrics.split)} split, ${metrics.confusionMatrix.flat().reduce((a, b) => a + b, 0)} rows`,
        ),
      ];
      if (curves) {
        figures.push(
          figure(
            lineChart({
              title: `ROC curves (one vs rest): run ${run.id}`,
              xLabel: 'false positive rate',
              yLabel: 'true positive rate',
              xDomain: [0, 1],
              yDomain: [0, 1.02],
              diagonal: true,
              series: curves.classes.map((entry) => ({ name: entry.class, points: entry.roc.fpr.map((x, i) => [x, entry.roc.tpr[i]!] as const) })),
            }),
          ),
          figure(
            lineChart({
              title: `Precision–recall curves: run ${run.id}`,
              xLabel: 'recall',
              yLabel: 'precision',
              xDomain: [0, 1],
              yDomain: [0, 1.02],
              series: curves.classes.map((entry) => ({
                name: `${entry.class} (AP ${entry.averagePrecision === null ? 'n/a' : formatNumber(entry.averagePrecision)})`,
                points: entry.pr.recall.map((x, i) => [x, entry.pr.precision[i]!] as const),
              })),
            }),
          ),
        );
      } else {
        figures.push(`<p class="empty">No curves.json for run ${run.id} (recorded before evaluate wrote ROC/PR points).</p>`);
      }
      return `<h3>${esc(run.project)} run ${run.id} <small>${esc(run.startedAt.slice(0, 16).replace('T', ' '))}</small></h3><div class="grid">${figures.join('')}</div>`;
    });
  return section(
    'evaluation',
    'Evaluation',
    blocks.join(''),
    'The latest evaluation runs, newest first: the confusion matrix (rows: true class), and one-vs-rest ROC and precision–recall curves per class.',
  );
}

function dataSection(data: ReportData): string {
  if (!data.profile) return section('data', 'Data profile', empty('No data profile recorded (a pull stage writes profile.json).'));
  const blocks = Object.entries(data.profile.files).map(([file, { columns }]) => {
    const figures = columns.map((column) => {
      const nulls = column.nulls ? `, ${column.nulls} missing` : '';
      if (column.kind === 'number' && column.histogram) {
        return figure(
          histogram({ title: column.name, xLabel: column.name, edges: column.histogram.edges, counts: column.histogram.counts }),
          `${column.count ?? '?'} values${nulls}; equal-frequency bins`,
        );
      }
      if (column.top?.length)
        return figure(
          categoryBars({ title: column.name, items: column.top.slice(0, 10).map((entry) => ({ label: String(entry.value), count: entry.count })) }),
          `${column.count ?? '?'} values${nulls}`,
        );
      return '';
    });
    return `<h3>${esc(file)}</h3><div class="grid small">${figures.join('')}</div>`;
  });
  return section(
    'data',
    'Data profile',
    blocks.join(''),
    `Feature distributions from <code>profile.json</code> of ${esc(data.profile.run.project)} run ${data.profile.run.id}: the baseline a drift check compares new data against.`,
  );
}

/** The latest drift check: the drift package's own section when the caller passes its renderer. */
function driftSection(data: ReportData, options: RenderReportOptions): string {
  if (!data.drift) return section('drift', 'Drift', empty('No drift checks recorded yet. When a pipeline has a drift stage, its results appear here.'));
  const { run, document } = data.drift;
  const caption = `<p class="intro">From ${esc(run.project)} run ${run.id} (${esc(run.startedAt.slice(0, 16).replace('T', ' '))}).</p>`;
  if (options.renderDrift) {
    try {
      return options.renderDrift(document).replace(/(<section[^>]*>\s*<h2>[\s\S]*?<\/h2>)/, `$1${caption}`);
    } catch (error) {
      return section('drift', 'Drift', empty(`drift.json of run ${run.id} could not be rendered: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
  const summary = (document as { verdict?: unknown; summary?: unknown }) ?? {};
  return section(
    'drift',
    'Drift',
    `<p><strong>${esc(String(summary.verdict ?? 'unknown'))}</strong>: ${esc(String(summary.summary ?? ''))}</p>`,
    caption.replace(/^<p class="intro">|<\/p>$/g, ''),
  );
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

const STYLE = `
tr.winner td{background:#fff4ce;font-weight:600}
:root{color-scheme:light;--fg:#1a1a1a;--muted:#555;--line:#d0d7de;--bg:#fff;--band:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:18px 28px 10px;border-bottom:1px solid var(--line);background:var(--band)}
h1{margin:0 0 4px;font-size:22px}h2{font-size:19px;margin:26px 0 6px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:16px;margin:16px 0 6px}
.meta,.intro,figcaption,.empty{color:var(--muted)}.intro{margin:4px 0 12px;max-width:70em}
nav a{color:#0550ae;margin-right:2px}
main{padding:0 28px 40px;max-width:1500px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:14px 22px}
.grid.small{grid-template-columns:repeat(auto-fill,minmax(300px,1fr))}
figure{margin:0}figcaption{font-size:13px;margin-top:2px}
svg.chart{max-width:100%;height:auto;background:#fff}
.wide svg.chart{max-width:100%}
.chart-title{font-weight:600;font-size:14px;fill:#1a1a1a}
.tick,.legend{font-size:12px;fill:#333}.axis-label{font-size:12.5px;fill:#333}
line.grid{stroke:#e6e9ec}
.axis{fill:none;stroke:#444;stroke-width:1}
.series{fill:none;stroke-width:2.2;stroke-linejoin:round}
.chance,.marker{stroke:#777;stroke-dasharray:4 4;stroke-width:1.2}
.cell{stroke:#fff;stroke-width:1}.cell-value{font-size:13px;font-weight:600}
.edge{fill:none;stroke:#555;stroke-width:1.5}.node{fill:#eef4fb;stroke:#0072B2;stroke-width:1.5}.node-label{font-size:13px;font-weight:600;fill:#1a1a1a}
.table-wrap{overflow-x:auto}
table.runs{border-collapse:collapse;font-size:13.5px;width:100%}
table.runs th,table.runs td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
table.runs th{background:var(--band);position:sticky;top:0}
table.runs td:nth-child(2),table.runs td:nth-child(6){white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.failed td.status{color:#b3261e;font-weight:600}tr.restored{color:#444}
.param,.metric,.tag{display:inline-block;margin:0 6px 2px 0;padding:0 5px;border-radius:4px;background:#eef1f4;font-size:12.5px;white-space:nowrap}
.tag{background:#fff4d6}
code{font-size:12.5px}
#drift table{border-collapse:collapse;font-size:13.5px;margin:8px 0}#drift th,#drift td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}#drift th{background:var(--band)}
.drift-alert{color:#b3261e}.drift-warning{color:#8a5a00}.drift-ok{color:#1a7f37}
`;
