import { cpSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reproml } from './support/reproml-cli';
import { TempWorkspace, taskOutcomes } from './support/temp-workspace';

/** The push stage and `reproml models` on the penguins pipeline, with the real nx CLI. */
describe('push stage and the model registry (real nx CLI)', () => {
  let workspace: TempWorkspace;
  const runPipeline = ['run-many', '-t', 'run', '--projects', 'tag:pipeline:penguins', '--output-style=stream'];
  const env = { REPROML_REGISTRY_DIR: '' };
  const models = (args: string[]) => reproml(workspace, ['models', ...args]);

  beforeAll(() => {
    process.env.REPROML_REGISTRY_DIR = '';
    workspace = TempWorkspace.create({ label: 'push', pipelines: ['penguins'] });
  });
  afterAll(() => workspace?.remove());

  it('pushes the model to the local registry; a second run pushes nothing new', () => {
    const first = workspace.nxOk(runPipeline, env);
    expect(first).toMatch(/pushed penguins v1 \(model\.onnx sha256 [0-9a-f]{12}…\) to the registry/);
    const receipt = JSON.parse(workspace.read('pipelines/penguins/push/out/push.json'));
    expect(receipt).toMatchObject({ model: 'penguins', version: 1, target: 'registry', location: { type: 'local', path: 'models/penguins/versions/1/files' } });
    expect(workspace.exists('.reproml/registry/models/penguins/versions/1/files/model.onnx')).toBe(true);
    expect(workspace.read('.reproml/registry/models/penguins/versions/1/files/README.md')).toMatch(/^---\nlibrary_name: "onnx"/);

    const second = workspace.nxOk(runPipeline, env);
    expect(taskOutcomes(second).executed).toEqual(['penguins-push:run']);
    expect(second).toContain('penguins v1 already holds these artifacts');
    expect(JSON.parse(models(['list', '--json']).stdout).models).toEqual([{ name: 'penguins', versions: 1, latest: 1, aliases: {} }]);
  });

  it('restores the push from the cache once the registry holds its artifacts; another or a deleted registry runs it again, daemon on or off', () => {
    const third = taskOutcomes(workspace.nxOk(runPipeline, env));
    expect(third.executed).toEqual([]);
    expect(third.cached).toContain('penguins-push:run');
    expect(JSON.parse(workspace.read('pipelines/penguins/push/out/push.json'))).toMatchObject({ model: 'penguins', version: 1 });

    for (const daemon of ['false', 'true']) {
      // REPROML_REGISTRY names another (empty) registry: the push runs and publishes there.
      const other = { ...env, NX_DAEMON: daemon, REPROML_REGISTRY: '.reproml/other-registry' };
      try {
        const elsewhere = workspace.nxOk(runPipeline, other);
        expect(taskOutcomes(elsewhere).executed).toEqual(['penguins-push:run']);
        expect(elsewhere).toMatch(/pushed penguins v1 .* to the registry/);
        // Published there: the next run's push is a no-op (its own cache entry), the one after a hit.
        const again = taskOutcomes(workspace.nxOk(runPipeline, other));
        expect(again.executed).toEqual(['penguins-push:run']);
        expect(taskOutcomes(workspace.nxOk(runPipeline, other)).cached).toContain('penguins-push:run');
        // That registry deleted: never a cache hit claiming the push (with the daemon too, whose graph did not change), which publishes again.
        rmSync(workspace.path('.reproml/other-registry'), { recursive: true });
        const republished = workspace.nxOk(runPipeline, other);
        expect(taskOutcomes(republished).executed).toEqual(['penguins-push:run']);
        expect(republished).toMatch(/pushed penguins v1 .* to the registry/);
      } finally {
        rmSync(workspace.path('.reproml/other-registry'), { recursive: true, force: true });
        if (daemon === 'true') workspace.nx(['daemon', '--stop'], other);
      }
    }

    // The default registry did not change: a hit again.
    expect(taskOutcomes(workspace.nxOk(runPipeline, env)).cached).toContain('penguins-push:run');
  });

  it('promotes only with an approval record and passing gates from the stage file', () => {
    const refused = models(['promote', 'penguins', '1', 'production']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('no approval record');

    const stageFile = JSON.parse(workspace.read('pipelines/penguins/push/stage.json'));
    workspace.write('pipelines/penguins/push/stage.json', { ...stageFile, gates: { production: { accuracy: '> 1' } } });
    const gated = models(['promote', 'penguins', '1', 'production', '--approved-by', 'alice', '--reason', 'CHG-1']);
    expect(gated.status).toBe(1);
    expect(gated.stderr).toMatch(/metric gates for 'production' failed: accuracy 1 is not > 1/);
    workspace.write('pipelines/penguins/push/stage.json', stageFile);

    const promoted = models(['promote', 'penguins', '1', 'production', '--approved-by', 'alice', '--reason', 'CHG-1', '--json']);
    expect(promoted.status).toBe(0);
    expect(JSON.parse(promoted.stdout).event).toMatchObject({ type: 'promote', version: 1, alias: 'production', approval: { by: 'alice', reason: 'CHG-1' } });
  });

  it('a changed model becomes v2; rollback moves production back to v1; the audit log has every step', () => {
    const train = JSON.parse(workspace.read('pipelines/penguins/train/stage.json'));
    workspace.write('pipelines/penguins/train/stage.json', { ...train, seed: 7 });
    workspace.commitAll('train with another seed');
    expect(workspace.nxOk(runPipeline, env)).toContain('pushed penguins v2');
    expect(models(['promote', 'penguins', '2', 'production', '--approved-by', 'bob', '--reason', 'CHG-2']).status).toBe(0);
    const rolled = models(['rollback', 'penguins', 'production', '--approved-by', 'carol', '--reason', 'INC-9']);
    expect(rolled.stdout).toContain("rolled 'production' of penguins back from v2 to v1");
    expect(JSON.parse(models(['show', 'penguins', '--json']).stdout).aliases).toEqual({ production: 1 });
    const audit = JSON.parse(models(['audit', '--json']).stdout);
    expect(audit.events.map((event: { type: string }) => event.type)).toEqual([
      'register',
      'promotion-rejected',
      'promotion-rejected',
      'promote',
      'register',
      'promote',
      'rollback',
    ]);
  });

  it('reproduces v1 from its commit in a scratch folder, byte for byte, and prints the commands', () => {
    const result = models(['reproduce', 'penguins', 'production', '--verify', '--json']);
    expect(result.status).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.version).toBe(1);
    expect(plan.commands[0]).toBe(`git checkout ${plan.commit}`);
    expect(plan.check).toEqual({ mode: 'scratch', actualSha256: plan.expectedSha256, matches: true });
  });

  it('walks the lineage of a registry version from the records its push bundled, after the workspace moved on', () => {
    // The workspace's outputs now hold v2 (seed 7); production is v1 again after the rollback.
    const result = reproml(workspace, ['lineage', 'penguins@production', '--json']);
    expect(result.status).toBe(0);
    const chain = JSON.parse(result.stdout);
    expect(chain.origin).toMatchObject({ model: 'penguins', version: 1 });
    expect(chain.artifact).toMatchObject({ path: 'penguins v1 model.onnx', matchesRecord: true });
    expect(chain.root.location.project).toBe('penguins-train');
    expect(chain.root.record.seed).toBe(42);
    const preprocess = chain.root.inputs.find((input: { upstream?: unknown }) => input.upstream).upstream;
    const data = preprocess.inputs.find((input: { upstream?: unknown }) => input.upstream).upstream;
    expect(data.location.project).toBe('penguins-data');
    expect(data.inputs[0]).toMatchObject({ from: 'source', path: 'pipelines/penguins/raw/penguins.json' });
    expect(reproml(workspace, ['lineage', 'penguins@2']).stdout).toMatch(/registry penguins v2, pushed from commit [0-9a-f]{12}/);
  });

  it('refuses to push a model from a pipeline that is not committed; once committed, the version names a commit that holds it', () => {
    cpSync(workspace.path('pipelines/penguins'), workspace.path('pipelines/penguins2'), {
      recursive: true,
      filter: (source) => !/[\\/]out([\\/]|$)/.test(source),
    });
    const pushStage = JSON.parse(workspace.read('pipelines/penguins2/push/stage.json'));
    workspace.write('pipelines/penguins2/push/stage.json', { ...pushStage, model: 'penguins2' });

    const refused = workspace.nx(['run', 'penguins2-push:run', '--output-style=stream'], env);
    expect(refused.status).not.toBe(0);
    expect(refused.output).toMatch(/Refusing to push penguins2: \d+ file\(s\) it depends on are not committed \(pipelines\/penguins2\//);
    expect(refused.output).toContain('pipelines/penguins2/push/stage.json');
    expect(refused.output).toMatch(/"allowDirty": true in pipelines\/penguins2\/push\/stage\.json or REPROML_ALLOW_DIRTY=1/);
    expect(models(['show', 'penguins2']).status).toBe(1);

    const commit = workspace.commitAll('penguins2 pipeline');
    expect(workspace.nxOk(['run', 'penguins2-push:run', '--output-style=stream'], env)).toContain('pushed penguins2 v1');
    const version = JSON.parse(models(['show', 'penguins2', '1', '--json']).stdout);
    expect(version.source.git).toEqual({ commit, dirty: false });
    expect(workspace.git('cat-file', '-t', `${commit}:pipelines/penguins2/push/stage.json`).trim()).toBe('blob');
  });
});
