import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listStageFolders } from '@reproml/core';

/**
 * The CI step summary of an affected-only run: for each affected stage, the metrics it wrote
 * (`out/metrics.json`, e.g. an evaluate stage) or else the summary in its `out/lineage.json`.
 * Run from the workspace root:
 *   node -r @swc-node/register tools/ci/affected-metrics-summary.ts --base <sha> [--output <file>] <project>…
 * (projects as printed by `nx show projects --affected --with-target run`).
 */
export interface AffectedMetricsSummaryParams {
  workspaceRoot: string;
  /** Nx project names (`<pipeline>-<stage>`) of the affected stages. */
  projects: string[];
  /** The commit the run was compared against, shown in the heading. */
  base?: string;
}

type Scalar = string | number | boolean | null;

export function affectedMetricsSummary(params: AffectedMetricsSummaryParams): string {
  const stages = stageFolders(params.workspaceRoot);
  const affected = [...new Set(params.projects)].filter((project) => stages.has(project)).sort();
  const lines = [`## ReproML: affected stages${params.base ? ` (base \`${params.base.slice(0, 12)}\`)` : ''}`, ''];
  if (affected.length === 0) {
    lines.push('No pipeline stage is affected by this change: nothing was retrained.', '');
    return `${lines.join('\n')}\n`;
  }
  lines.push('| stage | result |', '| --- | --- |');
  const sections: string[] = [];
  for (const project of affected) {
    const outDir = join(params.workspaceRoot, stages.get(project)!);
    const metrics = readScalars(join(outDir, 'metrics.json'));
    const summary = metrics ?? readLineageSummary(join(outDir, 'lineage.json'));
    const source = metrics ? 'metrics.json' : summary ? 'lineage summary' : null;
    const count = summary ? Object.keys(summary).length : 0;
    const result = !existsSync(outDir) ? 'no output (failed or not run)' : count ? `${count} values (${source})` : 'ran; no metrics';
    lines.push(`| \`${project}\` | ${result} |`);
    if (metrics) sections.push(renderTable(project, metrics));
  }
  // Stages without metrics.json (data, preprocess, train) still show their lineage summary, after the models.
  for (const project of affected) {
    const outDir = join(params.workspaceRoot, stages.get(project)!);
    if (readScalars(join(outDir, 'metrics.json'))) continue;
    const summary = readLineageSummary(join(outDir, 'lineage.json'));
    if (summary && Object.keys(summary).length) sections.push(renderTable(project, summary));
  }
  return `${[...lines, '', ...sections].join('\n')}\n`;
}

/** Project name → output folder, for every stage (the layout is core's). */
function stageFolders(workspaceRoot: string): Map<string, string> {
  return new Map(listStageFolders(workspaceRoot).map((stage) => [stage.project, stage.outDir]));
}

function readScalars(file: string): Record<string, Scalar> | null {
  const value = readJson(file);
  return value && typeof value === 'object' && !Array.isArray(value) ? scalarsOf(value as Record<string, unknown>) : null;
}

function readLineageSummary(file: string): Record<string, Scalar> | null {
  const lineage = readJson(file) as { summary?: Record<string, unknown> } | null;
  return lineage?.summary && typeof lineage.summary === 'object' ? scalarsOf(lineage.summary) : null;
}

/** Top-level scalar values only: matrices and per-class lists belong in the report, not the summary. */
function scalarsOf(record: Record<string, unknown>): Record<string, Scalar> {
  const scalars: Record<string, Scalar> = {};
  for (const key of Object.keys(record).sort()) {
    const value = record[key];
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) scalars[key] = value as Scalar;
  }
  return scalars;
}

function readJson(file: string): unknown {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function renderTable(project: string, values: Record<string, Scalar>): string {
  const rows = Object.entries(values).map(([key, value]) => `| ${key} | ${formatValue(value)} |`);
  return [`### \`${project}\``, '', '| metric | value |', '| --- | --- |', ...rows, ''].join('\n');
}

function formatValue(value: Scalar): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4);
  return String(value).replace(/\|/g, '\\|');
}

function main(argv: string[]): void {
  const projects: string[] = [];
  let base: string | undefined;
  let output: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--base') base = argv[++i];
    else if (argv[i] === '--output') output = argv[++i];
    else projects.push(...argv[i]!.split(/[\s,]+/).filter(Boolean));
  }
  const markdown = affectedMetricsSummary({ workspaceRoot: process.cwd(), projects, base });
  if (output) writeFileSync(output, markdown, { flag: 'a' });
  else process.stdout.write(markdown);
}

if (require.main === module) main(process.argv.slice(2));
