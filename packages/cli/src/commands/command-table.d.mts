/** Types of command-table.mjs (plain JavaScript so that `reproml --help` needs no transpiler). */
export type CommandName = 'lineage' | 'models' | 'verify' | 'runs' | 'report' | 'data' | 'serve' | 'package';

export interface CommandEntry {
  name: CommandName;
  summary: string;
  /** One usage form per line. */
  usage: readonly string[];
}

export interface TableAnswer {
  stdout?: string;
  stderr?: string;
  code: number;
}

export const COMMAND_TABLE: readonly CommandEntry[];
export function commandEntry(name: CommandName): CommandEntry;
export function usageLines(usage: readonly string[], indent: number): string;
export function answerFromTable(argv: readonly string[]): TableAnswer | undefined;
