import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commit, createBranch, downloadFile } from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubServer, startHubServer } from '../../../../tools/hub-server';
import { createPushFixture, type PushFixture, runPushStage } from '../testing/push-fixture';
import { HUB_AUDIT_FILE, HUB_VERSION_FILE, HubModelRegistry, type HubModelRegistryOptions } from './hub-model-registry';
import { openRegistry } from './registry-location';

const ALICE = 'hf_aliceWRITEtoken0001';
const BOB = 'hf_bobWRITEtoken0002';
const READER = 'hf_readerREADonly0003';
const MALLORY = 'hf_malloryOUTSIDER0004';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The registry on a Hub namespace (the organisation "acme"), through the real @huggingface/hub client against tools/hub-server. */
describe('HubModelRegistry against hub-server', () => {
  let hub: HubServer;
  let fixture: PushFixture;
  const open = (token: string, extra: Partial<HubModelRegistryOptions> = {}) =>
    new HubModelRegistry({
      namespace: 'acme',
      hubUrl: hub.url,
      allowHttpLocalhost: true,
      token,
      cacheDir: join(fixture.root, '.reproml/hub-registry'),
      retryBaseMs: 1,
      ...extra,
    });
  const repo = () => hub.repos.get('model', 'acme/demo')!;
  const approval = { by: 'alice', reason: 'CHG-1' };

  beforeAll(async () => {
    hub = await startHubServer();
    hub.addToken(ALICE, 'alice', { orgs: ['acme'] });
    hub.addToken(BOB, 'bob', { orgs: ['acme'] });
    hub.addToken(READER, 'reader', { orgs: ['acme'], role: 'read' });
    hub.addToken(MALLORY, 'mallory');
    fixture = createPushFixture({ modelBytes: randomBytes(2048), git: true });
  });
  afterAll(async () => {
    await hub.close();
    rmSync(fixture.root, { recursive: true, force: true });
  });

  it('REPROML_REGISTRY=hf://acme selects it; a push commits the bundle and its version record once, with nothing recorded locally', async () => {
    const registry = openRegistry({ workspaceRoot: fixture.root, env: { REPROML_REGISTRY: 'hf://acme', ...hub.env, HF_TOKEN: ALICE } });
    expect(registry.kind).toBe('hub');
    const { receipt } = await runPushStage({ fixture, config: { target: 'registry' }, registry, env: { ...hub.env, HF_TOKEN: ALICE } });
    expect(repo().isPrivate).toBe(true);
    const [version] = [...repo().commits.values()].filter((entry) => entry.files.has(HUB_VERSION_FILE));
    expect(receipt).toMatchObject({ model: 'demo', version: 1, created: true, location: { type: 'hub', repo: 'acme/demo', commit: version!.oid } });
    expect([...version!.files.keys()].sort()).toEqual([
      '.gitattributes',
      'README.md',
      'lineage/demo-data.json',
      'lineage/demo-evaluate.json',
      'lineage/demo-preprocess.json',
      'lineage/demo-train.json',
      'metrics.json',
      'model.json',
      'model.onnx',
      'reproml-model.json',
      'reproml-version.json',
      'transform.json',
    ]);
    const log = new TextDecoder().decode(repo().resolve('main')!.files.get(HUB_AUDIT_FILE)!);
    expect(
      log
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).type),
    ).toEqual(['register']);
    expect(existsSync(join(fixture.root, '.reproml/registry'))).toBe(false);

    const commits = repo().commits.size;
    const again = await runPushStage({ fixture, config: { target: 'registry' }, registry, env: {} });
    expect(again.receipt).toMatchObject({ version: 1, created: false });
    expect(repo().commits.size).toBe(commits);
  });

  it('promotes with approval and the token identity; branch "production" is the version commit, so a plain Hub client downloads model.onnx at revision production', async () => {
    const registry = open(ALICE);
    const refused = registry.promote({ model: 'demo', version: 1, alias: 'production', approval: {}, gates: { accuracy: '> 0.99' } });
    await expect(refused).rejects.toThrow(/no approval record .*metric gates for 'production' failed: accuracy 0.97\d* is not > 0.99/);
    const change = await registry.promote({ model: 'demo', version: 1, alias: 'production', approval, gates: { accuracy: '>= 0.9' } });
    expect(change.event).toMatchObject({ type: 'promote', version: 1, alias: 'production', approval: { by: 'alice', reason: 'CHG-1', identity: 'alice' } });
    const v1 = (await registry.getVersion('demo', 'production')).location as { commit: string };
    expect(repo().branches.get('production')).toBe(v1.commit);
    const blob = await downloadFile({
      hubUrl: hub.url,
      accessToken: READER,
      repo: { type: 'model', name: 'acme/demo' },
      path: 'model.onnx',
      revision: 'production',
    });
    expect(sha256(new Uint8Array(await blob!.arrayBuffer()))).toBe(sha256(readFileSync(join(fixture.root, fixture.modelOutDir, 'model.onnx'))));
    expect((await registry.audit({ model: 'demo' })).map((event) => event.type)).toEqual(['register', 'promotion-rejected', 'promote']);
  });

  it('v2 gets its own commit; v1 stays immutable; rollback moves the branch back; lineage files download by commit and are checked', async () => {
    const v1Model = readFileSync(join(fixture.root, fixture.modelOutDir, 'model.onnx'));
    fixture.writeModel(randomBytes(2048));
    const registry = open(ALICE);
    const { receipt } = await runPushStage({ fixture, config: { target: 'registry' }, registry, env: {} });
    expect(receipt).toMatchObject({ version: 2, created: true });
    await registry.promote({ model: 'demo', version: 2, alias: 'production', approval: { by: 'bob', reason: 'CHG-2' } });
    const rolled = await registry.rollback({ model: 'demo', alias: 'production', approval: { by: 'carol', reason: 'INC-9' } });
    expect(rolled.event).toMatchObject({ type: 'rollback', version: 1, previous: 2 });
    const state = await registry.getModel('demo');
    expect(state.aliases).toEqual({ production: 1 });
    expect(state.versions.map((version) => version.version)).toEqual([1, 2]);
    const v1 = state.versions[0]!.location as { commit: string };
    expect(repo().branches.get('production')).toBe(v1.commit);
    expect(sha256(repo().resolve(v1.commit)!.files.get('model.onnx')!)).toBe(sha256(v1Model));
    const dir = await registry.versionFiles('demo', 1);
    expect(sha256(readFileSync(join(dir, 'model.onnx')))).toBe(sha256(v1Model));
    expect(existsSync(join(dir, 'lineage/demo-train.json'))).toBe(true);
    expect(await registry.listModels()).toEqual([{ name: 'demo', versions: 2, latest: 2, aliases: { production: 1 } }]);
  });

  it('two clones changing the same alias at once: the stale parent is refused, exactly one wins, the chain stays intact', async () => {
    // Bob's commit waits until Alice's change has landed, so Bob's parent commit is stale for sure.
    let release!: () => void;
    const aliceDone = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held: typeof fetch = async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (/\/commit\/main$/.test(new URL(url).pathname)) await aliceDone;
      return fetch(input, init);
    };
    const logs: string[] = [];
    const bob = open(BOB, { fetch: held, log: (line) => logs.push(line) });
    const bobPromotes = bob.promote({ model: 'demo', version: 1, alias: 'staging', approval: { by: 'bob', reason: 'QA' } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await open(ALICE).promote({ model: 'demo', version: 2, alias: 'staging', approval });
    release();
    await expect(bobPromotes).rejects.toThrow(
      /'staging' of demo moved from unset to v2 \(promote by alice \(alice\), event \d+\) while this change was being recorded: nothing was changed/,
    );
    expect(logs.join('\n')).toMatch(/another change landed first; retrying on the new head/);
    expect(hub.requests.some((line) => line.startsWith('POST /api/models/acme/demo/commit/main'))).toBe(true);
    const registry = open(READER);
    expect((await registry.getModel('demo')).aliases).toEqual({ production: 1, staging: 2 });
    expect(await registry.verifyStoredFiles()).toEqual([]);
    expect(repo().branches.get('staging')).toBe(((await registry.getVersion('demo', 2)).location as { commit: string }).commit);
  });

  it('a change of another alias that lands first is retried on the new head and both land', async () => {
    let release!: () => void;
    const first = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held: typeof fetch = async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (/\/commit\/main$/.test(new URL(url).pathname)) await first;
      return fetch(input, init);
    };
    const bobPromotes = open(BOB, { fetch: held }).promote({ model: 'demo', version: 2, alias: 'canary', approval: { by: 'bob', reason: 'canary' } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await open(ALICE).promote({ model: 'demo', version: 1, alias: 'shadow', approval });
    release();
    await expect(bobPromotes).resolves.toMatchObject({ changed: true });
    expect((await open(READER).getModel('demo')).aliases).toMatchObject({ canary: 2, shadow: 1 });
  });

  it('a read-only token lists, shows and audits, but cannot promote (refused before any write, and by the Hub itself)', async () => {
    const reader = open(READER);
    expect((await reader.listModels()).map((model) => model.name)).toEqual(['demo']);
    expect((await reader.getVersion('demo', 'production')).version).toBe(1);
    expect((await reader.audit()).length).toBeGreaterThan(3);
    const commits = repo().commits.size;
    await expect(reader.promote({ model: 'demo', version: 2, alias: 'production', approval })).rejects.toThrow(/HF_TOKEN of reader is read-only/);
    // Going around ReproML with the same token: the Hub refuses the commit and the branch move.
    const audit = repo().resolve('main')!.files.get(HUB_AUDIT_FILE)!;
    await expect(
      commit({
        hubUrl: hub.url,
        accessToken: READER,
        repo: { type: 'model', name: 'acme/demo' },
        title: 'sneaky',
        operations: [{ operation: 'addOrUpdate', path: HUB_AUDIT_FILE, content: new Blob([audit]) }],
      }),
    ).rejects.toMatchObject({ statusCode: 403 });
    await expect(
      createBranch({ hubUrl: hub.url, accessToken: READER, repo: { type: 'model', name: 'acme/demo' }, branch: 'production', overwrite: true }),
    ).rejects.toMatchObject({
      statusCode: 403,
    });
    expect(repo().commits.size).toBe(commits);
    await expect(open(MALLORY).promote({ model: 'demo', version: 2, alias: 'production', approval })).rejects.toThrow(/mallory is not a member of acme/);
    await expect(open(MALLORY).listModels()).resolves.toEqual([]);
  });

  it('a promotion cut off between its log commit and the branch move is finished by rerunning it', async () => {
    const crashing = open(ALICE, {
      onStep: (step) => {
        if (step === 'event-committed') throw new Error('killed after the log commit');
      },
    });
    await expect(crashing.promote({ model: 'demo', version: 2, alias: 'production', approval })).rejects.toThrow(/killed/);
    const v1 = ((await open(READER).getVersion('demo', 1)).location as { commit: string }).commit;
    const v2 = ((await open(READER).getVersion('demo', 2)).location as { commit: string }).commit;
    expect(repo().branches.get('production')).toBe(v1);
    expect(await open(READER).verifyStoredFiles({ model: 'demo' })).toEqual([
      expect.stringMatching(
        /branch 'production' of acme\/demo is still at v1: the last change of 'production' \(event \d+, promote to v2\) was cut off before the branch moved; rerun it/,
      ),
    ]);
    await expect(open(ALICE).promote({ model: 'demo', version: 2, alias: 'production', approval })).resolves.toMatchObject({ changed: false });
    expect(repo().branches.get('production')).toBe(v2);
  });

  it('an alias branch moved outside ReproML is reported by audit and blocks changes of that alias', async () => {
    const initial = [...repo().commits.values()].find((entry) => !entry.parent)!.oid;
    await createBranch({
      hubUrl: hub.url,
      accessToken: BOB,
      repo: { type: 'model', name: 'acme/demo' },
      branch: 'production',
      revision: initial,
      overwrite: true,
    });
    expect(await open(READER).verifyStoredFiles()).toEqual([
      expect.stringMatching(new RegExp(`branch 'production' of acme/demo is at ${initial}, but the audit log puts 'production' at v2 .*moved outside ReproML`)),
    ]);
    await expect(open(ALICE).rollback({ model: 'demo', alias: 'production', approval })).rejects.toThrow(/Refusing to change 'production'/);
    const v2 = ((await open(READER).getVersion('demo', 2)).location as { commit: string }).commit;
    await createBranch({ hubUrl: hub.url, accessToken: BOB, repo: { type: 'model', name: 'acme/demo' }, branch: 'production', revision: v2, overwrite: true });
    expect(await open(READER).verifyStoredFiles()).toEqual([]);
  });

  it('an audit log edited in the repo (a valid commit by a member) breaks the hash chain: every read refuses', async () => {
    const before = new TextDecoder().decode(repo().resolve('main')!.files.get(HUB_AUDIT_FILE)!);
    const tampered = before.replace('"by":"bob"', '"by":"mallory"');
    expect(tampered).not.toBe(before);
    const edit = (text: string) =>
      commit({
        hubUrl: hub.url,
        accessToken: BOB,
        repo: { type: 'model', name: 'acme/demo' },
        title: 'edit',
        operations: [{ operation: 'addOrUpdate', path: HUB_AUDIT_FILE, content: new Blob([text]) }],
      });
    await edit(tampered);
    const registry = open(ALICE);
    await expect(registry.getModel('demo')).rejects.toThrow(
      /hf:\/\/acme\/demo\/reproml-audit\.jsonl@[0-9a-f]{12} was modified at line \d+ .*hash chain is broken/,
    );
    await expect(registry.promote({ model: 'demo', version: 1, alias: 'production', approval })).rejects.toThrow(/hash chain is broken/);
    // A truncated (half-written) line is not a crash on the Hub: refused too.
    await edit(`${before}{"seq":`);
    await expect(registry.listModels()).rejects.toThrow(/line\(s\) that are not events/);
    await edit(before);
    await expect(registry.getModel('demo')).resolves.toMatchObject({ aliases: { production: 2 } });
    // Cutting events off the end keeps a valid chain; this clone saw them, so it refuses (a fresh clone has nothing to compare with).
    await edit(`${before.trim().split('\n').slice(0, -2).join('\n')}\n`);
    await expect(registry.getModel('demo')).rejects.toThrow(/lost events this clone saw before: the log holds \d+ event\(s\), but the checkpoint records \d+/);
    await edit(before);
  });

  it("a version record edited in this clone's cache is not trusted: it is checked against the register event's sha256 and fetched again", async () => {
    const v1 = await open(READER).getVersion('demo', 1);
    const cached = join(fixture.root, '.reproml/hub-registry/acme/demo/records', `${(v1.location as { commit: string }).commit}.json`);
    expect(existsSync(cached)).toBe(true);
    writeFileSync(cached, readFileSync(cached, 'utf8').replace(/"accuracy":[0-9.]+/, '"accuracy":1'));
    expect((await open(READER).getVersion('demo', 1)).metrics.accuracy).toBe(v1.metrics.accuracy);
    expect(readFileSync(cached, 'utf8')).not.toContain('"accuracy":1,');
  });

  it('opens a Hub over plain http only on loopback with the opt-in, token or not; https anywhere', () => {
    const refusal = (hubUrl: string) => `HF_ENDPOINT '${hubUrl}' is refused: plain http:// is not allowed (data and tokens would travel in the clear)`;
    for (const token of [ALICE, undefined]) {
      for (const allowHttpLocalhost of [true, false]) {
        expect(() => new HubModelRegistry({ namespace: 'acme', hubUrl: 'http://hub.example.com', token, allowHttpLocalhost, cacheDir: fixture.root })).toThrow(
          refusal('http://hub.example.com'),
        );
      }
      expect(() => new HubModelRegistry({ namespace: 'acme', hubUrl: 'http://localhost:1', token, cacheDir: fixture.root })).toThrow(
        refusal('http://localhost:1'),
      );
      expect(
        () => new HubModelRegistry({ namespace: 'acme', hubUrl: 'http://localhost:1', token, allowHttpLocalhost: true, cacheDir: fixture.root }),
      ).not.toThrow();
      expect(() => new HubModelRegistry({ namespace: 'acme', hubUrl: 'https://hub.example.com', token, cacheDir: fixture.root })).not.toThrow();
    }
    expect(() => openRegistry({ workspaceRoot: fixture.root, env: { REPROML_REGISTRY: 'hf://acme', HF_ENDPOINT: 'ftp://hub.example.com' } })).toThrow(
      /HF_ENDPOINT 'ftp:\/\/hub\.example\.com' is refused: ftp: URLs are not fetched/,
    );
    expect(() => openRegistry({ workspaceRoot: fixture.root, env: { REPROML_REGISTRY: 'hf://acme/demo' } })).toThrow(/is not a Hub namespace/);
  });
});

describe('a push to the Hub registry cut off between its version commit and its log commit', () => {
  let hub: HubServer;
  let fixture: PushFixture;
  beforeAll(async () => {
    hub = await startHubServer();
    hub.addToken(ALICE, 'alice', { orgs: ['acme'] });
    fixture = createPushFixture({ modelBytes: randomBytes(2048), git: true });
  });
  afterAll(async () => {
    await hub.close();
    rmSync(fixture.root, { recursive: true, force: true });
  });

  it('is no version until the log says so; pushing again records v1 once, at the new commit, and its files check out', async () => {
    const open = (extra: Partial<HubModelRegistryOptions> = {}) =>
      new HubModelRegistry({
        namespace: 'acme',
        hubUrl: hub.url,
        allowHttpLocalhost: true,
        token: ALICE,
        cacheDir: join(fixture.root, '.reproml/hub-registry'),
        retryBaseMs: 1,
        ...extra,
      });
    const crashing = open({
      onStep: (step) => {
        if (step === 'version-committed') throw new Error('killed after the version commit');
      },
    });
    await expect(runPushStage({ fixture, config: { target: 'registry' }, registry: crashing, env: {} })).rejects.toThrow(/killed after the version commit/);
    const repo = hub.repos.get('model', 'acme/demo')!;
    const orphan = repo.resolve('main')!.oid;
    expect(repo.resolve('main')!.files.has(HUB_VERSION_FILE)).toBe(true);
    expect(repo.resolve('main')!.files.has(HUB_AUDIT_FILE)).toBe(false);
    expect(await open().listModels()).toEqual([]);

    const { receipt } = await runPushStage({ fixture, config: { target: 'registry' }, registry: open(), env: {} });
    expect(receipt).toMatchObject({ version: 1, created: true });
    const registry = open();
    expect((await registry.audit({ model: 'demo' })).map((event) => [event.type, event.version])).toEqual([['register', 1]]);
    const v1 = (await registry.getVersion('demo', 1)).location as { commit: string };
    expect(v1.commit).not.toBe(orphan);
    const dir = await registry.versionFiles('demo', 1);
    expect(sha256(readFileSync(join(dir, 'model.onnx')))).toBe(sha256(readFileSync(join(fixture.root, fixture.modelOutDir, 'model.onnx'))));
    expect(await registry.listModels()).toEqual([{ name: 'demo', versions: 1, latest: 1, aliases: {} }]);
  });
});
