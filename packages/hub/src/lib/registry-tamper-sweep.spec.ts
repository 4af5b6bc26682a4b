import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntegrityError, sha256OfBytes, sha256OfFile } from '@reproml/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileModelRegistry, type RegistryStep } from './file-model-registry';
import type { NewModelVersion } from './model-registry';

/**
 * What an attacker, a crash or a careless `rm` does to a registry folder, one case each:
 * every tampering is refused with an IntegrityError that says what is wrong, on every read
 * and every change, and nothing stored is replaced; every crash point leaves a registry that
 * opens, is consistent, and is repaired by the next change.
 */
const CRASH_SCRIPT = join(__dirname, '..', 'testing', 'crash-registry.ts');
const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..');
const CHILD_ENV = { ...process.env, SWC_NODE_PROJECT: join(WORKSPACE_ROOT, 'tsconfig.base.json') };

describe('registry tamper and crash sweep', () => {
  let dir: string;
  let root: string;
  let clock: number;
  const open = () => new FileModelRegistry(root, { now: () => new Date((clock += 1000)) });
  const log = () => join(root, 'audit.log');
  const lines = () => readFileSync(log(), 'utf8').split('\n').filter(Boolean);
  const modelFile = (version: number) => join(root, 'models', 'demo', 'versions', String(version), 'files', 'model.onnx');

  async function register(registry: FileModelRegistry, id: string, model = 'demo') {
    const file = join(dir, `${id}.onnx`);
    writeFileSync(file, id);
    const sha256 = await sha256OfFile(file);
    const version: NewModelVersion = {
      model,
      fingerprint: sha256OfBytes(`fp-${id}`),
      artifact: { path: 'model.onnx', sha256, size: id.length },
      files: [{ path: 'model.onnx', sha256, size: id.length }],
      metrics: { accuracy: 0.97 },
      gates: {},
      source: { pipeline: model, pushStage: 'p', stageFile: 's', modelStage: 'm', modelPath: 'm', stages: [], git: null, datasets: [] },
    };
    return registry.register({ version, location: { type: 'local' }, files: [{ path: 'model.onnx', sha256, size: id.length, absolutePath: file }] });
  }
  const approval = { by: 'alice', reason: 'CHG-1' };

  /** v1 and v2 registered, production promoted to v1 then v2: four events. */
  async function populated(): Promise<FileModelRegistry> {
    const registry = open();
    await register(registry, 'm1');
    await register(registry, 'm2');
    await registry.promote({ model: 'demo', version: 1, alias: 'production', approval });
    await registry.promote({ model: 'demo', version: 2, alias: 'production', approval });
    return registry;
  }

  /** Every read and every change refuses, with the same IntegrityError. */
  async function expectRefused(pattern: RegExp): Promise<void> {
    const registry = open();
    const model2Before = existsSync(modelFile(2)) ? readFileSync(modelFile(2)) : undefined;
    for (const attempt of [
      () => registry.listModels(),
      () => registry.getModel('demo'),
      () => registry.getVersion('demo', 'production'),
      () => registry.audit(),
      () => register(registry, 'm3'),
      () => registry.promote({ model: 'demo', version: 1, alias: 'production', approval }),
      () => registry.rollback({ model: 'demo', alias: 'production', approval }),
    ]) {
      const result = attempt();
      await expect(result).rejects.toBeInstanceOf(IntegrityError);
      await expect(result).rejects.toThrow(pattern);
    }
    // Nothing was written over: v2's stored model keeps its bytes, no v3 appeared.
    if (model2Before) expect(readFileSync(modelFile(2)).equals(model2Before)).toBe(true);
    expect(existsSync(join(root, 'models', 'demo', 'versions', '3'))).toBe(false);
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'reproml-tamper-'));
    root = join(dir, 'registry');
    clock = Date.UTC(2026, 0, 1);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a truncated log (the last promotion deleted) is refused: production does not silently move back to v1', async () => {
    await populated();
    writeFileSync(log(), `${lines().slice(0, 3).join('\n')}\n`);
    await expectRefused(/the log holds 3 event\(s\), but the checkpoint records 4: event\(s\) 4–4 were removed from its end/);
  });

  it('deleting the last three lines (v2 registration included) is refused, and v2 is never pushed over', async () => {
    await populated();
    writeFileSync(log(), `${lines()[0]}\n`);
    await expectRefused(/event\(s\) 2–4 were removed/);
  });

  it('an emptied or deleted log is refused', async () => {
    await populated();
    writeFileSync(log(), '');
    await expectRefused(/the log holds no events, but the checkpoint records 4: the log was emptied or deleted/);
    rmSync(log());
    await expectRefused(/emptied or deleted/);
  });

  it('a line deleted from the middle, or an edited event, breaks the hash chain', async () => {
    await populated();
    const original = lines();
    writeFileSync(log(), `${[original[0], original[2], original[3]].join('\n')}\n`);
    await expectRefused(/was modified at line 2 \(event 3\): its hash chain is broken/);
    writeFileSync(log(), `${original.join('\n').replace('"reason":"CHG-1"', '"reason":"CHG-666"')}\n`);
    await expectRefused(/was modified at line 3/);
  });

  it('a whole event replaced by garbage at the end counts as removed, not as a torn write', async () => {
    await populated();
    const original = lines();
    writeFileSync(log(), `${original.slice(0, 3).join('\n')}\n{"seq":4,"garbage\n`);
    await expectRefused(/event\(s\) 4–4 were removed/);
  });

  it('a torn last line from a crash (partial append, no newline, checkpoint not moved) opens, and the next change appends after it', async () => {
    const registry = await populated();
    const before = readFileSync(log());
    appendFileSync(log(), '{"seq":5,"type":"rollback","model":"demo","vers');
    expect(await registry.auditHealth()).toMatchObject({ events: 4, tornTail: true, tornLines: [5], checkpointBehindBy: 0 });
    expect((await registry.getModel('demo')).aliases).toEqual({ production: 2 });
    await registry.rollback({ model: 'demo', alias: 'production', approval: { by: 'bob', reason: 'INC-1' } });
    expect(readFileSync(log()).subarray(0, before.length).equals(before)).toBe(true);
    expect(await registry.auditHealth()).toMatchObject({ events: 5, tornTail: false, tornLines: [5], checkpointBehindBy: 0 });
    expect((await registry.getModel('demo')).aliases).toEqual({ production: 1 });
  });

  it('the last committed event cut in half (no newline) is a deletion, not a crash: the checkpoint already counted it', async () => {
    await populated();
    const text = readFileSync(log(), 'utf8');
    truncateSync(log(), Buffer.byteLength(text) - 40);
    await expectRefused(/event 4, committed after the checkpoint was written, is cut off at the end of the log/);
  });

  it('a log replaced by another one with as many events is refused (hash at the checkpoint differs)', async () => {
    await populated();
    const other = join(dir, 'other');
    const elsewhere = new FileModelRegistry(other, { now: () => new Date((clock += 7)) });
    await register(elsewhere, 'x1');
    await register(elsewhere, 'x2');
    await elsewhere.promote({ model: 'demo', version: 1, alias: 'production', approval });
    await elsewhere.promote({ model: 'demo', version: 2, alias: 'production', approval });
    cpSync(join(other, 'audit.log'), log());
    await expectRefused(/the log was replaced by another one/);
  });

  it('a missing or corrupted checkpoint is refused (state.json gone too: removed events cannot be ruled out)', async () => {
    await populated();
    writeFileSync(join(root, 'audit.checkpoint'), '{"events": 2');
    await expectRefused(/audit\.checkpoint is not a checkpoint/);
    rmSync(join(root, 'audit.checkpoint'));
    rmSync(join(root, 'state.json'));
    await expectRefused(/has 4 event\(s\) in audit\.log but no checkpoint/);
  });

  it('a registry from before checkpoints is verified against its state.json, and the next change writes the checkpoint', async () => {
    const registry = await populated();
    rmSync(join(root, 'audit.checkpoint'));
    expect(await registry.auditHealth()).toMatchObject({ checkpoint: 'state.json', events: 4 });
    const full = readFileSync(log());
    writeFileSync(log(), `${lines().slice(0, 3).join('\n')}\n`);
    await expectRefused(/event\(s\) 4–4 were removed/);
    // With the log back, the legacy registry works, and its first change adds the checkpoint.
    writeFileSync(log(), full);
    await registry.rollback({ model: 'demo', alias: 'production', approval: { by: 'bob', reason: 'INC-2' } });
    expect(await registry.auditHealth()).toMatchObject({ checkpoint: 'checkpoint', events: 5, checkpointBehindBy: 0 });
  });

  it('an edited version.json (metrics raised to pass a gate) is refused', async () => {
    await populated();
    const file = join(root, 'models', 'demo', 'versions', '1', 'version.json');
    const edited = readFileSync(file, 'utf8').replace('"accuracy": 0.97', '"accuracy": 0.99');
    expect(edited).toContain('0.99');
    writeFileSync(file, edited);
    const registry = open();
    await expect(registry.getVersion('demo', 1)).rejects.toThrow(/version\.json was edited after demo v1 was registered/);
    await expect(registry.promote({ model: 'demo', version: 1, alias: 'staging', approval })).rejects.toBeInstanceOf(IntegrityError);
  });

  it('a symlinked version folder, or a symlinked versions folder, is refused', async () => {
    await populated();
    const versions = join(root, 'models', 'demo', 'versions');
    const forged = join(dir, 'forged-v2');
    cpSync(join(versions, '2'), forged, { recursive: true });
    rmSync(join(versions, '2'), { recursive: true });
    symlinkSync(forged, join(versions, '2'));
    await expectRefused(/models\/demo\/versions\/2 is a symbolic link/);
    rmSync(join(versions, '2'));
    renameSync(forged, join(versions, '2'));
    expect((await open().getModel('demo')).versions).toHaveLength(2);
    renameSync(versions, join(dir, 'versions-elsewhere'));
    symlinkSync(join(dir, 'versions-elsewhere'), versions);
    await expectRefused(/models\/demo\/versions is a symbolic link/);
  });

  it('a symlinked files/ folder or stored file inside a version is refused', async () => {
    await populated();
    const files = join(root, 'models', 'demo', 'versions', '1', 'files');
    const forged = join(dir, 'forged-model.onnx');
    writeFileSync(forged, 'm1');
    rmSync(join(files, 'model.onnx'));
    symlinkSync(forged, join(files, 'model.onnx'));
    await expectRefused(/models\/demo\/versions\/1\/files\/model\.onnx is a symbolic link/);
    rmSync(join(files, 'model.onnx'));
    renameSync(files, join(dir, 'files-elsewhere'));
    symlinkSync(join(dir, 'files-elsewhere'), files);
    await expectRefused(/models\/demo\/versions\/1\/files is a symbolic link/);
  });

  it('a version folder no event registers, or a registered one deleted, is refused', async () => {
    await populated();
    const versions = join(root, 'models', 'demo', 'versions');
    cpSync(join(versions, '2'), join(versions, '7'), { recursive: true });
    await expectRefused(/models\/demo\/versions\/7 is not registered by any event of audit\.log/);
    rmSync(join(versions, '7'), { recursive: true });
    renameSync(join(versions, '1'), join(dir, 'v1'));
    await expectRefused(/models\/demo\/versions\/1 is registered in audit\.log but missing/);
  });

  it('a swapped model file is found by the deep check of stored files', async () => {
    const registry = await populated();
    expect(await registry.verifyStoredFiles()).toEqual([]);
    writeFileSync(modelFile(1), 'evil');
    expect(await registry.verifyStoredFiles()).toEqual([expect.stringMatching(/models\/demo\/versions\/1\/files\/model\.onnx does not match its sha256/)]);
  });

  it('version folders are write-once: a folder already at the next number is never replaced', async () => {
    const registry = await populated();
    // Simulate the window a pending register reserves: the checkpoint names v3, a folder is there.
    const checkpoint = JSON.parse(readFileSync(join(root, 'audit.checkpoint'), 'utf8'));
    writeFileSync(join(root, 'audit.checkpoint'), JSON.stringify({ ...checkpoint, pending: { model: 'demo', version: 3 } }));
    mkdirSync(join(root, 'models', 'demo', 'versions', '3', 'files'), { recursive: true });
    writeFileSync(join(root, 'models', 'demo', 'versions', '3', 'files', 'model.onnx'), 'left by a crash');
    expect(await registry.auditHealth()).toMatchObject({ pending: { model: 'demo', version: 3 } });
    expect((await registry.getModel('demo')).versions.map((version) => version.version)).toEqual([1, 2]);
    // The next change drops the uncommitted folder (it never was a version) and writes v3 whole.
    const pushed = await register(registry, 'm3');
    expect(pushed.version.version).toBe(3);
    expect(readFileSync(modelFile(3), 'utf8')).toBe('m3');
    expect(await registry.auditHealth()).toMatchObject({ pending: null, checkpointBehindBy: 0 });
  });

  describe('kill -9 at every step of a change leaves a registry that opens and is consistent', () => {
    const steps: RegistryStep[] = ['pending-written', 'version-written', 'event-appended', 'checkpoint-written', 'state-written'];

    for (const step of steps) {
      it(`register killed at '${step}'`, async () => {
        await populated();
        const child = spawnSync(process.execPath, ['-r', '@swc-node/register', CRASH_SCRIPT, root, step, 'register', 'm3'], {
          cwd: WORKSPACE_ROOT,
          encoding: 'utf8',
          env: CHILD_ENV,
        });
        expect(child.signal).toBe('SIGKILL');
        const committed = step !== 'pending-written' && step !== 'version-written';
        const registry = open();
        expect((await registry.getModel('demo')).versions.map((version) => version.version)).toEqual(committed ? [1, 2, 3] : [1, 2]);
        expect(await registry.verifyStoredFiles()).toEqual([]);
        // The next push takes the next free number and leaves everything in step.
        const next = await register(registry, 'm4');
        expect(next.version.version).toBe(committed ? 4 : 3);
        expect(readFileSync(modelFile(next.version.version), 'utf8')).toBe('m4');
        expect(await registry.auditHealth()).toMatchObject({ checkpointBehindBy: 0, pending: null, tornLines: [] });
        expect(readdirSync(join(root, 'models', 'demo', 'versions')).sort()).toEqual((committed ? ['1', '2', '3', '4'] : ['1', '2', '3']).sort());
      });
    }

    for (const step of ['event-appended', 'checkpoint-written'] as const) {
      it(`promote killed at '${step}'`, async () => {
        const registry = open();
        await register(registry, 'm1');
        await register(registry, 'm2');
        await registry.promote({ model: 'demo', version: 1, alias: 'production', approval });
        const child = spawnSync(process.execPath, ['-r', '@swc-node/register', CRASH_SCRIPT, root, step, 'promote'], {
          cwd: WORKSPACE_ROOT,
          encoding: 'utf8',
          env: CHILD_ENV,
        });
        expect(child.signal).toBe('SIGKILL');
        expect((await registry.getModel('demo')).aliases).toEqual({ production: 2 });
        expect(await registry.auditHealth()).toMatchObject({ checkpointBehindBy: step === 'event-appended' ? 1 : 0 });
        await registry.rollback({ model: 'demo', alias: 'production', approval: { by: 'bob', reason: 'after the crash' } });
        expect(await registry.auditHealth()).toMatchObject({ events: 5, checkpointBehindBy: 0 });
      });
    }
  });

  it('racing pushes from separate processes get distinct version numbers; none overwrites another', async () => {
    await register(open(), 'm0');
    const ids = ['r1', 'r2', 'r3', 'r4', 'r2'];
    const results = await Promise.all(
      ids.map(
        (id) =>
          new Promise<{ version: number; created: boolean }>((resolve, reject) => {
            const child = spawn(process.execPath, ['-r', '@swc-node/register', CRASH_SCRIPT, root, 'never', 'register', id], {
              cwd: WORKSPACE_ROOT,
              env: CHILD_ENV,
            });
            let out = '';
            let err = '';
            child.stdout.on('data', (chunk) => (out += chunk));
            child.stderr.on('data', (chunk) => (err += chunk));
            child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`push ${id} failed: ${err}`))));
          }),
      ),
    );
    const created = results.filter((result) => result.created).map((result) => result.version);
    expect(created.sort()).toEqual([2, 3, 4, 5]);
    expect(results.filter((result) => !result.created)).toHaveLength(1);
    const registry = open();
    const versions = (await registry.getModel('demo')).versions;
    expect(versions).toHaveLength(5);
    expect(new Set(versions.map((version) => version.artifact.sha256)).size).toBe(5);
    expect(await registry.verifyStoredFiles()).toEqual([]);
    expect(await registry.auditHealth()).toMatchObject({ events: 5, checkpointBehindBy: 0, pending: null });
  });
});
