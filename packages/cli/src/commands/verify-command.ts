import { parseArgs } from 'node:util';
import { createProgressReporter, stableStringify } from '@reproml/core';
import { pipelineNames } from '../lib/stage-layout';
import { type VerifyReport, verifyPipeline } from '../lib/verify-pipeline';
import { findWorkspaceRoot } from '../lib/workspace-root';
import type { Command } from './command';
import { commandEntry } from './command-table.mjs';

export const verifyCommand: Command = {
  ...commandEntry('verify'),
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, 'keep-scratch': { type: 'boolean' } },
      allowPositionals: true,
    });
    const workspaceRoot = findWorkspaceRoot();
    const pipelines = positionals.length ? positionals : pipelineNames(workspaceRoot);
    const reports: VerifyReport[] = [];
    for (const pipeline of pipelines) {
      reports.push(
        await verifyPipeline({
          workspaceRoot,
          pipeline,
          keepScratch: values['keep-scratch'],
          onProgress: createProgressReporter({ prefix: `verify ${pipeline}` }),
        }),
      );
    }
    if (values.json) io.stdout(stableStringify({ reports }));
    else for (const report of reports) io.stdout(renderReport(report));
    return reports.every((report) => report.identical) ? 0 : 1;
  },
};

function renderReport(report: VerifyReport): string {
  const lines = [`pipeline ${report.pipeline}:`];
  for (const stage of report.stages) {
    if (stage.verdict === 'bit-identical') {
      lines.push(`  ✓ ${stage.project.padEnd(28)} bit-identical (${stage.files.length} file(s))`);
      continue;
    }
    if (stage.verdict === 'missing') {
      lines.push(`  ✗ ${stage.project.padEnd(28)} no output to compare (${stage.outDir})`);
      continue;
    }
    lines.push(`  ✗ ${stage.project.padEnd(28)} DIFFERENT`);
    for (const file of stage.files) {
      if (file.status === 'identical') continue;
      const detail = file.status === 'different' ? file.detail : file.status.replace(/-/g, ' ');
      lines.push(`      ${stage.outDir}/${file.path}: ${detail}`);
    }
  }
  for (const warning of report.environmentWarnings) lines.push(`  warning: ${warning}`);
  lines.push(report.identical ? '  every stage is bit-identical' : '  some artifacts differ between two clean runs: a stage is not deterministic');
  return `${lines.join('\n')}\n`;
}
