import { createInterface } from 'node:readline/promises';

/** Asks one question when a person is at a terminal; undefined in CI, pipes and Nx's non-interactive runs. */
export async function askOnTerminal(question: string): Promise<string | undefined> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return undefined;
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await terminal.question(question);
  } finally {
    terminal.close();
  }
}
