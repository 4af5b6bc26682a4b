import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoWorkspace } from './support/demo-pipeline';
import type { TempWorkspace } from './support/temp-workspace';

const BIG_SCRIPT = `import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export default async function big(stage: any): Promise<void> {
  writeFileSync(join(stage.outDir, 'big.bin'), Buffer.alloc(2 * 1024 * 1024, 1));
}
`;

function mount(args: string[]): boolean {
  return spawnSync('mount', args, { stdio: 'ignore' }).status === 0;
}

/**
 * A full disk and a read-only file system, made real with a small tmpfs mounted over one
 * stage's folder. Mounting needs root (as on the project's machines and CI).
 */
describe('output folder failures (real nx CLI, tmpfs)', () => {
  let workspace: TempWorkspace;
  let mounted = false;
  const STAGE_DIR = 'pipelines/demo/big';

  beforeAll(() => {
    workspace = createDemoWorkspace('disk');
    mkdirSync(workspace.path(STAGE_DIR), { recursive: true });
    mounted = mount(['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', workspace.path(STAGE_DIR)]);
    if (!mounted) return;
    workspace.write(`${STAGE_DIR}/stage.json`, { kind: 'script', script: 'big.ts' });
    workspace.write(`${STAGE_DIR}/big.ts`, BIG_SCRIPT);
  });
  afterAll(() => {
    if (mounted) spawnSync('umount', [workspace.path(STAGE_DIR)]);
    workspace?.remove();
  });

  it.runIf(process.getuid?.() === 0)('can mount a tmpfs here (root)', () => {
    expect(mounted).toBe(true);
  });

  it.runIf(process.getuid?.() === 0)('says the disk is full, names the output folder, and leaves nothing behind', () => {
    const result = workspace.nx(['run', 'demo-big:run', '--output-style=stream']);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain(`No space left on the device while writing ${workspace.path(STAGE_DIR, 'out')}`);
    expect(result.output).toContain('Free disk space');
    expect(readdirSync(workspace.path(STAGE_DIR)).sort()).toEqual(['big.ts', 'stage.json']);
  });

  it.runIf(process.getuid?.() === 0)('says the output folder cannot be written on a read-only file system', () => {
    expect(mount(['-o', 'remount,ro', workspace.path(STAGE_DIR)])).toBe(true);
    const result = workspace.nx(['run', 'demo-big:run', '--output-style=stream']);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/Cannot write \S+: the file system is read-only/);
    expect(result.output).toContain('Make the output folder writable');
    expect(readdirSync(workspace.path(STAGE_DIR)).sort()).toEqual(['big.ts', 'stage.json']);
  });
});
