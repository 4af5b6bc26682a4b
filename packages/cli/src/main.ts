import { isReproError } from '@reproml/core';
import type { Command, CommandIO } from './commands/command';
import { dataCommand } from './commands/data-command';
import { lineageCommand } from './commands/lineage-command';
import { modelsCommand } from './commands/models-command';
import { packageCommand } from './commands/package-command';
import { reportCommand } from './commands/report-command';
import { runsCommand } from './commands/runs-command';
import { serveCommand } from './commands/serve-command';
import { verifyCommand } from './commands/verify-command';

export const COMMANDS: Command[] = [lineageCommand, modelsCommand, verifyCommand, runsCommand, reportCommand, dataCommand, serveCommand, packageCommand];

const processIO: CommandIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function help(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'reproml: reproducible ML pipelines on Nx',
    '',
    'commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}\n${usageLines(command.usage, width + 4)}`),
    '',
  ].join('\n');
}

/** A command's usage, one form per line, each indented the same (commands write continuation lines with their own indent). */
function usageLines(usage: string, indent: number): string {
  return usage
    .split('\n')
    .map((line) => `${' '.repeat(indent)}${line.trim()}`)
    .join('\n');
}

/** node:util parseArgs rejects unknown options and missing values with these codes. */
function isArgumentError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** Runs `reproml <command> …` and returns the exit code. */
export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(help());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr(`unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.summary}\n\nusage:\n${usageLines(command.usage, 2)}\n`);
    return 0;
  }
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
