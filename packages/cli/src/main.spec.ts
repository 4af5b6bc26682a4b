import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_TABLE, usageLines } from './commands/command-table.mjs';
import { main } from './main';

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (text: string) => void (out.stdout += text), stderr: (text: string) => void (out.stderr += text) } };
}

describe('reproml main', () => {
  it('prints a command usage for --help instead of failing', async () => {
    const { out, io } = capture();
    expect(await main(['verify', '--help'], io)).toBe(0);
    expect(out.stdout).toContain('usage:\n  reproml verify');
  });

  it('answers an unknown option with the message and the usage, exit 2', async () => {
    const { out, io } = capture();
    expect(await main(['verify', '--fast'], io)).toBe(2);
    expect(out.stderr).toMatch(/Unknown option '--fast'[\s\S]*usage:\n {2}reproml verify/);
  });

  it('lists the commands when none is given', async () => {
    const { out, io } = capture();
    expect(await main([], io)).toBe(2);
    expect(out.stdout).toContain('lineage');
    expect(out.stdout).toContain('verify');
  });

  it('indents every usage line of every command the same, sub-commands included', async () => {
    const { out, io } = capture();
    await main(['--help'], io);
    const usage = out.stdout.split('\n').filter((line) => line.trim().startsWith('reproml '));
    expect(usage.length).toBeGreaterThan(15);
    expect(new Set(usage.map((line) => line.length - line.trimStart().length)).size).toBe(1);
  });
});

describe('reproml: what loads', () => {
  const BIN = join(__dirname, '..', 'bin', 'reproml.js');

  it('answers --help, a usage and an unknown command without a transpiler or any command module', () => {
    for (const args of [['--help'], ['models', '--help'], ['nope']]) {
      const probe = `process.argv.splice(1, process.argv.length, ${JSON.stringify(BIN)}, ...${JSON.stringify(args)});
require(${JSON.stringify(BIN)});
process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify(Object.keys(require.cache).filter((file) => file.endsWith('.ts') || file.includes('swc')))));`;
      const result = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
      expect(result.stderr).toMatch(/LOADED \[\]$/);
      expect(result.stdout + result.stderr).toContain(args[0] === 'nope' ? "unknown command 'nope'" : 'reproml models list');
    }
  });

  it('loads every command of the table, under the name, summary and usage the table gives it', async () => {
    for (const entry of COMMAND_TABLE) {
      const { out, io } = capture();
      // An option no command has: the command module loads, parseArgs rejects it with that command's usage.
      await main([entry.name, '--no-such-option'], io);
      expect(out.stderr).toContain(`usage:\n${usageLines(entry.usage, 2)}`);
    }
  });
});
