import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoPipeline } from './support/demo-pipeline';
import { TempWorkspace } from './support/temp-workspace';

const SNEAKY_SCRIPT = `import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export default async function sneaky(stage: any): Promise<void> {
  // Reads a file that is not declared anywhere: Nx would not rerun this stage when it changes.
  const threshold = readFileSync(join(process.cwd(), 'config/threshold.txt'), 'utf8').trim();
  writeFileSync(join(stage.outDir, 'threshold.json'), JSON.stringify({ threshold }) + '\\n');
}
`;

describe('strict inputs (real nx CLI)', () => {
  let workspace: TempWorkspace;

  beforeAll(() => {
    workspace = TempWorkspace.create({ label: 'strict' });
    writeDemoPipeline(workspace);
    workspace.write('config/threshold.txt', '0.5\n');
    workspace.write('pipelines/demo/sneaky/stage.json', { kind: 'script', script: 'sneaky.ts' });
    workspace.write('pipelines/demo/sneaky/sneaky.ts', SNEAKY_SCRIPT);
    workspace.commitAll('demo pipeline with an undeclared read');
  });
  afterAll(() => workspace?.remove());

  it('fails a stage that reads an undeclared workspace file, naming the file and how to declare it', () => {
    const result = workspace.nx(['run', 'demo-sneaky:run', '--output-style=stream']);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("Stage read 'config/threshold.txt', which is not among its declared inputs");
    expect(result.output).toContain('"strict": false');
    expect(workspace.exists('pipelines/demo/sneaky/out')).toBe(false);
  });

  it('lets the stage opt out with "strict": false', () => {
    workspace.write('pipelines/demo/sneaky/stage.json', { kind: 'script', script: 'sneaky.ts', strict: false });
    workspace.nxOk(['run', 'demo-sneaky:run', '--output-style=stream']);
    expect(JSON.parse(workspace.read('pipelines/demo/sneaky/out/threshold.json'))).toEqual({ threshold: '0.5' });
  });
});
