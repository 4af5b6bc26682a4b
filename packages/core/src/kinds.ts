import { typeScriptConfigFiles } from './lib/require-module';
import { scriptStageConfigSchema } from './lib/script-stage-config';
import { defineStageKind } from './lib/stage-kind';

/** The stage kind of @reproml/core: a user module over named upstream outputs (the escape hatch). */
export const scriptKind = defineStageKind({
  name: 'script',
  description: 'Run a user module over named upstream outputs',
  schema: scriptStageConfigSchema,
  inputs: {},
  openInputs: true,
  openOutputs: true,
  packages: [],
  // The script imports what it likes from node_modules: the lockfile is hashed instead.
  importsAnyPackage: true,
  // A `.ts` script compiles with the workspace's compiler options, read when it loads (requireModule).
  extraReadPaths: typeScriptConfigFiles,
  run: async (context, config) => {
    const { runScriptStage } = require('./lib/run-script-stage') as typeof import('./lib/run-script-stage');
    const inputDirs: Record<string, string> = {};
    for (const [name, upstream] of Object.entries(context.inputs)) inputDirs[name] = upstream.dir;
    await runScriptStage({ context, config, stageDir: context.stageDir, inputDirs });
  },
});

export const stageKinds = [scriptKind];
