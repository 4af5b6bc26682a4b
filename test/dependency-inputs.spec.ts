import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoWorkspace } from './support/demo-pipeline';
import { type TempWorkspace, taskOutcomes } from './support/temp-workspace';

const RUN_ALL = ['run-many', '-t', 'run', '--output-style=stream'];

describe('dependency versions are stage inputs (real nx CLI)', () => {
  let workspace: TempWorkspace;

  beforeAll(() => {
    workspace = createDemoWorkspace('deps');
  });
  afterAll(() => workspace?.remove());

  it('reruns exactly the stages that use a package whose locked version changed', () => {
    const inputs = JSON.parse(workspace.nxOk(['show', 'target', 'inputs', 'demo-data:run', '--json']));
    expect(inputs.external).toContain('npm:zod');
    // A script may import any installed package (strict mode lets it read node_modules): it hashes the lockfile.
    const scriptInputs = JSON.parse(workspace.nxOk(['show', 'target', 'inputs', 'demo-stats:run', '--json']));
    expect(scriptInputs.external ?? []).not.toContain('npm:zod');
    expect(scriptInputs.files).toContain('pnpm-lock.yaml');
    expect(inputs.files).not.toContain('pnpm-lock.yaml');

    workspace.nxOk(RUN_ALL);
    expect(taskOutcomes(workspace.nxOk(RUN_ALL)).executed).toEqual([]);

    // What a dependency upgrade looks like to Nx: the lockfile names another version with
    // another integrity hash (Nx hashes npm nodes by their integrity).
    const lockfile = workspace.read('pnpm-lock.yaml');
    const bumped = lockfile
      .replace(/(\n {2}zod@4\.1\.13:\n {4}resolution: \{integrity: sha512-)[A-Za-z0-9+/=]+/, `$1${'A'.repeat(86)}==`)
      .replace(/zod@4\.1\.13/g, 'zod@4.1.99')
      .replace(/(\n {6}zod:\n {8}specifier: \S+\n {8}version: )4\.1\.13/g, '$14.1.99');
    expect(bumped).not.toBe(lockfile);
    workspace.write('pnpm-lock.yaml', bumped);

    // The stages whose kind uses zod, and the script stages (the lockfile changed); nothing is restored.
    const outcome = taskOutcomes(workspace.nxOk(RUN_ALL));
    expect(outcome.executed).toEqual(['demo-data:run', 'demo-extra:run', 'demo-report:run', 'demo-stats:run']);
    expect(outcome.cached).toEqual([]);
  });

  it('leaves stages whose kind lists its packages cached when only a package they do not use changes; script stages rerun', () => {
    workspace.nxOk(RUN_ALL);
    // A locked package no pull stage lists: only the lockfile's hash changes for them.
    const lockfile = workspace.read('pnpm-lock.yaml');
    const bumped = lockfile.replace(/(\n {2}hyparquet-writer@[^:]+:\n {4}resolution: \{integrity: sha512-)[A-Za-z0-9+/=]+/, `$1${'B'.repeat(86)}==`);
    expect(bumped).not.toBe(lockfile);
    workspace.write('pnpm-lock.yaml', bumped);
    const outcome = taskOutcomes(workspace.nxOk(RUN_ALL));
    expect(outcome.executed).toEqual(['demo-report:run', 'demo-stats:run']);
    expect(outcome.cached).toEqual(['demo-data:run', 'demo-extra:run']);
  });
});
