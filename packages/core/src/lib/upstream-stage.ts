import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { ConfigError, StageIOError } from './errors';
import type { StageContext } from './run-stage';
import { readStageOutput, type StageOutput } from './stage-output';

/** An upstream stage a stage names in `inputs`, as its kind's `run` sees it. */
export interface UpstreamStage {
  /** The input name (`inputs.<name>`). */
  readonly name: string;
  /** Absolute output folder of the upstream stage. */
  readonly dir: string;
  /** Its Nx project name (`<pipeline>-<stage>`), for messages and lineage. */
  readonly stage: string;
  /** `<project>/out/<file>`: how messages and lineage name a file of it. */
  fileLabel(file: string): string;
  /** Absolute path and label of one of its files. */
  file(file: string): { path: string; file: string };
  /**
   * Reads a contract document of the upstream stage, checked against the contract's schema,
   * and records it (with its sha256) as an input in the lineage.
   */
  read<S extends z.ZodType>(output: StageOutput<S>): Promise<z.output<S>>;
}

export function createUpstreamStage(params: { name: string; dir: string; stage: string; context: StageContext }): UpstreamStage {
  const { name, dir, stage, context } = params;
  const fileLabel = (file: string) => `${stage}/out/${file}`;
  return {
    name,
    dir,
    stage,
    fileLabel,
    file: (file) => ({ path: join(dir, file), file: fileLabel(file) }),
    read: async (output) => {
      const path = join(dir, output.file);
      if (!existsSync(path)) {
        throw new StageIOError(`${fileLabel(output.file)} is missing: ${output.description}`, {
          stage: context.stage.name,
          file: fileLabel(output.file),
          field: `inputs.${name}`,
          hint: `Run ${stage} first (nx runs it before this stage when inputs.${name} names it).`,
        });
      }
      await context.recordInput(path, stage);
      return readStageOutput(output, path, fileLabel(output.file), context.stage.name);
    },
  };
}

/** The ConfigError of a stage that needs `inputs.<name>` and does not name it. */
export function missingInputError(context: StageContext, name: string, description: string): ConfigError {
  return new ConfigError(`The stage needs inputs.${name} (${description})`, {
    stage: context.stage.name,
    file: context.stage.file,
    field: `inputs.${name}`,
    hint: `Name the upstream stage in ${context.stage.file}: "inputs": { "${name}": "<stage>" }.`,
  });
}
