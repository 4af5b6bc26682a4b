import { rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../packages/tracking/src';
import { DEMO_STAGES, writeDemoPipeline } from './support/demo-pipeline';
import { snapshotFiles } from './support/output-snapshot';
import { sharedPostgres } from './support/postgres';
import { reproml } from './support/reproml-cli';
import { TempWorkspace, taskOutcomes } from './support/temp-workspace';

const RUN_ALL = ['run-many', '-t', 'run', '--output-style=stream'];
const OUT_DIRS = ['data', 'extra', 'stats', 'report'].map((stage) => `pipelines/demo/${stage}/out`);

/** The run store on PostgreSQL, driven by the real nx CLI and the real `reproml` bin. */
describe('run tracking into PostgreSQL (real nx CLI, real server)', () => {
  let workspace: TempWorkspace;
  let url: string;
  let sqliteFile: string;

  beforeAll(async () => {
    url = await (await sharedPostgres()).createDatabase('nx_runs');
    workspace = TempWorkspace.create({ label: 'tracking-pg' });
    writeDemoPipeline(workspace);
    workspace.commitAll('demo pipeline');
    sqliteFile = `${workspace.root}.runs.sqlite`;
  });
  afterAll(() => {
    workspace?.remove();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${sqliteFile}${suffix}`, { force: true });
  });

  const readRuns = async () => {
    const store = await RunStore.open({ location: { engine: 'postgres', url } });
    try {
      return (await store.list()).reverse();
    } finally {
      await store.close();
    }
  };

  it('records executed stages (parallel tasks, one connection each) and cache restores; runs list and report read them', async () => {
    const env = { REPROML_TRACKING_URL: url };
    const head = workspace.git('rev-parse', 'HEAD').trim();
    expect(taskOutcomes(workspace.nxOk([...RUN_ALL, '--parallel=4'], env)).executed).toHaveLength(4);
    const executed = await readRuns();
    expect(executed.map((run) => run.project).sort()).toEqual(DEMO_STAGES);
    for (const run of executed) expect(run).toMatchObject({ origin: 'executed', status: 'succeeded', gitCommit: head, pipeline: 'demo' });

    expect(taskOutcomes(workspace.nxOk(RUN_ALL, env)).cached).toHaveLength(4);
    const restores = (await readRuns()).slice(4);
    for (const run of restores) {
      expect(run).toMatchObject({ origin: 'cache', status: 'succeeded' });
      expect(run.taskHash).toBe(executed.find((first) => first.project === run.project)!.taskHash);
    }

    const list = reproml(workspace, ['runs', 'list', '--json'], env);
    expect(list.status, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { runs: unknown[] }).runs).toHaveLength(8);
    const stats = executed.find((run) => run.project === 'demo-stats')!;
    const show = reproml(workspace, ['runs', 'show', String(stats.id)], env);
    expect(show.stdout).toContain(`run ${stats.id}: demo-stats (script), executed, succeeded`);
    const report = reproml(workspace, ['report', 'demo', '--json'], env);
    expect(report.status, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ store: url, reports: [{ pipeline: 'demo', runs: 8 }] });
  });

  it('reproml runs copy moves a SQLite history into PostgreSQL, verified, and adds nothing on a rerun', async () => {
    // A colleague's machine: runs recorded into its own SQLite file first.
    const local = { REPROML_TRACKING_DB: sqliteFile };
    workspace.nxOk([...RUN_ALL, '--skip-nx-cache'], local);
    const annotate = reproml(workspace, ['runs', 'annotate', '1', 'first local run', '--tag', 'baseline'], local);
    expect(annotate.status, annotate.stderr).toBe(0);
    const before = (await readRuns()).length;

    const copy = reproml(workspace, ['runs', 'copy', '--to', url, '--json'], local);
    expect(copy.status, copy.stderr).toBe(0);
    expect(JSON.parse(copy.stdout)).toMatchObject({ source: 4, added: 4, present: 0, verified: 4, mismatches: [], target: before + 4 });
    expect(copy.stderr).toContain('copied 4/4 run(s)');
    const again = reproml(workspace, ['runs', 'copy', '--to', url], local);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/4 run\(s\) in .*runs\.sqlite: 0 copied, 4 already in postgres:\/\/.*; 4\/4 verified/);
    const tagged = reproml(workspace, ['runs', 'list', '--tag', 'baseline', '--json'], { REPROML_TRACKING_URL: url });
    expect((JSON.parse(tagged.stdout) as { runs: { note: string }[] }).runs).toMatchObject([{ note: 'first local run' }]);
  });

  it('a database that is down or silent: each stage warns once and succeeds, with the same artifacts', async () => {
    const before = snapshotFiles(workspace.root, OUT_DIRS);
    const down = await closedPort();
    const refused = workspace.nxOk([...RUN_ALL, '--skip-nx-cache'], { REPROML_TRACKING_URL: `postgres://ci:secret@127.0.0.1:${down}/runs` });
    expect(taskOutcomes(refused).executed).toHaveLength(4);
    expect(refused.match(/run not recorded \(the stage itself is unaffected\)/g)).toHaveLength(4);
    expect(refused).toContain(`postgres://ci:***@127.0.0.1:${down}/runs cannot be reached`);
    expect(refused).not.toContain('secret');
    expect(snapshotFiles(workspace.root, OUT_DIRS)).toEqual(before);

    // A server that accepts connections and never answers: bounded by the connect timeout.
    const silent = await silentServer();
    try {
      const started = Date.now();
      const hung = await workspace.nxAsync([...RUN_ALL, '--skip-nx-cache'], {
        REPROML_TRACKING_URL: `postgres://ci@127.0.0.1:${silent.port}/runs`,
        REPROML_TRACKING_CONNECT_TIMEOUT_MS: '1000',
      });
      expect(hung.status, hung.output).toBe(0);
      expect(taskOutcomes(hung.output).executed).toHaveLength(4);
      expect(hung.output.match(/did not answer in time/g)).toHaveLength(4);
      expect(Date.now() - started).toBeLessThan(120_000);
    } finally {
      await silent.close();
    }
    expect(snapshotFiles(workspace.root, OUT_DIRS)).toEqual(before);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Accepts TCP connections and never answers, like a hung server or a stalled proxy. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
