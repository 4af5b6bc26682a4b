import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type RenderReportOptions, renderReport } from './render-report';
import { type CollectReportDataParams, collectReportData } from './report-data';

export interface WriteReportParams extends CollectReportDataParams {
  /** Where the HTML file goes. */
  outputPath: string;
  render?: RenderReportOptions;
}

export interface WriteReportResult {
  path: string;
  runs: number;
  charts: number;
}

/** Renders a pipeline's report from the run store and writes it (temp file + rename). */
export async function writeReport(params: WriteReportParams): Promise<WriteReportResult> {
  const html = renderReport(await collectReportData(params), params.render);
  mkdirSync(dirname(params.outputPath), { recursive: true });
  const temp = `${params.outputPath}.tmp-${process.pid}`;
  writeFileSync(temp, html);
  renameSync(temp, params.outputPath);
  return { path: params.outputPath, runs: (html.match(/<tr class="run /g) ?? []).length, charts: (html.match(/<svg /g) ?? []).length };
}
