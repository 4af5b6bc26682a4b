import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DataError, IntegrityError, type ProgressEvent, runStage, sha256OfBytes } from '@reproml/core';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HubRepo, type HubServer, startHubServer } from '../../../../tools/hub-server';
import { type DatasetLock, readDatasetLock } from './dataset-lock';
import { type PullStageConfig, pullStageConfigSchema } from './pull-stage-config';
import { runPull } from './run-pull';
import { type SourceEnvironment, sourceEnvironmentFromEnv } from './source-environment';
import { formatLockChanges, updateLock } from './update-lock';

const STAGE = { name: 'p-data', pipeline: 'p', kind: 'pull', file: 'pipelines/p/data/stage.json' };
const LOCK_FILE = 'pipelines/p/data/stage.lock.json';
const TRAIN_V1 = 'species,mass\nAdelie,3750\nGentoo,5000\n';
const TRAIN_V2 = 'species,mass\nAdelie,3750\nGentoo,5000\nChinstrap,3500\n';

interface Workspace {
  root: string;
  env: SourceEnvironment;
  events: ProgressEvent[];
}

async function makeWorkspace(hub: HubServer | undefined, extraEnv: Record<string, string> = {}): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), 'pull-ws-'));
  await mkdir(join(root, 'pipelines/p/data'), { recursive: true });
  const env = sourceEnvironmentFromEnv({
    REPROML_STORE_DIR: join(root, '.store-outside-workspace'),
    REPROML_HTTP_RETRY_BASE_MS: '1',
    REPROML_HTTP_RETRIES: '2',
    REPROML_HTTP_TIMEOUT_MS: '2000',
    ...(hub ? { HF_ENDPOINT: hub.url, REPROML_ALLOW_HTTP_LOCALHOST: '1' } : {}),
    ...extraEnv,
  });
  return { root, env, events: [] };
}

function config(value: unknown): PullStageConfig {
  return pullStageConfigSchema.parse(value);
}

async function lockStage(ws: Workspace, stageConfig: PullStageConfig) {
  return updateLock({
    workspaceRoot: ws.root,
    stage: STAGE.name,
    config: stageConfig,
    stageFile: STAGE.file,
    lockPath: join(ws.root, LOCK_FILE),
    lockFile: LOCK_FILE,
    environment: ws.env,
    warn: (message) => ws.events.push({ type: 'log', level: 'warn', message }),
  });
}

async function readLock(ws: Workspace): Promise<DatasetLock> {
  return readDatasetLock({ absolutePath: join(ws.root, LOCK_FILE), file: LOCK_FILE, stage: STAGE.name });
}

async function pull(ws: Workspace, stageConfig: PullStageConfig, lock?: DatasetLock) {
  const pinned = lock ?? (await readLock(ws));
  return runStage({
    stage: STAGE,
    config: stageConfig as unknown as Record<string, unknown>,
    workspaceRoot: ws.root,
    outputDir: join(ws.root, 'pipelines/p/data/out'),
    packages: [],
    onProgress: (event) => ws.events.push(event),
    work: (context) => runPull({ context, config: stageConfig, lock: pinned, stageFile: STAGE.file, lockFile: LOCK_FILE, environment: ws.env }),
  });
}

const out = (ws: Workspace, file: string) => readFile(join(ws.root, 'pipelines/p/data/out', file), 'utf8');
const warnings = (ws: Workspace) => ws.events.flatMap((event) => (event.type === 'log' && event.level === 'warn' ? [event.message] : []));

describe('pull from the Hugging Face Hub (real @huggingface/hub client against a local Hub)', () => {
  let hub: HubServer;
  let penguins: HubRepo;
  let firstCommit: string;

  beforeAll(async () => {
    hub = await startHubServer();
    hub.addToken('hf_owner', 'acme');
    hub.addToken('hf_stranger', 'someone-else');
  });
  afterAll(() => hub.close());
  beforeEach(() => {
    hub.faults.clear();
    const name = `acme/penguins-${Math.random().toString(36).slice(2, 8)}`;
    penguins = hub.repos.create({ type: 'dataset', name });
    firstCommit = penguins.commit({ files: { 'data/train.csv': TRAIN_V1 }, message: 'v1' });
  });
  const source = () => `hf://datasets/${penguins.fullName}/data/train.csv`;

  it('locks a branch to its commit sha, and run keeps reading that commit after the branch moves', async () => {
    const ws = await makeWorkspace(hub);
    const stageConfig = config({ kind: 'pull', files: { train: { source: source() } } });
    const changes = await lockStage(ws, stageConfig);
    expect(changes.map((c) => c.change)).toEqual(['added']);
    const lock = await readLock(ws);
    expect(lock.files['train']).toEqual({
      source: source(),
      revision: firstCommit,
      ref: 'main',
      sha256: sha256OfBytes(TRAIN_V1),
      size: TRAIN_V1.length,
      format: 'csv',
    });

    const second = penguins.commit({ files: { 'data/train.csv': TRAIN_V2 }, message: 'v2' });
    await pull(ws, stageConfig);
    expect(await out(ws, 'train.csv')).toBe(TRAIN_V1);

    const update = await lockStage(ws, stageConfig);
    expect(update[0]!.change).toBe('changed');
    const diff = formatLockChanges(update).join('\n');
    expect(diff).toContain(`revision: ${firstCommit} → ${second}`);
    expect(diff).toContain(`sha256: ${sha256OfBytes(TRAIN_V1)} → ${sha256OfBytes(TRAIN_V2)}`);
    await pull(ws, stageConfig);
    expect(await out(ws, 'train.csv')).toBe(TRAIN_V2);
  });

  it('pulls at a pinned commit sha (and a tag) given in the stage file', async () => {
    const ws = await makeWorkspace(hub);
    penguins.commit({ files: { 'data/train.csv': TRAIN_V2 } });
    penguins.tag('v1.0', firstCommit);
    for (const revision of [firstCommit, 'v1.0']) {
      const stageConfig = config({ kind: 'pull', files: { train: { source: source(), revision } } });
      await lockStage(ws, stageConfig);
      expect((await readLock(ws)).files['train']!.revision).toBe(firstCommit);
      await pull(ws, stageConfig);
      expect(await out(ws, 'train.csv')).toBe(TRAIN_V1);
    }
  });

  it('refuses to run when the stage file asks for another revision than the lock was resolved from', async () => {
    const ws = await makeWorkspace(hub);
    await lockStage(ws, config({ kind: 'pull', files: { train: { source: source() } } }));
    const moved = config({ kind: 'pull', files: { train: { source: source(), revision: 'v2' } } });
    await expect(pull(ws, moved)).rejects.toThrow(/asks for revision 'v2' but the lock was resolved from 'main'/);
  });

  it('reads a private dataset only with a token that has access, with a clear error otherwise', async () => {
    const secret = hub.repos.create({ type: 'dataset', name: `acme/secret-${penguins.fullName.slice(-6)}`, private: true });
    secret.commit({ files: { 'train.csv': TRAIN_V1 } });
    const stageConfig = config({ kind: 'pull', files: { train: { source: `hf://datasets/${secret.fullName}/train.csv` } } });

    const anonymous = await makeWorkspace(hub);
    const error = await lockStage(anonymous, stageConfig).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toMatch(/HTTP 401 Unauthorized reading train\.csv in dataset acme\/secret-\w+ at revision main/);
    expect((error as DataError).hint).toMatch(/HF_TOKEN is not set/);
    expect(existsSync(join(anonymous.root, LOCK_FILE))).toBe(false);

    const stranger = await makeWorkspace(hub, { HF_TOKEN: 'hf_stranger' });
    await expect(lockStage(stranger, stageConfig)).rejects.toThrow(/HTTP 404 Not Found/);

    const owner = await makeWorkspace(hub, { HF_TOKEN: 'hf_owner' });
    await lockStage(owner, stageConfig);
    await pull(owner, stageConfig);
    expect(await out(owner, 'train.csv')).toBe(TRAIN_V1);
  });

  it('fails with expected and actual sha256 when the bytes do not match the lock, and writes nothing', async () => {
    const ws = await makeWorkspace(hub);
    const stageConfig = config({ kind: 'pull', files: { train: { source: source() } } });
    await lockStage(ws, stageConfig);
    const lock = await readLock(ws);
    const tampered: DatasetLock = { ...lock, files: { train: { ...lock.files['train']!, sha256: 'a'.repeat(64) } } };
    const error = await pull(ws, stageConfig, tampered).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).message).toContain(`expected sha256 ${'a'.repeat(64)}`);
    expect((error as IntegrityError).message).toContain(`got ${sha256OfBytes(TRAIN_V1)}`);
    expect((error as IntegrityError).hint).toContain('nx run p-data:lock');
    expect(existsSync(join(ws.root, 'pipelines/p/data/out'))).toBe(false);
  });

  it('names the file and revision when the file is missing from the repo', async () => {
    const ws = await makeWorkspace(hub);
    const stageConfig = config({ kind: 'pull', files: { train: { source: `hf://datasets/${penguins.fullName}/data/nope.csv` } } });
    await expect(lockStage(ws, stageConfig)).rejects.toThrow(`data/nope.csv does not exist in dataset ${penguins.fullName} at revision ${firstCommit}`);
  });

  it('retries after server errors and a stalled answer, then succeeds', async () => {
    const ws = await makeWorkspace(hub, { REPROML_HTTP_TIMEOUT_MS: '300' });
    const stageConfig = config({ kind: 'pull', files: { train: { source: source() } } });
    hub.faults.failNext(2, { status: 503 });
    hub.faults.stallNext(1, { match: /resolve/ });
    await lockStage(ws, stageConfig);
    expect((await readLock(ws)).files['train']!.revision).toBe(firstCommit);
    expect(warnings(ws).filter((w) => /HTTP 503/.test(w))).toHaveLength(2);
    expect(warnings(ws).some((w) => /no answer .* within 300 ms/.test(w))).toBe(true);
  });

  it('gives up after the retries with the status, file and revision', async () => {
    const ws = await makeWorkspace(hub);
    const stageConfig = config({ kind: 'pull', files: { train: { source: source() } } });
    hub.faults.failNext(10, { status: 500 });
    await expect(lockStage(ws, stageConfig)).rejects.toThrow(/HTTP 500 reading data\/train\.csv in dataset .* at revision main/);
  });

  it('retries a truncated download and never keeps a partial file', async () => {
    const ws = await makeWorkspace(hub);
    const stageConfig = config({ kind: 'pull', files: { train: { source: source() } } });
    await lockStage(ws, stageConfig);
    const storeFiles = async () => (await readdir(join(ws.env.storeDir, 'sha256'), { recursive: true })).filter((f) => f.length > 3);
    const onlyEntry = await storeFiles();
    await writeFile(join(ws.env.storeDir, 'sha256', onlyEntry[0]!), 'garbage'); // force a download on run
    hub.faults.truncateNext(1);
    await pull(ws, stageConfig);
    expect(await out(ws, 'train.csv')).toBe(TRAIN_V1);
    expect(warnings(ws).some((w) => /download of hf:\/\/.* failed/.test(w))).toBe(true);

    const always = await makeWorkspace(hub, { REPROML_HTTP_RETRIES: '1' });
    hub.faults.truncateNext(5);
    await expect(lockStage(always, stageConfig)).rejects.toThrow();
    expect(existsSync(join(always.root, LOCK_FILE))).toBe(false);
    expect(existsSync(join(always.env.storeDir, 'sha256'))).toBe(false);
    expect(await readdir(join(always.env.storeDir, 'tmp'))).toEqual([]);
  });

  it('serves a locked file from the store without the network, and refetches a corrupted entry with a warning', async () => {
    const ws = await makeWorkspace(hub);
    const stageConfig = config({ kind: 'pull', files: { train: { source: source() } } });
    await lockStage(ws, stageConfig);
    const before = hub.requests.length;
    await pull(ws, stageConfig);
    expect(hub.requests.length).toBe(before);

    const entry = join(ws.env.storeDir, 'sha256', sha256OfBytes(TRAIN_V1).slice(0, 2), sha256OfBytes(TRAIN_V1));
    await writeFile(entry, TRAIN_V1.replace('3750', '9999'));
    await pull(ws, stageConfig);
    expect(warnings(ws).some((w) => w.includes(`store entry ${entry} is corrupted`))).toBe(true);
    expect(hub.requests.length).toBeGreaterThan(before);
    expect(await readFile(entry, 'utf8')).toBe(TRAIN_V1);
    expect(await out(ws, 'train.csv')).toBe(TRAIN_V1);
  });

  it('pulls several files in every format from one repo', async () => {
    const ws = await makeWorkspace(hub);
    const records = [
      { species: 'Adelie', mass: 3750 },
      { species: 'Gentoo', mass: 5000 },
    ];
    penguins.commit({
      files: {
        'all/a.tsv': 'species\tmass\nAdelie\t3750\nGentoo\t5000\n',
        'all/a.json': JSON.stringify(records),
        'all/a.jsonl': records.map((r) => JSON.stringify(r)).join('\n'),
        'all/a.parquet': new Uint8Array(
          parquetWriteBuffer({
            columnData: [
              { name: 'species', data: ['Adelie', 'Gentoo'], type: 'STRING' },
              { name: 'mass', data: [3750, 5000], type: 'DOUBLE' },
            ],
          }),
        ),
      },
    });
    const files = Object.fromEntries(
      ['tsv', 'json', 'jsonl', 'parquet'].map((format) => [format, { source: `hf://datasets/${penguins.fullName}/all/a.${format}` }]),
    );
    const stageConfig = config({
      kind: 'pull',
      files: { ...files, csv: { source: source() } },
      schema: { columns: { species: { type: 'string', allowed: ['Adelie', 'Gentoo'] }, mass: { type: 'number', min: 2000, max: 7000 } } },
    });
    await lockStage(ws, stageConfig);
    await pull(ws, stageConfig);
    const profile = JSON.parse(await out(ws, 'profile.json'));
    for (const key of ['csv', 'tsv', 'json', 'jsonl', 'parquet']) {
      expect(profile.files[key].rows, key).toBe(2);
      expect(
        profile.files[key].columns.map((c: { name: string; kind: string }) => `${c.name}:${c.kind}`),
        key,
      ).toEqual(['species:string', 'mass:number']);
    }
    expect(JSON.parse(await out(ws, 'validation.json')).valid).toBe(true);
  });
});

describe('pull from local files and URLs', () => {
  let server: Server;
  let url: string;
  let served = TRAIN_V1;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/data/train.csv') res.end(served);
      else if (req.url === '/private.csv') res.writeHead(403).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('pulls a URL into the store, serves it from there, and fails when the server changes the bytes', async () => {
    served = TRAIN_V1;
    const ws = await makeWorkspace(undefined, { REPROML_ALLOW_HTTP_LOCALHOST: '1' });
    const stageConfig = config({ kind: 'pull', files: { train: { source: `${url}/data/train.csv` } } });
    await lockStage(ws, stageConfig);
    expect((await readLock(ws)).files['train']).toMatchObject({ revision: null, sha256: sha256OfBytes(TRAIN_V1) });
    served = TRAIN_V2;
    await pull(ws, stageConfig); // from the store: the lock's bytes, not the server's new ones
    expect(await out(ws, 'train.csv')).toBe(TRAIN_V1);

    const fresh = { ...ws, env: { ...ws.env, storeDir: join(ws.root, 'other-store') } };
    await expect(pull(fresh, stageConfig)).rejects.toThrow(/does not match its lock: expected sha256/);
    await expect(lockStage(ws, config({ kind: 'pull', files: { train: { source: `${url}/private.csv` } } }))).rejects.toThrow(/HTTP 403 fetching/);
  });

  it('refuses plain http unless explicitly allowed for localhost', async () => {
    const ws = await makeWorkspace(undefined);
    const error = await lockStage(ws, config({ kind: 'pull', files: { train: { source: `${url}/data/train.csv` } } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/Plain http:\/\/ sources are not allowed/);
  });

  it('refuses a Hub whose HF_ENDPOINT is plain http (loopback only with the opt-in), before any request', async () => {
    const hubSource = config({ kind: 'pull', files: { train: { source: 'hf://datasets/acme/penguins/train.csv' } } });
    for (const [endpoint, optIn] of [
      ['http://hub.invalid', '1'],
      [url, ''],
    ] as const) {
      const ws = await makeWorkspace(undefined, { HF_ENDPOINT: endpoint, HF_TOKEN: 'hf_secret0123456789', REPROML_ALLOW_HTTP_LOCALHOST: optIn });
      const error = await lockStage(ws, hubSource).catch((e: unknown) => e);
      expect(error, endpoint).toBeInstanceOf(ConfigError);
      expect(error, endpoint).toMatchObject({ stage: STAGE.name, file: STAGE.file, field: 'files.train.source' });
      expect((error as Error).message).toBe(`HF_ENDPOINT '${endpoint}' is refused: plain http:// is not allowed (data and tokens would travel in the clear)`);
    }
  });

  it('refuses a local source that links out of the workspace (the file or a folder on the way), at lock and at run', async () => {
    const ws = await makeWorkspace(undefined);
    const outside = await mkdtemp(join(tmpdir(), 'pull-outside-'));
    await writeFile(join(outside, 'secret.csv'), 'user,password\nroot,x\n');
    await mkdir(join(ws.root, 'raw'));
    await writeFile(join(ws.root, 'raw/p.csv'), TRAIN_V1);
    await symlink(join(ws.root, 'raw/p.csv'), join(ws.root, 'raw/alias.csv'));
    await symlink(join(outside, 'secret.csv'), join(ws.root, 'raw/secret.csv'));
    await symlink(outside, join(ws.root, 'linked-folder'));
    for (const source of ['raw/secret.csv', 'linked-folder/secret.csv']) {
      const error = await lockStage(ws, config({ kind: 'pull', files: { train: { source } } })).catch((e: unknown) => e);
      expect(error, source).toBeInstanceOf(ConfigError);
      expect(error, source).toMatchObject({ stage: STAGE.name, file: STAGE.file, field: 'files.train.source' });
      expect((error as Error).message, source).toBe(`Source '${source}' is a link to ${await realpath(join(outside, 'secret.csv'))}, outside the workspace`);
    }
    // Locked while the link pointed inside; re-pointed out of the workspace before the run.
    const aliased = config({ kind: 'pull', files: { train: { source: 'raw/alias.csv' } } });
    await lockStage(ws, aliased);
    await rm(join(ws.root, 'raw/alias.csv'));
    await symlink(join(outside, 'secret.csv'), join(ws.root, 'raw/alias.csv'));
    await expect(pull(ws, aliased)).rejects.toThrow(/Source 'raw\/alias\.csv' is a link to .*secret\.csv, outside the workspace/);
    expect(existsSync(join(ws.root, 'pipelines/p/data/out'))).toBe(false);
  });

  it('checks a local file against its lock, validates it against the schema and writes validation and profile', async () => {
    const ws = await makeWorkspace(undefined);
    await mkdir(join(ws.root, 'raw'));
    await writeFile(join(ws.root, 'raw/p.csv'), 'species,mass,island\nAdelie,3750,Biscoe\nGentoo,,Dream\nAdelie,4000,Biscoe\n');
    const stageConfig = config({
      kind: 'pull',
      files: { penguins: { source: 'raw/p.csv' } },
      schema: { columns: { species: { type: 'string', allowed: ['Adelie', 'Gentoo'] }, mass: { type: 'number', nullable: true, min: 1000 } } },
    });
    await lockStage(ws, stageConfig);
    const { lineage } = await pull(ws, stageConfig);
    const validation = JSON.parse(await out(ws, 'validation.json'));
    expect(validation).toMatchObject({ valid: true, files: { penguins: { checked: true, rows: 3, extraColumns: ['island'], violations: [] } } });
    expect(warnings(ws)).toContain("penguins: column 'island' is not declared in the schema");
    const profile = JSON.parse(await out(ws, 'profile.json'));
    const [species, mass] = profile.files.penguins.columns;
    expect(species).toMatchObject({
      kind: 'string',
      count: 3,
      nulls: 0,
      distinct: 2,
      top: [
        { value: 'Adelie', count: 2 },
        { value: 'Gentoo', count: 1 },
      ],
    });
    expect(mass).toMatchObject({ kind: 'number', count: 2, nulls: 1, min: 3750, max: 4000, mean: 3875 });
    expect(mass.histogram.counts.reduce((a: number, b: number) => a + b, 0)).toBe(2);
    expect(lineage.inputs.map((input) => input.path)).toEqual(['raw/p.csv']);
    expect(ws.events.some((e) => e.type === 'log' && e.message === 'penguins: 3 rows × 3 columns; missing: mass 33.3%')).toBe(true);

    await writeFile(join(ws.root, 'raw/p.csv'), 'species,mass\nAdelie,1\n');
    await expect(pull(ws, stageConfig)).rejects.toThrow(/does not match its lock[\s\S]*/);
  });

  it('fails on schema violations naming the file, column, row count and examples, keeping the report outside out/', async () => {
    const ws = await makeWorkspace(undefined);
    await mkdir(join(ws.root, 'raw'));
    await writeFile(join(ws.root, 'raw/p.csv'), 'species,mass,extra\nAdelie,3750,1\nEmperor,abc,2\nPenguin?,,3\nEmperor,12,4\n');
    const stageConfig = config({
      kind: 'pull',
      files: { penguins: { source: 'raw/p.csv' } },
      schema: {
        columns: { species: { type: 'string', allowed: ['Adelie', 'Gentoo'] }, mass: { type: 'number' }, sex: { type: 'string' } },
        extraColumns: 'error',
      },
    });
    await lockStage(ws, stageConfig);
    const error = (await pull(ws, stageConfig).catch((e: unknown) => e)) as DataError;
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toContain(`Data breaks the schema declared in ${STAGE.file}`);
    expect(error.message).toContain(
      `penguins (raw/p.csv): column 'species' has values outside ["Adelie","Gentoo"]: 3 of 4 row(s); e.g. "Emperor", "Penguin?" (row 2, 3, 4)`,
    );
    expect(error.message).toContain(`column 'mass' should hold numbers: 1 of 4 row(s); e.g. "abc" (row 2)`);
    expect(error.message).toContain(`column 'mass' has missing values but is not nullable: 1 of 4 row(s)`);
    expect(error.message).toContain(`column 'sex' is missing`);
    expect(error.message).toContain(`column 'extra' is not in the schema`);
    expect(existsSync(join(ws.root, 'pipelines/p/data/out'))).toBe(false);
    const report = JSON.parse(await readFile(join(ws.root, '.reproml/runs/p-data/validation.json'), 'utf8'));
    expect(report.valid).toBe(false);
  });

  it('refuses a file with a header and no rows, naming the file key and source, and writes nothing', async () => {
    const ws = await makeWorkspace(undefined);
    await mkdir(join(ws.root, 'raw'));
    await writeFile(join(ws.root, 'raw/empty.csv'), 'species,mass\n');
    const stageConfig = config({ kind: 'pull', files: { penguins: { source: 'raw/empty.csv' } } });
    await lockStage(ws, stageConfig);
    const error = (await pull(ws, stageConfig).catch((e: unknown) => e)) as DataError;
    expect(error).toBeInstanceOf(DataError);
    expect(error.describe()).toMatch(
      /^\[stage p-data, file raw\/empty\.csv, field files\.penguins\] penguins \(raw\/empty\.csv\) has a header \(2 column\(s\)\) but no rows\n {2}→ /,
    );
    expect(existsSync(join(ws.root, 'pipelines/p/data/out'))).toBe(false);
  });
});
