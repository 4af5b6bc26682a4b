import { createHash } from 'node:crypto';
import { TempWorkspace } from './temp-workspace';

/**
 * A small pipeline for the end-to-end tests, independent of the example pipelines:
 *   demo-data (pull) → demo-stats (script) → demo-report (script);  demo-extra (pull) on its own.
 */
export const DEMO_STAGES = ['demo-data', 'demo-extra', 'demo-report', 'demo-stats'];

export const MEASUREMENTS_CSV = 'id,value\n1,10\n2,20\n3,30\n';

/** A temp workspace holding the demo pipeline, committed. */
export function createDemoWorkspace(label: string): TempWorkspace {
  const workspace = TempWorkspace.create({ label });
  writeDemoPipeline(workspace);
  workspace.commitAll('demo pipeline');
  return workspace;
}

export function writeDemoPipeline(workspace: TempWorkspace): void {
  writePullStage(workspace, 'data', 'measurements.csv', MEASUREMENTS_CSV);
  writePullStage(workspace, 'extra', 'extra.csv', 'id,other\n1,a\n');
  workspace.write('pipelines/demo/stats/stage.json', {
    kind: 'script',
    description: 'Mean of the measurements',
    inputs: { dataset: 'data' },
    script: 'stats.ts',
    params: { column: 'value' },
  });
  workspace.write(
    'pipelines/demo/stats/stats.ts',
    `import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export default async function stats(stage: any): Promise<void> {
  const csv = (await stage.readInput('dataset', 'measurements.csv')).toString('utf8').trim().split('\\n');
  const column = csv[0].split(',').indexOf(stage.params.column);
  const values = csv.slice(1).map((line: string) => Number(line.split(',')[column]));
  const mean = values.reduce((a: number, b: number) => a + b, 0) / values.length;
  writeFileSync(join(stage.outDir, 'stats.json'), JSON.stringify({ count: values.length, mean }) + '\\n');
}
`,
  );
  workspace.write('pipelines/demo/report/stage.json', {
    kind: 'script',
    inputs: { stats: 'stats' },
    script: 'report.ts',
  });
  workspace.write(
    'pipelines/demo/report/report.ts',
    `import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export default async function report(stage: any): Promise<void> {
  const stats = JSON.parse((await stage.readInput('stats', 'stats.json')).toString('utf8'));
  writeFileSync(join(stage.outDir, 'report.txt'), \`rows: \${stats.count}, mean: \${stats.mean}\\n\`);
}
`,
  );
}

/** Writes a pull stage with its raw file and a lock that matches the file's bytes. */
export function writePullStage(workspace: TempWorkspace, stage: string, fileName: string, content: string): void {
  const source = `pipelines/demo/raw/${fileName}`;
  const key = fileName.replace(/\.[^.]+$/, '');
  workspace.write(source, content);
  workspace.write(`pipelines/demo/${stage}/stage.json`, { kind: 'pull', files: { [key]: { source } } });
  writeLock(workspace, stage, key, source, content);
}

export function writeLock(workspace: TempWorkspace, stage: string, key: string, source: string, content: string): void {
  workspace.write(`pipelines/demo/${stage}/stage.lock.json`, {
    files: {
      [key]: {
        format: source.split('.').pop(),
        revision: null,
        sha256: createHash('sha256').update(content).digest('hex'),
        size: Buffer.byteLength(content),
        source,
      },
    },
    lockVersion: 1,
  });
}
