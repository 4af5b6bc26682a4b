import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, stableStringify } from '@reproml/core';
import { type DriftReport, renderDriftSection } from '@reproml/drift';
import { openRegistry, renderDataChangesReportSection } from '@reproml/hub';
import { type WriteReportResult, writeReport } from '@reproml/tracking';
import { openRunStore } from '../lib/open-run-store';
import { pipelineNames } from '../lib/stage-layout';
import { findWorkspaceRoot } from '../lib/workspace-root';
import type { Command } from './command';
import { commandEntry } from './command-table.mjs';

/** drift.json as the drift package renders it, once it has the fields that renderer reads. */
function renderDrift(document: unknown): string {
  const report = document as Partial<DriftReport> | null;
  if (!report || !Array.isArray(report.features) || !report.batch || !report.reference) throw new Error('drift.json is not a drift report this ReproML knows');
  return renderDriftSection(report as DriftReport);
}

/** Where reports go by default: beside the run metadata, gitignored, outside every stage. */
export function defaultReportPath(workspaceRoot: string, pipeline: string): string {
  return join(workspaceRoot, '.reproml', 'report', `${pipeline}.html`);
}

export const reportCommand: Command = {
  ...commandEntry('report'),
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { out: { type: 'string' }, 'max-runs': { type: 'string', default: '200' }, json: { type: 'boolean' } },
      allowPositionals: true,
    });
    const workspaceRoot = findWorkspaceRoot();
    const pipelines = positionals.length ? positionals : pipelineNames(workspaceRoot);
    if (values.out && pipelines.length !== 1) {
      throw new ConfigError(`--out names one file, but ${pipelines.length} pipelines were asked for (${pipelines.join(', ')})`, {
        hint: 'Name one pipeline: reproml report <pipeline> --out <file.html>',
      });
    }
    const maxRuns = Number(values['max-runs']);
    if (!Number.isInteger(maxRuns) || maxRuns <= 0) throw new ConfigError(`--max-runs should be a positive integer, got '${values['max-runs']}'`);
    const store = await openRunStore(workspaceRoot);
    const reports: (WriteReportResult & { pipeline: string })[] = [];
    try {
      for (const pipeline of pipelines) {
        const outputPath = values.out ? resolve(values.out) : defaultReportPath(workspaceRoot, pipeline);
        const dataChanges = await renderDataChangesReportSection({ workspaceRoot, pipeline, registry: openRegistry({ workspaceRoot }) });
        reports.push({ pipeline, ...(await writeReport({ store, pipeline, outputPath, maxRuns, render: { renderDrift, extraSections: [dataChanges] } })) });
      }
    } finally {
      await store.close();
    }
    if (values.json) {
      io.stdout(stableStringify({ store: store.label, reports }));
      return 0;
    }
    for (const report of reports) {
      const shown = isAbsolute(report.path) && !relative(workspaceRoot, report.path).startsWith('..') ? relative(workspaceRoot, report.path) : report.path;
      io.stdout(
        `report for ${report.pipeline}: ${shown} (${report.runs} run(s), ${report.charts} chart(s))${existsSync(report.path) ? '' : ' (not written)'}\n`,
      );
    }
    return 0;
  },
};
