import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoWorkspace } from './support/demo-pipeline';
import { reproml } from './support/reproml-cli';
import type { TempWorkspace } from './support/temp-workspace';

const NOISY_SCRIPT = `import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export default async function noisy(stage: any): Promise<void> {
  const stats = JSON.parse((await stage.readInput('stats', 'stats.json')).toString('utf8'));
  // Math.random is not the stage's seeded generator: two clean runs disagree.
  writeFileSync(join(stage.outDir, 'score.json'), JSON.stringify({ score: stats.mean + Math.random() * 1e-3 }) + '\\n');
}
`;

describe('reproml verify and reproml lineage (real nx CLI)', () => {
  let workspace: TempWorkspace;

  beforeAll(() => {
    workspace = createDemoWorkspace('verify');
  });
  afterAll(() => workspace?.remove());

  it('reports every stage of a deterministic pipeline bit-identical', () => {
    const result = reproml(workspace, ['verify', 'demo']);
    expect(result.stderr).toContain('without any cache');
    expect(result.status).toBe(0);
    for (const stage of ['demo-data', 'demo-extra', 'demo-report', 'demo-stats']) {
      expect(result.stdout).toMatch(new RegExp(`✓ ${stage}\\s+bit-identical`));
    }
  });

  it('detects an injected non-determinism, naming the stage, the file and the largest difference', () => {
    workspace.write('pipelines/demo/noisy/stage.json', { kind: 'script', inputs: { stats: 'stats' }, script: 'noisy.ts' });
    workspace.write('pipelines/demo/noisy/noisy.ts', NOISY_SCRIPT);
    const result = reproml(workspace, ['verify', 'demo', '--json']);
    expect(result.status).toBe(1);
    const [report] = JSON.parse(result.stdout).reports;
    const noisy = report.stages.find((stage: { project: string }) => stage.project === 'demo-noisy');
    expect(noisy.verdict).toBe('different');
    const score = noisy.files.find((file: { path: string }) => file.path === 'score.json');
    expect(score.status).toBe('different');
    expect(score.maxNumericDifference).toBeGreaterThan(0);
    expect(score.maxNumericDifference).toBeLessThan(1e-3);
    expect(report.stages.filter((stage: { verdict: string }) => stage.verdict === 'bit-identical').length).toBe(4);
  });

  it('walks the lineage of an artifact back to the raw data, with every hash', () => {
    workspace.nxOk(['run-many', '-t', 'run', '--output-style=stream']);
    const tree = reproml(workspace, ['lineage', 'pipelines/demo/report/out/report.txt']);
    expect(tree.status).toBe(0);
    expect(tree.stdout).toContain('matches its lineage record');
    expect(tree.stdout.indexOf('demo-report (script)')).toBeLessThan(tree.stdout.indexOf('demo-stats (script)'));
    expect(tree.stdout.indexOf('demo-stats (script)')).toBeLessThan(tree.stdout.indexOf('demo-data (pull)'));
    expect(tree.stdout).toContain('← source: pipelines/demo/raw/measurements.csv');

    const chain = JSON.parse(reproml(workspace, ['lineage', 'pipelines/demo/report/out/report.txt', '--json']).stdout);
    const stats = chain.root.inputs[0];
    expect(stats.path).toBe('pipelines/demo/stats/out/stats.json');
    expect(stats.consistent).toBe(true);
    const data = stats.upstream.inputs[0].upstream;
    expect(data.location.project).toBe('demo-data');
    expect(data.inputs[0]).toMatchObject({ from: 'source', path: 'pipelines/demo/raw/measurements.csv' });
    expect(data.inputs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(chain.root.lastRun.git.commit).toBe(workspace.git('rev-parse', 'HEAD').trim());
  });

  it('flags an artifact edited after its stage ran', () => {
    workspace.write('pipelines/demo/report/out/report.txt', 'rows: 3, mean: 99\n');
    const result = reproml(workspace, ['lineage', 'pipelines/demo/report/out/report.txt']);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('DIFFERS from its lineage record');
  });
});
