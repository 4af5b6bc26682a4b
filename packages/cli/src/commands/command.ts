import type { CommandEntry } from './command-table.mjs';

/** Where a command writes: injectable so commands are testable without a terminal. */
export interface CommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** A command: its entry in the command table (name, summary, usage) and what runs it. */
export interface Command extends CommandEntry {
  /** Returns the process exit code. */
  run(argv: string[], io: CommandIO): Promise<number>;
}
