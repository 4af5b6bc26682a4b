import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256OfBytes, sha256OfFile } from '@reproml/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileModelRegistry } from './file-model-registry';
import { GateError } from './metric-gates';
import type { NewModelVersion } from './model-registry';
import { ApprovalError } from './registry-rules';

const CRASH_SCRIPT = join(__dirname, '..', 'testing', 'crash-registry.ts');
const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..');

describe('FileModelRegistry', () => {
  let dir: string;
  let registry: FileModelRegistry;
  let clock: number;

  async function register(id: string, accuracy: number) {
    const file = join(dir, `${id}.onnx`);
    writeFileSync(file, id);
    const sha256 = await sha256OfFile(file);
    const version: NewModelVersion = {
      model: 'demo',
      fingerprint: sha256OfBytes(`fp-${id}`),
      artifact: { path: 'model.onnx', sha256, size: id.length },
      files: [{ path: 'model.onnx', sha256, size: id.length }],
      metrics: { accuracy },
      gates: { production: { accuracy: '>= 0.95' } },
      source: {
        pipeline: 'demo',
        pushStage: 'demo-push',
        stageFile: 'pipelines/demo/push/stage.json',
        modelStage: 'demo-train',
        modelPath: 'pipelines/demo/train/out/model.onnx',
        stages: [],
        git: null,
        datasets: [],
      },
    };
    return registry.register({ version, location: { type: 'local' }, files: [{ path: 'model.onnx', sha256, size: id.length, absolutePath: file }] });
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'reproml-registry-'));
    clock = Date.UTC(2026, 0, 1);
    registry = new FileModelRegistry(join(dir, 'registry'), { now: () => new Date((clock += 1000)) });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('numbers versions, stores their files, and registers the same fingerprint only once', async () => {
    const first = await register('m1', 0.97);
    const again = await register('m1', 0.97);
    const second = await register('m2', 0.99);
    expect([first.created, again.created, second.created]).toEqual([true, false, true]);
    expect([first.version.version, again.version.version, second.version.version]).toEqual([1, 1, 2]);
    expect(readFileSync(join(registry.versionDir('demo', 2), 'files', 'model.onnx'), 'utf8')).toBe('m2');
    expect(await registry.listModels()).toEqual([{ name: 'demo', versions: 2, latest: 2, aliases: {} }]);
    expect((await registry.audit()).map((event) => event.type)).toEqual(['register', 'register']);
  });

  it('refuses a promotion without an approval record, and records the refusal', async () => {
    await register('m1', 0.97);
    const refused = registry.promote({ model: 'demo', version: 1, alias: 'production', approval: { by: 'alice' } });
    await expect(refused).rejects.toBeInstanceOf(ApprovalError);
    await expect(refused).rejects.toThrow(/missing why \(--reason\)/);
    expect((await registry.getModel('demo')).aliases).toEqual({});
    const last = (await registry.audit()).at(-1)!;
    expect(last).toMatchObject({ type: 'promotion-rejected', alias: 'production', requestedBy: 'alice' });
  });

  it('refuses a promotion whose metric gate fails, even with an approval', async () => {
    await register('m1', 0.9);
    await expect(registry.promote({ model: 'demo', version: 1, alias: 'production', approval: { by: 'alice', reason: 'CHG-1' } })).rejects.toBeInstanceOf(
      GateError,
    );
    await expect(
      registry.promote({
        model: 'demo',
        version: 1,
        alias: 'production',
        approval: { by: 'alice', reason: 'CHG-1' },
        gates: { accuracy: '>= 0.85', f1: { min: 0.5 } },
      }),
    ).rejects.toThrow(/f1 is missing/);
    expect((await registry.getModel('demo')).aliases).toEqual({});
  });

  it('promotes with approval (who, when, why) and passing gates; rollback moves the alias back', async () => {
    await register('m1', 0.96);
    await register('m2', 0.98);
    await registry.promote({ model: 'demo', version: 1, alias: 'production', approval: { by: 'alice', reason: 'CHG-1' } });
    const promoted = await registry.promote({
      model: 'demo',
      version: 2,
      alias: 'production',
      approval: { by: 'bob', reason: 'CHG-2' },
      gateSource: 'pipelines/demo/push/stage.json',
    });
    expect(promoted.event).toMatchObject({
      type: 'promote',
      version: 2,
      previous: 1,
      approval: { by: 'bob', reason: 'CHG-2' },
      gateSource: 'pipelines/demo/push/stage.json',
    });
    expect(promoted.event.type === 'promote' && promoted.event.gates).toEqual([{ metric: 'accuracy', condition: '>= 0.95', value: 0.98, passed: true }]);
    expect((await registry.getVersion('demo', 'production')).version).toBe(2);

    await expect(registry.rollback({ model: 'demo', alias: 'production', approval: {} })).rejects.toBeInstanceOf(ApprovalError);
    const rolled = await registry.rollback({ model: 'demo', alias: 'production', approval: { by: 'carol', reason: 'INC-7 latency' } });
    expect(rolled.event).toMatchObject({ type: 'rollback', version: 1, previous: 2, approval: { by: 'carol', reason: 'INC-7 latency' } });
    expect((await registry.getModel('demo')).aliases).toEqual({ production: 1 });
    await expect(registry.rollback({ model: 'demo', alias: 'production', approval: { by: 'carol', reason: 'again' } })).rejects.toThrow(/no earlier version/);
    expect(JSON.parse(readFileSync(join(dir, 'registry', 'state.json'), 'utf8')).models.demo.aliases).toEqual({ production: 1 });
  });

  it('detects an edited audit log (hash chain) and refuses to act on it', async () => {
    await register('m1', 0.97);
    await registry.promote({ model: 'demo', version: 1, alias: 'staging', approval: { by: 'alice', reason: 'try' } });
    const log = join(dir, 'registry', 'audit.log');
    writeFileSync(log, readFileSync(log, 'utf8').replace('"by":"alice"', '"by":"mallory"'));
    await expect(registry.audit()).rejects.toThrow(/was modified at line 2/);
    await expect(register('m2', 0.98)).rejects.toThrow(/hash chain is broken/);
  });

  it('skips a line torn by a crash mid-write, never rewrites it, and keeps appending after it', async () => {
    await register('m1', 0.97);
    const log = join(dir, 'registry', 'audit.log');
    appendFileSync(log, '{"seq":2,"type":"promote","model":"demo","ver');
    const before = readFileSync(log);
    await registry.promote({ model: 'demo', version: 1, alias: 'production', approval: { by: 'alice', reason: 'CHG-1' } });
    const after = readFileSync(log);
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
    expect(await registry.auditHealth()).toMatchObject({ events: 2, tornLines: [2], tornTail: false, checkpointBehindBy: 0 });
    expect((await registry.getModel('demo')).aliases).toEqual({ production: 1 });
  });

  it('stays consistent when the process is killed mid-promotion (after the log append, before state.json)', async () => {
    await register('m1', 0.97);
    await register('m2', 0.98);
    await registry.promote({ model: 'demo', version: 1, alias: 'production', approval: { by: 'alice', reason: 'CHG-1' } });
    const log = join(dir, 'registry', 'audit.log');
    const logBefore = readFileSync(log);
    const stateBefore = readFileSync(join(dir, 'registry', 'state.json'), 'utf8');
    const child = spawnSync(process.execPath, ['-r', '@swc-node/register', CRASH_SCRIPT, join(dir, 'registry'), 'event-appended', 'promote'], {
      cwd: WORKSPACE_ROOT,
      encoding: 'utf8',
      env: { ...process.env, SWC_NODE_PROJECT: join(WORKSPACE_ROOT, 'tsconfig.base.json') },
    });
    expect(child.signal).toBe('SIGKILL');
    // The log grew by exactly one complete event; nothing before it changed.
    const logAfter = readFileSync(log);
    expect(logAfter.subarray(0, logBefore.length).equals(logBefore)).toBe(true);
    expect(logAfter.toString('utf8').slice(logBefore.length).trim().split('\n')).toHaveLength(1);
    // state.json is stale (the crash came before it) but every read replays the log.
    expect(readFileSync(join(dir, 'registry', 'state.json'), 'utf8')).toBe(stateBefore);
    const reopened = new FileModelRegistry(join(dir, 'registry'));
    expect((await reopened.getModel('demo')).aliases).toEqual({ production: 2 });
    expect(await reopened.auditHealth()).toMatchObject({ events: 4, tornLines: [], tornTail: false, checkpointBehindBy: 1 });
    // The lock of the killed process does not block the next change, which also repairs state.json.
    await reopened.rollback({ model: 'demo', alias: 'production', approval: { by: 'alice', reason: 'after crash' } });
    expect(JSON.parse(readFileSync(join(dir, 'registry', 'state.json'), 'utf8')).models.demo.aliases).toEqual({ production: 1 });
  });

  it('rejects names and paths that would leave the registry folder', async () => {
    expect(() => registry.versionDir('../escape', 1)).toThrow(/not a valid model name/);
    await expect(registry.promote({ model: 'demo', version: 1, alias: '../prod', approval: {} })).rejects.toThrow(/not a valid alias/);
    const file = join(dir, 'x');
    writeFileSync(file, 'x');
    const bad = { path: '../../outside', sha256: sha256OfBytes('x'), size: 1, absolutePath: file };
    await expect(
      registry.register({
        version: {
          model: 'demo',
          fingerprint: sha256OfBytes('f'),
          artifact: bad,
          files: [],
          metrics: {},
          gates: {},
          source: { pipeline: 'demo', pushStage: 'p', stageFile: 's', modelStage: 'm', modelPath: 'm', stages: [], git: null, datasets: [] },
        },
        location: { type: 'local' },
        files: [bad],
      }),
    ).rejects.toThrow(/not a safe relative file path/);
  });
});
