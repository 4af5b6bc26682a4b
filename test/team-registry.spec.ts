import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubServer, startHubServer } from '../tools/hub-server';
import { sharedPostgres } from './support/postgres';
import { TempWorkspace } from './support/temp-workspace';

// A plain Hub client, as someone without ReproML would use it (resolved from the package that depends on it).
const hubClient = createRequire(join(__dirname, '..', 'packages', 'hub', 'package.json'))(
  '@huggingface/hub',
) as typeof import('../packages/hub/node_modules/@huggingface/hub');

const CI_TOKEN = 'hf_teamCIbotWRITE0001';
const ALICE_TOKEN = 'hf_teamALICEwrite0002';
const BOB_TOKEN = 'hf_teamBOBwrite0003';
const VIEWER_TOKEN = 'hf_teamVIEWERread0004';

interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Issue 14's "done when": three clones of one repository (a CI runner and two laptops) share
 * one registry on hub-server (REPROML_REGISTRY=hf://acme) and one PostgreSQL run store,
 * through the real nx CLI, the real `reproml` bin and the real @huggingface/hub client.
 */
describe('a team: CI and two laptops sharing a Hub registry and a PostgreSQL run store', () => {
  let hub: HubServer;
  let origin: TempWorkspace;
  let ci: TempWorkspace;
  let laptopA: TempWorkspace;
  let laptopB: TempWorkspace;
  let team: Record<string, string>;
  /** The bin without blocking this process (the Hub answers from here). */
  const reproml = (clone: TempWorkspace, token: string, args: string[]) =>
    new Promise<CliResult>((resolve) => {
      execFile(
        process.execPath,
        [clone.path('packages/cli/bin/reproml.js'), ...args],
        { cwd: clone.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', NX_DAEMON: 'false', ...team, HF_TOKEN: token }, timeout: 300_000 },
        (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  const nx = async (clone: TempWorkspace, token: string, args: string[]) => {
    const result = await clone.nxAsync([...args, '--output-style=stream'], { ...team, HF_TOKEN: token });
    if (result.status !== 0) throw new Error(`nx ${args.join(' ')} failed in ${clone.root}:\n${result.output}`);
    return result.output;
  };
  const json = (result: CliResult) => {
    expect(result.status, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };

  beforeAll(async () => {
    hub = await startHubServer();
    hub.addToken(CI_TOKEN, 'ci-bot', { orgs: ['acme'] });
    hub.addToken(ALICE_TOKEN, 'alice', { orgs: ['acme'] });
    hub.addToken(BOB_TOKEN, 'bob', { orgs: ['acme'] });
    hub.addToken(VIEWER_TOKEN, 'viewer', { orgs: ['acme'], role: 'read' });
    const runs = await (await sharedPostgres()).createDatabase('team_runs');
    team = { REPROML_REGISTRY: 'hf://acme', ...hub.env, REPROML_TRACKING_URL: runs };
    origin = TempWorkspace.create({ label: 'team-origin', pipelines: ['penguins'] });
    ci = TempWorkspace.cloneFrom(origin, { label: 'team-ci' });
    laptopA = TempWorkspace.cloneFrom(origin, { label: 'team-laptop-a' });
    laptopB = TempWorkspace.cloneFrom(origin, { label: 'team-laptop-b' });
  });
  afterAll(async () => {
    await hub?.close();
    for (const clone of [ci, laptopA, laptopB, origin]) clone?.remove();
  });

  it('CI trains and pushes v1, retrains after a committed change and pushes v2, to the team registry only', async () => {
    const first = await nx(ci, CI_TOKEN, ['run-many', '-t', 'run', '--projects', 'tag:pipeline:penguins']);
    expect(first).toMatch(/pushed penguins v1 \(model\.onnx sha256 [0-9a-f]{12}…\) to hf:\/\/acme\/penguins@[0-9a-f]{12}/);
    const train = JSON.parse(ci.read('pipelines/penguins/train/stage.json'));
    ci.write('pipelines/penguins/train/stage.json', { ...train, seed: 7 });
    ci.commitAll('train with another seed');
    const second = await nx(ci, CI_TOKEN, ['affected', '-t', 'run', '--base=HEAD~1', '--head=HEAD']);
    expect(second).toMatch(/pushed penguins v2 .* to hf:\/\/acme\/penguins@/);
    expect(ci.exists('.reproml/registry')).toBe(false);
  });

  it('laptop A lists v2 and promotes v1, then v2, to staging with approval (recorded with the whoami of its token)', async () => {
    const listed = json(await reproml(laptopA, ALICE_TOKEN, ['models', 'list', '--json']));
    expect(listed.models).toEqual([{ name: 'penguins', versions: 2, latest: 2, aliases: {} }]);
    const refused = await reproml(laptopA, ALICE_TOKEN, ['models', 'promote', 'penguins', '2', 'staging']);
    expect(refused.stderr).toContain('no approval record');
    for (const version of ['1', '2']) {
      const promoted = await reproml(laptopA, ALICE_TOKEN, [
        'models',
        'promote',
        'penguins',
        version,
        'staging',
        '--approved-by',
        'Alice Martin',
        '--reason',
        `QA-${version}`,
      ]);
      expect(promoted.stdout, promoted.stderr).toContain(`promoted penguins v${version} to 'staging'`);
      expect(promoted.stdout).toContain('approved by Alice Martin (token of alice)');
    }
  });

  it('laptop B sees staging = v2 and rolls it back to v1; a read-only token may look but not change', async () => {
    expect(json(await reproml(laptopB, VIEWER_TOKEN, ['models', 'show', 'penguins', 'staging', '--json'])).version).toBe(2);
    const denied = await reproml(laptopB, VIEWER_TOKEN, ['models', 'rollback', 'penguins', 'staging', '--approved-by', 'viewer', '--reason', 'try']);
    expect(denied.status).toBe(1);
    expect(denied.stderr).toContain('HF_TOKEN of viewer is read-only');
    const rolled = await reproml(laptopB, BOB_TOKEN, ['models', 'rollback', 'penguins', 'staging', '--approved-by', 'Bob', '--reason', 'INC-7']);
    expect(rolled.stdout, rolled.stderr).toContain("rolled 'staging' of penguins back from v2 to v1");
    expect(json(await reproml(laptopA, ALICE_TOKEN, ['models', 'show', 'penguins', '--json'])).aliases).toEqual({ staging: 1 });
  });

  it('two clones promoting at the same moment: exactly one wins, the other fails clearly, the chain stays intact', async () => {
    // Both commits are held until both arrived: each was decided on the same head.
    hub.faults.barrierNext(2, { match: /^POST \/api\/models\/acme\/penguins\/commit\/main$/ });
    const [a, b] = await Promise.all([
      reproml(laptopA, ALICE_TOKEN, ['models', 'promote', 'penguins', '2', 'production', '--approved-by', 'Alice', '--reason', 'CHG-1']),
      reproml(laptopB, BOB_TOKEN, ['models', 'promote', 'penguins', '1', 'production', '--approved-by', 'Bob', '--reason', 'CHG-2']),
    ]);
    const winners = [a, b].filter((result) => result.status === 0);
    const losers = [a, b].filter((result) => result.status !== 0);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]!.stderr).toMatch(
      /'production' of penguins moved from unset to v[12] \(promote by (Alice|Bob) \((alice|bob)\), event \d+\) while this change was being recorded: nothing was changed/,
    );
    const audit = await reproml(laptopB, VIEWER_TOKEN, ['models', 'audit', 'penguins']);
    expect(audit.status, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout).toContain('every alias branch is at the commit its log names');
    const events = json(await reproml(laptopB, VIEWER_TOKEN, ['models', 'audit', 'penguins', '--json'])).events as { type: string; alias?: string }[];
    expect(events.filter((event) => event.type === 'promote' && event.alias === 'production')).toHaveLength(1);
  });

  it("a plain Hub client downloading model.onnx at revision 'production' gets the registry's bytes", async () => {
    const production = json(await reproml(laptopA, VIEWER_TOKEN, ['models', 'show', 'penguins', 'production', '--json']));
    const blob = await hubClient.downloadFile({
      hubUrl: hub.url,
      accessToken: VIEWER_TOKEN,
      repo: { type: 'model', name: 'acme/penguins' },
      path: 'model.onnx',
      revision: 'production',
    });
    const sha256 = createHash('sha256')
      .update(new Uint8Array(await blob!.arrayBuffer()))
      .digest('hex');
    expect(sha256).toBe(production.artifact.sha256);
    // The lineage of the production version, from the files of its Hub commit (laptop A never trained it).
    const lineage = json(await reproml(laptopA, VIEWER_TOKEN, ['lineage', 'penguins@production', '--json']));
    expect(lineage.origin).toMatchObject({ model: 'penguins', version: production.version });
    expect(lineage.artifact).toMatchObject({ path: `penguins v${production.version} model.onnx`, matchesRecord: true });
    expect(lineage.root.location.project).toBe('penguins-train');
  });

  it('a read-only token reproduces a version: laptop B, which never trained it, rebuilds v1 at its commit byte for byte', async () => {
    const v1 = json(await reproml(laptopB, VIEWER_TOKEN, ['models', 'show', 'penguins', '1', '--json']));
    expect(v1.source.git.commit).toBe(laptopB.git('rev-parse', 'HEAD').trim());
    const reproduced = json(await reproml(laptopB, VIEWER_TOKEN, ['models', 'reproduce', 'penguins', '1', '--verify', '--json']));
    expect(reproduced).toMatchObject({ version: 1, expectedSha256: v1.artifact.sha256, check: { mode: 'workspace', matches: true } });
    expect(reproduced.check.actualSha256).toBe(v1.artifact.sha256);
  });

  it("every clone's runs are in one `reproml runs list` and one report", async () => {
    for (const [clone, note] of [
      [laptopA, 'laptop A'],
      [laptopB, 'laptop B'],
    ] as const) {
      clone.write('pipelines/penguins/NOTES.md', `${note}\n`);
      clone.commitAll(`notes from ${note}`);
      await nx(clone, VIEWER_TOKEN, ['run', 'penguins-data:run']);
    }
    const commits = new Set([ci, laptopA, laptopB].map((clone) => clone.git('rev-parse', 'HEAD').trim()));
    const runs = json(await reproml(laptopB, VIEWER_TOKEN, ['runs', 'list', '--all', '--json'])).runs as { gitCommit: string | null; project: string }[];
    const seen = new Set(runs.map((run) => run.gitCommit));
    for (const commit of commits) expect(seen.has(commit), `runs of commit ${commit}`).toBe(true);
    expect(runs.filter((run) => run.project === 'penguins-push').length).toBeGreaterThanOrEqual(2);
    const report = json(await reproml(laptopA, VIEWER_TOKEN, ['report', 'penguins', '--json']));
    expect(report.reports[0]).toMatchObject({ pipeline: 'penguins', runs: runs.length });
  });
});
