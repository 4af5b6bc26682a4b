import { describe, expect, it } from 'vitest';
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
