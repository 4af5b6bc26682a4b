import { isReproError } from '@reproml/core';
import type { Command, CommandIO } from './commands/command';
import { answerFromTable, type CommandName, usageLines } from './commands/command-table.mjs';

/** Each command's module, loaded only when that command runs (the help and the usages come from the command table). */
const LOADERS: Record<CommandName, () => Promise<Command>> = {
  lineage: async () => (await import('./commands/lineage-command.ts')).lineageCommand,
  models: async () => (await import('./commands/models-command.ts')).modelsCommand,
  verify: async () => (await import('./commands/verify-command.ts')).verifyCommand,
  runs: async () => (await import('./commands/runs-command.ts')).runsCommand,
  report: async () => (await import('./commands/report-command.ts')).reportCommand,
  data: async () => (await import('./commands/data-command.ts')).dataCommand,
  serve: async () => (await import('./commands/serve-command.ts')).serveCommand,
  package: async () => (await import('./commands/package-command.ts')).packageCommand,
};

const processIO: CommandIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** node:util parseArgs rejects unknown options and missing values with these codes. */
function isArgumentError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** Runs `reproml <command> …` and returns the exit code. */
export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
  const answer = answerFromTable(argv);
  if (answer) {
    if (answer.stdout) io.stdout(answer.stdout);
    if (answer.stderr) io.stderr(answer.stderr);
    return answer.code;
  }
  const [name, ...rest] = argv as [CommandName, ...string[]];
  const command = await LOADERS[name]();
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (isArgumentError(error)) {
      io.stderr(`${(error as Error).message}\n\nusage:\n${usageLines(command.usage, 2)}\n`);
      return 2;
    }
    io.stderr(isReproError(error) ? `error: ${error.describe()}\n` : `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
