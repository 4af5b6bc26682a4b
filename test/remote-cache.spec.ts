import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteCachePreflight } from '../tools/ci/remote-cache-preflight';
import { CacheServerProcess, READ_ONLY_TOKEN, READ_WRITE_TOKEN } from './support/cache-server-process';
import { writeDemoPipeline, writeLock } from './support/demo-pipeline';
import { snapshotFiles } from './support/output-snapshot';
import { type StageTasks, stageTasks } from './support/stage-tasks';
import { TempWorkspace, taskOutcomes, tasksFromRemoteCache } from './support/temp-workspace';

const PIPELINES = ['penguins'];
const RUN_ALL = ['run-many', '-t', 'run', '--output-style=stream'];

/** The team's repository: the penguins pipeline plus the small demo pipeline. */
function createRepository(label: string): TempWorkspace {
  const repository = TempWorkspace.create({ label, pipelines: PIPELINES });
  writeDemoPipeline(repository);
  repository.commitAll('demo pipeline');
  return repository;
}

function outDirs(clone: TempWorkspace): string[] {
  return readdirSync(clone.path('pipelines'), { recursive: true, encoding: 'utf8' })
    .filter((path) => /(^|[\\/])out$/.test(path))
    .map((path) => join('pipelines', path))
    .sort();
}

describe('team remote cache: reproml-cache with the real nx CLI in separate clones', () => {
  let serverDir: string;
  let server: CacheServerProcess;
  let cloneA: TempWorkspace;
  let cloneB: TempWorkspace;
  /** Every clone has A's committed files, so the same stage tasks. */
  let tasks: StageTasks;
  const clones: TempWorkspace[] = [];
  /** Every clone after A is a `git clone` of A: the same committed files, its own Nx cache. */
  const clone = (label: string) => {
    const created = TempWorkspace.cloneFrom(cloneA, { label });
    clones.push(created);
    return created;
  };

  beforeAll(async () => {
    serverDir = mkdtempSync(join(tmpdir(), 'reproml-cache-e2e-'));
    server = await CacheServerProcess.start({ dir: join(serverDir, 'store'), logFile: join(serverDir, 'access.log') });
    cloneA = createRepository('cache-a');
    clones.push(cloneA);
    tasks = stageTasks(cloneA);
    cloneB = clone('cache-b');
  });
  afterAll(async () => {
    await server?.stop();
    for (const created of clones) created.remove();
    rmSync(serverDir, { recursive: true, force: true });
  });

  it('clone A uploads every result; clone B restores 100% from the remote cache, byte-identical', () => {
    expect(tasks.cacheable).toEqual(expect.arrayContaining(['demo-data:run', 'demo-report:run', 'demo-stats:run', 'penguins-data:run']));
    const first = taskOutcomes(cloneA.nxOk(RUN_ALL, server.nxEnv(READ_WRITE_TOKEN)));
    expect(first.executed).toEqual(tasks.all);
    const uploaded = server.accessLog().filter((entry) => entry.method === 'PUT' && entry.status === 200);
    expect(uploaded).toHaveLength(tasks.stored.length);
    expect(uploaded.every((entry) => entry.client === 'read-write-1')).toBe(true);

    const output = cloneB.nxOk(RUN_ALL, server.nxEnv(READ_WRITE_TOKEN));
    // B's push publishes to B's own (empty) registry: A's push result is no hit for it.
    expect(taskOutcomes(output).executed).toEqual(tasks.local);
    expect(tasksFromRemoteCache(output)).toEqual(tasks.cacheable);
    // Same files in both clones → same task hashes: B got exactly what A stored, but A's pushes.
    const fetched = server.accessLog().filter((entry) => entry.method === 'GET' && entry.status === 200);
    expect(fetched).toHaveLength(tasks.cacheable.length);
    expect(uploaded.map((entry) => entry.hash)).toEqual(expect.arrayContaining(fetched.map((entry) => entry.hash)));
    expect(outDirs(cloneB)).toEqual(outDirs(cloneA));
    expect(snapshotFiles(cloneB.root, outDirs(cloneB))).toEqual(snapshotFiles(cloneA.root, outDirs(cloneA)));
    expect(cloneB.read('pipelines/demo/report/out/report.txt')).toBe('rows: 3, mean: 20\n');
  });

  it('with a read-only token a clone still gets every hit, and its own new results are not stored', () => {
    const readOnly = clone('cache-ro');
    expect(tasksFromRemoteCache(readOnly.nxOk(RUN_ALL, server.nxEnv(READ_ONLY_TOKEN)))).toEqual(tasks.cacheable);

    const stageFile = JSON.parse(readOnly.read('pipelines/demo/extra/stage.json'));
    readOnly.write('pipelines/demo/extra/stage.json', { ...stageFile, description: 'Changed on an untrusted branch' });
    const before = server.accessLog().length;
    const outcome = taskOutcomes(readOnly.nxOk(RUN_ALL, server.nxEnv(READ_ONLY_TOKEN)));
    expect(outcome.executed).toEqual(['demo-extra:run', ...tasks.local].sort());
    const writes = server
      .accessLog()
      .slice(before)
      .filter((entry) => entry.method === 'PUT');
    expect(writes).toHaveLength(1 + tasks.local.filter((task) => tasks.stored.includes(task)).length);
    expect(writes.every((entry) => entry.status === 403 && entry.outcome === 'forbidden' && entry.client === 'read-only-1')).toBe(true);
    const stored = readdirSync(join(serverDir, 'store', 'records'), { recursive: true, encoding: 'utf8' });
    for (const { hash } of writes) expect(stored).not.toContain(join(hash!.slice(0, 2), hash!));
  });

  it('after a dataset lock change committed on a branch, `nx affected --base=main` runs that stage and its dependents only', () => {
    cloneB.git('checkout', '-q', '-b', 'new-measurements');
    const csv = 'id,value\n1,5\n2,7\n';
    cloneB.write('pipelines/demo/raw/measurements.csv', csv);
    writeLock(cloneB, 'data', 'measurements', 'pipelines/demo/raw/measurements.csv', csv);
    cloneB.commitAll('new measurements');

    const output = cloneB.nxOk(['affected', '-t', 'run', '--base=main', '--output-style=stream'], server.nxEnv(READ_WRITE_TOKEN));
    const outcome = taskOutcomes(output);
    expect(outcome.executed).toEqual(['demo-data:run', 'demo-report:run', 'demo-stats:run']);
    expect(outcome.cached).toEqual([]);
    expect(output).not.toContain('demo-extra:run');
    expect(output).not.toContain('penguins-');
    expect(cloneB.read('pipelines/demo/report/out/report.txt')).toBe('rows: 2, mean: 6\n');

    // A colleague on the same branch content reuses what B's affected run uploaded.
    cloneA.write('pipelines/demo/raw/measurements.csv', csv);
    writeLock(cloneA, 'data', 'measurements', 'pipelines/demo/raw/measurements.csv', csv);
    const colleague = cloneA.nxOk(['run-many', '-t', 'run', '-p', 'demo-report', '--output-style=stream'], server.nxEnv(READ_WRITE_TOKEN));
    expect(tasksFromRemoteCache(colleague)).toEqual(['demo-data:run', 'demo-report:run', 'demo-stats:run']);
    expect(cloneA.read('pipelines/demo/report/out/report.txt')).toBe('rows: 2, mean: 6\n');
  });

  it('two clones uploading the same new result at once: one record stored, the other PUT is a 409 that nx accepts', async () => {
    for (const workspace of [cloneA, cloneB]) {
      const stageFile = JSON.parse(workspace.read('pipelines/demo/stats/stage.json'));
      workspace.write('pipelines/demo/stats/stage.json', { ...stageFile, description: 'Raced by two clones' });
    }
    const before = server.accessLog().length;
    const args = ['run', 'demo-stats:run', '--output-style=stream'];
    const [a, b] = await Promise.all([cloneA.nxAsync(args, server.nxEnv(READ_WRITE_TOKEN)), cloneB.nxAsync(args, server.nxEnv(READ_WRITE_TOKEN))]);
    expect([a.status, b.status], `${a.output}\n${b.output}`).toEqual([0, 0]);
    const puts = server
      .accessLog()
      .slice(before)
      .filter((entry) => entry.method === 'PUT');
    // Both clones ran it (both missed) or one restored what the other stored first; never two records.
    const storedPerHash = new Map<string, number>();
    for (const entry of puts) {
      expect([200, 409]).toContain(entry.status);
      if (entry.status === 200) storedPerHash.set(entry.hash!, (storedPerHash.get(entry.hash!) ?? 0) + 1);
    }
    expect(storedPerHash.size).toBeGreaterThan(0);
    expect([...storedPerHash.values()].every((count) => count === 1)).toBe(true);
    expect(cloneA.read('pipelines/demo/stats/out/stats.json')).toBe(cloneB.read('pipelines/demo/stats/out/stats.json'));
  });

  it('concurrent PUTs of one hash over HTTP store one record', async () => {
    const bodies = Array.from({ length: 5 }, (_, i) => Buffer.alloc(512 * 1024, i + 1));
    const statuses = await Promise.all(
      bodies.map(async (body) => {
        const response = await fetch(`${server.url}/v1/cache/123456789`, {
          method: 'PUT',
          body,
          headers: { Authorization: `Bearer ${READ_WRITE_TOKEN}` },
        });
        return response.status;
      }),
    );
    expect(statuses.sort()).toEqual([200, 409, 409, 409, 409]);
    const stored = Buffer.from(
      await (await fetch(`${server.url}/v1/cache/123456789`, { headers: { Authorization: `Bearer ${READ_ONLY_TOKEN}` } })).arrayBuffer(),
    );
    expect(bodies.some((body) => body.equals(stored))).toBe(true);
  });

  it('a server restart loses no record', async () => {
    const before = await (await fetch(`${server.url}/health`)).json();
    await server.stop();
    server = await CacheServerProcess.start({ dir: join(serverDir, 'store'), logFile: join(serverDir, 'access.log') });
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual(before);
    const fresh = clone('cache-restart');
    expect(tasksFromRemoteCache(fresh.nxOk(RUN_ALL, server.nxEnv(READ_ONLY_TOKEN)))).toEqual(tasks.cacheable);
  });

  it('a record whose bytes were altered on disk is a miss that reruns the stage, never a wrong restore', () => {
    // Rewrite demo-report's record as a valid archive with another report in it: without the
    // sha256 check nx would restore this text as if the stage had written it.
    const recordsDir = join(serverDir, 'store', 'records');
    const body = readdirSync(recordsDir, { recursive: true, encoding: 'utf8' })
      .filter((path) => path.endsWith('body'))
      .map((path) => join(recordsDir, path))
      .find((path) => readFileSync(path)[0] === 0x1f && gunzipSync(readFileSync(path)).includes('rows: 3, mean: 20\n'));
    expect(body).toBeDefined();
    const tampered = gunzipSync(readFileSync(body!)).toString('latin1').replace('rows: 3, mean: 20\n', 'rows: 9, mean: 99\n');
    writeFileSync(body!, gzipSync(Buffer.from(tampered, 'latin1')));

    const fresh = clone('cache-corrupt');
    const output = fresh.nxOk(RUN_ALL, server.nxEnv(READ_WRITE_TOKEN));
    expect(taskOutcomes(output).executed).toEqual(['demo-report:run', ...tasks.local].sort());
    expect(fresh.read('pipelines/demo/report/out/report.txt')).toBe('rows: 3, mean: 20\n');
    const corrupt = server.accessLog().filter((entry) => entry.outcome === 'corrupt');
    expect(corrupt).toHaveLength(1);
    expect(corrupt[0]).toMatchObject({ method: 'GET', status: 404 });
    expect(readdirSync(join(serverDir, 'store', 'quarantine'))).toHaveLength(1);
    // The rerun's result replaced the quarantined record.
    const afterCorrupt = server.accessLog().slice(server.accessLog().findIndex((entry) => entry.outcome === 'corrupt') + 1);
    expect(afterCorrupt.filter((entry) => entry.method === 'PUT' && entry.hash === corrupt[0]!.hash)).toEqual([expect.objectContaining({ status: 200 })]);
  });

  it('rejects a wrong token: nx fails with the server message, and no token reaches the log', () => {
    const fresh = clone('cache-wrong-token');
    const result = fresh.nx(RUN_ALL, server.nxEnv('not-a-token-anyone-was-given'));
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('Unauthorized: missing or invalid bearer token');
    expect(server.accessLog().at(-1)).toMatchObject({ status: 401, outcome: 'unauthorized', detail: 'unknown token' });
    const log = server.rawLog();
    for (const token of [READ_WRITE_TOKEN, READ_ONLY_TOKEN, 'not-a-token-anyone-was-given']) expect(log).not.toContain(token);
  });

  it('when its storage folder is deleted the server degrades: /health says so, nx runs succeed (PUT 403), and it recovers when the folder is back', async () => {
    const fresh = clone('cache-storage-gone');
    const store = join(serverDir, 'store');
    const moved = join(serverDir, 'store-moved-away');
    renameSync(store, moved);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'unavailable', readable: false, records: 0 });
    const preflight = await remoteCachePreflight({ env: server.nxEnv(READ_WRITE_TOKEN) });
    expect(preflight).toMatchObject({ status: 'unreachable', reason: expect.stringContaining('is not usable') });

    const before = server.accessLog().length;
    const demo = [...RUN_ALL, '-p', 'tag:pipeline:demo'];
    const output = fresh.nxOk(demo, server.nxEnv(READ_WRITE_TOKEN));
    expect(taskOutcomes(output).executed).toEqual(['demo-data:run', 'demo-extra:run', 'demo-report:run', 'demo-stats:run']);
    const requests = server.accessLog().slice(before);
    expect(requests.filter((entry) => entry.method === 'GET').every((entry) => entry.status === 404)).toBe(true);
    const puts = requests.filter((entry) => entry.method === 'PUT');
    expect(puts.length).toBeGreaterThan(0);
    expect(puts.every((entry) => entry.status === 403)).toBe(true);
    expect(existsSync(store)).toBe(false);

    renameSync(moved, store);
    // nx ran in spawnSync, which blocked this event loop: let it see that the server closed the idle
    // keep-alive connection of the fetches above before a new fetch would reuse it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const back = await fetch(`${server.url}/health`);
    expect(back.status).toBe(200);
    expect(((await back.json()) as { records: number }).records).toBeGreaterThanOrEqual(tasks.cacheable.length);
    const again = clone('cache-storage-back');
    expect(tasksFromRemoteCache(again.nxOk(demo, server.nxEnv(READ_ONLY_TOKEN)))).toEqual([
      'demo-data:run',
      'demo-extra:run',
      'demo-report:run',
      'demo-stats:run',
    ]);
  });

  it('on a disk that takes no more bytes, nx runs still succeed: hits are served, new results get 403, /health and the preflight say read-only', async () => {
    const fullDir = join(serverDir, 'full-disk-store');
    cpSync(join(serverDir, 'store'), fullDir, { recursive: true });
    const full = await CacheServerProcess.start({ dir: fullDir, logFile: join(serverDir, 'full-disk.log'), fileSizeLimitBlocks: 0 });
    try {
      const health = await fetch(`${full.url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'read-only', readable: true, writable: false, reason: expect.stringContaining('EFBIG') });
      const preflight = await remoteCachePreflight({ env: full.nxEnv(READ_WRITE_TOKEN) });
      expect(preflight.status).toBe('read-only');

      const fresh = clone('cache-full-disk');
      const stageFile = JSON.parse(fresh.read('pipelines/demo/extra/stage.json'));
      fresh.write('pipelines/demo/extra/stage.json', { ...stageFile, description: 'Trained while the cache disk was full' });
      const output = fresh.nxOk([...RUN_ALL, '-p', 'tag:pipeline:demo'], full.nxEnv(READ_WRITE_TOKEN));
      expect(taskOutcomes(output).executed).toEqual(['demo-extra:run']);
      expect(tasksFromRemoteCache(output)).toEqual(['demo-data:run', 'demo-report:run', 'demo-stats:run']);
      const puts = full.accessLog().filter((entry) => entry.method === 'PUT');
      expect(puts.map((entry) => [entry.status, entry.outcome])).toEqual([[403, 'read-only']]);
    } finally {
      await full.stop();
    }
  });

  it('nx fails the whole run on a 503 to a GET: why a storage read error is answered 404 (a miss) instead', async () => {
    // A cache that answers every GET with 503 (what the issue first asked for on a transient read error).
    const unavailable = createServer((request, response) => {
      request.resume();
      response.writeHead(request.method === 'GET' ? 503 : 200, { 'content-type': 'text/plain' }).end('storage unavailable\n');
    });
    await new Promise<void>((resolve) => unavailable.listen(0, '127.0.0.1', resolve));
    try {
      const fresh = clone('cache-503');
      // Asynchronously: the server answers from this process.
      const result = await fresh.nxAsync(['run', 'demo-data:run', '--output-style=stream'], {
        NX_SELF_HOSTED_REMOTE_CACHE_SERVER: `http://127.0.0.1:${(unavailable.address() as AddressInfo).port}`,
        NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: READ_WRITE_TOKEN,
      });
      expect(result.status).not.toBe(0);
      expect(result.output).toContain('Unexpected response status: 503');
    } finally {
      await new Promise((resolve) => unavailable.close(resolve));
    }
  });

  it('when the server is down nx fails the run; NX_SKIP_REMOTE_CACHE=true is the fallback that runs locally', async () => {
    const fresh = clone('cache-down');
    const env = server.nxEnv(READ_WRITE_TOKEN);
    await server.stop();
    const down = fresh.nx(RUN_ALL, env);
    expect(down.status).not.toBe(0);
    expect(down.output).toContain('Failed to send request');
    const fallback = fresh.nxOk([...RUN_ALL, '-p', 'tag:pipeline:demo'], { ...env, NX_SKIP_REMOTE_CACHE: 'true' });
    expect(taskOutcomes(fallback).executed).toEqual(['demo-data:run', 'demo-extra:run', 'demo-report:run', 'demo-stats:run']);
  });
});
