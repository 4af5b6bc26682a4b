import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256OfBytes } from '@reproml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubServer, startHubServer } from '../../../../tools/hub-server';
import { LOCK_FILE_NAME } from './dataset-lock';
import { loadDatasetVersion } from './dataset-version';
import { diffDatasetVersions } from './diff-dataset-versions';
import { pullStageConfigSchema } from './pull-stage-config';
import { renderDatasetDiff } from './render-dataset-diff';
import { sourceEnvironmentFromEnv } from './source-environment';
import { updateLock } from './update-lock';

const STAGE_ROOT = 'pipelines/shop/data';
const STAGE_FILE = `${STAGE_ROOT}/stage.json`;
const LOCK_FILE = `${STAGE_ROOT}/${LOCK_FILE_NAME}`;

/** 300 rows: price 10..69 (v2: shifted by 40, every tenth missing, one above the schema's max), city Lyon/Oslo/Rome (v2: no Rome), v2 adds year. */
function csv(version: 1 | 2): string {
  const cities = version === 1 ? ['Lyon', 'Oslo', 'Rome'] : ['Lyon', 'Oslo'];
  const lines = [version === 1 ? 'id,price,city' : 'id,price,city,year'];
  for (let i = 0; i < 300; i++) {
    let price = String(10 + (i % 60) + (version === 2 ? 40 : 0));
    if (version === 2 && i % 10 === 0) price = '';
    if (version === 2 && i === 1) price = '500';
    const cells = [String(i), price, cities[i % cities.length]!];
    if (version === 2) cells.push(String(2020 + (i % 4)));
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `data diff` when neither `out/`, the run store nor git holds a version: both locked versions
 * are pulled from the source at their locked revisions (the branch has moved on since the
 * first), checked against the lock's sha256, and compared.
 */
describe('loadDatasetVersion + diffDatasetVersions on a Hub dataset (real @huggingface/hub client against hub-server)', () => {
  let hub: HubServer;
  let root: string;
  let firstCommit: string;
  let secondCommit: string;
  const locks: string[] = [];
  const environment = (store: string) =>
    sourceEnvironmentFromEnv({
      HF_ENDPOINT: hub.url,
      HF_TOKEN: 'hf_shopOwner0001',
      REPROML_ALLOW_HTTP_LOCALHOST: '1',
      REPROML_STORE_DIR: join(root, store),
      REPROML_HTTP_RETRY_BASE_MS: '1',
    });
  const config = pullStageConfigSchema.parse({
    kind: 'pull',
    files: { shop: { source: 'hf://datasets/acme/shop/shop.csv' } },
    schema: { columns: { price: { type: 'number', nullable: true, max: 200 } }, extraColumns: 'allow' },
  });
  const lock = () =>
    updateLock({
      workspaceRoot: root,
      stage: 'shop-data',
      config,
      stageFile: STAGE_FILE,
      lockPath: join(root, LOCK_FILE),
      lockFile: LOCK_FILE,
      environment: environment('.lock-store'),
      warn: () => undefined,
    });
  const load = async (index: number, store: string) => {
    await writeFile(join(root, LOCK_FILE), locks[index]!);
    return loadDatasetVersion({
      workspaceRoot: root,
      stageRoot: STAGE_ROOT,
      stage: 'shop-data',
      commit: null,
      label: `v${index + 1}`,
      environment: environment(store),
      warn: () => undefined,
    });
  };

  beforeAll(async () => {
    hub = await startHubServer();
    hub.addToken('hf_shopOwner0001', 'acme');
    root = await mkdtemp(join(tmpdir(), 'dataset-version-'));
    await mkdir(join(root, STAGE_ROOT), { recursive: true });
    await writeFile(join(root, STAGE_FILE), JSON.stringify(config));
    const repo = hub.repos.create({ type: 'dataset', name: 'acme/shop', private: true });
    firstCommit = repo.commit({ files: { 'shop.csv': csv(1) }, message: 'first export' });
    await lock();
    locks.push(await readFile(join(root, LOCK_FILE), 'utf8'));
    secondCommit = repo.commit({ files: { 'shop.csv': csv(2) }, message: 'second export' });
    await lock();
    locks.push(await readFile(join(root, LOCK_FILE), 'utf8'));
  });
  afterAll(async () => {
    await hub?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('pulls each locked version at its revision (main has moved on), and names source, revision, rows, columns, nulls, ranges, quantiles, categories, shifts and validation changes', async () => {
    const requests = hub.requests.length;
    // Empty content stores: nothing on this machine holds either version's bytes.
    const before = await load(0, '.empty-store-1');
    const after = await load(1, '.empty-store-2');
    const fetched = hub.requests.slice(requests).join('\n');
    expect(fetched).toContain(`/datasets/acme/shop/resolve/${firstCommit}/shop.csv`);
    expect(fetched).toContain(`/datasets/acme/shop/resolve/${secondCommit}/shop.csv`);

    const diff = diffDatasetVersions('shop-data', before, after);
    const [file] = diff.files;
    expect(file).toMatchObject({
      key: 'shop',
      change: 'changed',
      before: { source: 'hf://datasets/acme/shop/shop.csv', revision: firstCommit, sha256: sha256OfBytes(csv(1)) },
      after: { source: 'hf://datasets/acme/shop/shop.csv', revision: secondCommit, sha256: sha256OfBytes(csv(2)) },
      profileFrom: { before: 'data', after: 'data' },
      validation: { appeared: ['price: max'], resolved: [] },
    });
    const profile = file!.profile!;
    expect(profile.rows).toEqual({ before: 300, after: 300 });
    const column = (name: string) => profile.columns.find((entry) => entry.name === name)!;
    expect(profile.columns.filter((entry) => entry.change !== 'kept').map((entry) => [entry.name, entry.change])).toEqual([['year', 'added']]);
    expect(column('price').nullShare).toEqual({ before: 0, after: 0.1 });
    expect(column('price').numbers!.before).toMatchObject({ min: 10, max: 69 });
    expect(column('price').numbers!.after).toMatchObject({ min: 51, max: 500 });
    const median = (summary: { quantiles: { q: number; value: number }[] }) => summary.quantiles.find((entry) => entry.q === 0.5)?.value;
    expect(median(column('price').numbers!.before)).toBeCloseTo(39.5, 0);
    expect(median(column('price').numbers!.after)).toBeGreaterThan(75);
    expect(column('price').shift?.level).toBe('major');
    expect(column('id').shift?.level).toBe('stable');
    expect(column('city').categories).toEqual({ added: [], vanished: ['Rome'], complete: true });

    const text = renderDatasetDiff(diff);
    expect(text).toContain(firstCommit.slice(0, 12));
    expect(text).toContain(secondCommit.slice(0, 12));
    expect(text).toContain('price: max');
  });

  it('refuses bytes that do not match the lock instead of comparing them', async () => {
    hub.repos.get('dataset', 'acme/shop')!.commit({ files: { 'shop.csv': csv(1).replace('Lyon', 'Paris') }, message: 'edited' });
    const tampered = locks[0]!.replace(firstCommit, hub.repos.get('dataset', 'acme/shop')!.resolve('main')!.oid);
    locks.push(tampered);
    await expect(load(2, '.empty-store-3')).rejects.toThrow(
      /The bytes v3 locked for 'shop' \(hf:\/\/datasets\/acme\/shop\/shop.csv, sha256 [0-9a-f]{12}…\) are nowhere to be found/,
    );
  });
});
