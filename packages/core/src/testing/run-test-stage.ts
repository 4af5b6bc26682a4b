import { join } from 'node:path';
import type { StageContext } from '../lib/run-stage';
import { runStage } from '../lib/run-stage';
import { stageOutputDir } from '../lib/stage-layout';

export interface RunTestStageParams {
  /** The temp workspace root. */
  root: string;
  /** Stage folder name in pipeline `p` (project `p-<name>`). */
  name: string;
  kind: string;
  config: Record<string, unknown>;
  work: (context: StageContext) => Promise<unknown>;
  /** Default: the stage's `out/` in the layout. */
  outputDir?: string;
}

/** Runs a kind's work through the real `runStage` (temp folder, atomic output, lineage) as stage `p-<name>` of pipeline `p`, seed 42, quietly. */
export function runTestStage(params: RunTestStageParams): ReturnType<typeof runStage> {
  const { root, name } = params;
  return runStage({
    stage: { name: `p-${name}`, pipeline: 'p', kind: params.kind, file: `pipelines/p/${name}/stage.json` },
    config: params.config,
    seed: 42,
    workspaceRoot: root,
    outputDir: params.outputDir ?? join(root, stageOutputDir('p', name)),
    packages: [],
    runMetadataPath: join(root, '.reproml', name, 'last-run.json'),
    onProgress: () => undefined,
    work: async (context) => void (await params.work(context)),
  });
}
