import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256OfBytes } from '@reproml/core';
import { FileModelRegistry } from '@reproml/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = join(__dirname, '..', '..', 'bin', 'reproml.js');
const STAGE_FILE = 'pipelines/demo/push/stage.json';

/** `reproml models promote` takes its gates from the push stage file as it is now, and never weaker ones. */
describe('reproml models promote: gates from the push stage file', () => {
  let root: string;
  const registryDir = () => join(root, '.reproml', 'registry');
  const promote = (...extra: string[]) =>
    spawnSync(process.execPath, [BIN, 'models', 'promote', 'demo', '1', 'production', '--approved-by', 'alice', '--reason', 'CHG-1', ...extra], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, REPROML_REGISTRY_DIR: '', NO_COLOR: '1' },
    });
  const writeStage = (gates: unknown, extra: Record<string, unknown> = {}) =>
    writeFileSync(join(root, STAGE_FILE), JSON.stringify({ kind: 'push', inputs: { model: 'train', metrics: 'evaluate' }, gates, ...extra }));
  const aliases = async () => (await new FileModelRegistry(registryDir()).getModel('demo')).aliases;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'reproml-gates-'));
    writeFileSync(join(root, 'nx.json'), '{}');
    mkdirSync(join(root, 'pipelines', 'demo', 'push'), { recursive: true });
    const file = join(root, 'model.onnx');
    writeFileSync(file, 'model');
    const sha256 = sha256OfBytes('model');
    await new FileModelRegistry(registryDir()).register({
      version: {
        model: 'demo',
        fingerprint: sha256OfBytes('fp'),
        artifact: { path: 'model.onnx', sha256, size: 5 },
        files: [{ path: 'model.onnx', sha256, size: 5 }],
        metrics: { accuracy: 0.97, f1: 0.96 },
        // What the file said at push time: weaker than what it says now.
        gates: { production: { accuracy: '>= 0.5' } },
        source: {
          pipeline: 'demo',
          pushStage: 'demo-push',
          stageFile: STAGE_FILE,
          modelStage: 'demo-train',
          modelPath: 'm',
          stages: [],
          git: null,
          datasets: [],
        },
      },
      location: { type: 'local' },
      files: [{ path: 'model.onnx', sha256, size: 5, absolutePath: file }],
    });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a malformed condition is refused naming the file and the field, not replaced by the recorded gates', async () => {
    writeStage({ production: { acuracy: '=> 0.5' } });
    const result = promote();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Invalid field 'gates.production.acuracy' in ${STAGE_FILE}`);
    expect(result.stderr).not.toMatch(/not found|recorded with/);
    expect(await aliases()).toEqual({});
  });

  it('a misspelt field of the stage file is refused with the closest known field', async () => {
    writeStage(undefined, { gatse: { production: { accuracy: '>= 0.5' } } });
    const result = promote();
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Unknown field 'gatse' in pipelines\/demo\/push\/stage\.json \(did you mean 'gates'\?\)/);
    expect(await aliases()).toEqual({});
  });

  it('a gate on a misspelt metric fails (never passes by default) and names the metric it probably meant', async () => {
    writeStage({ production: { acuracy: '>= 0.5' } });
    const result = promote();
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/metric gates for 'production' failed: acuracy is missing/);
    expect(result.stderr).toMatch(/'acuracy' is not a metric of this version \(did you mean 'accuracy'\?\)/);
    expect(await aliases()).toEqual({});
  });

  it("the file's current gates apply even when stricter than the recorded ones", async () => {
    writeStage({ production: { accuracy: '>= 0.99' } });
    const result = promote();
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/accuracy 0\.97(00)? is not >= 0\.99/);
    expect(result.stderr).toContain(`The gates come from ${STAGE_FILE}`);
  });

  it('the recorded gates apply only when the stage file is not in the workspace, and the audit log says so', async () => {
    rmSync(join(root, STAGE_FILE));
    const result = promote('--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).event).toMatchObject({
      type: 'promote',
      gateSource: `gates recorded with v1 (${STAGE_FILE} is not in this workspace)`,
      gates: [{ metric: 'accuracy', condition: '>= 0.5', passed: true }],
    });
  });
});

describe('reproml models show: provenance', () => {
  it('says when a version was pushed from uncommitted files, with their content hash and the files', async () => {
    const root = mkdtempSync(join(tmpdir(), 'reproml-show-'));
    try {
      writeFileSync(join(root, 'nx.json'), '{}');
      const file = join(root, 'model.onnx');
      writeFileSync(file, 'model');
      const sha256 = sha256OfBytes('model');
      const uncommitted = { files: ['pipelines/exp/train/stage.json'], sha256: sha256OfBytes('content') };
      await new FileModelRegistry(join(root, '.reproml', 'registry')).register({
        version: {
          model: 'exp',
          fingerprint: sha256OfBytes('fp'),
          artifact: { path: 'model.onnx', sha256, size: 5 },
          files: [{ path: 'model.onnx', sha256, size: 5 }],
          metrics: {},
          gates: {},
          source: {
            pipeline: 'exp',
            pushStage: 'exp-push',
            stageFile: 's',
            modelStage: 'm',
            modelPath: 'm',
            stages: [],
            git: { commit: 'c'.repeat(40), dirty: true, uncommitted },
            datasets: [],
          },
        },
        location: { type: 'local' },
        files: [{ path: 'model.onnx', sha256, size: 5, absolutePath: file }],
      });
      const shown = spawnSync(process.execPath, [BIN, 'models', 'show', 'exp', '1'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, REPROML_REGISTRY_DIR: '' },
      });
      expect(shown.status).toBe(0);
      expect(shown.stdout).toContain(
        `commit       ${'c'.repeat(40)} DIRTY: pushed from uncommitted files (allowDirty), uncommitted content sha256 ${uncommitted.sha256}`,
      );
      expect(shown.stdout).toContain('uncommitted  pipelines/exp/train/stage.json');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('reproml models audit: what it verifies', () => {
  it('passes on an intact registry; exits 1 naming the problem on a truncated log or a swapped model file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'reproml-audit-'));
    const audit = () =>
      spawnSync(process.execPath, [BIN, 'models', 'audit'], { cwd: root, encoding: 'utf8', env: { ...process.env, REPROML_REGISTRY_DIR: '', NO_COLOR: '1' } });
    try {
      writeFileSync(join(root, 'nx.json'), '{}');
      const registry = new FileModelRegistry(join(root, '.reproml', 'registry'));
      for (const id of ['m1', 'm2']) {
        const file = join(root, `${id}.onnx`);
        writeFileSync(file, id);
        const sha256 = sha256OfBytes(id);
        await registry.register({
          version: {
            model: 'demo',
            fingerprint: sha256OfBytes(`fp-${id}`),
            artifact: { path: 'model.onnx', sha256, size: 2 },
            files: [{ path: 'model.onnx', sha256, size: 2 }],
            metrics: {},
            gates: {},
            source: { pipeline: 'demo', pushStage: 'p', stageFile: 's', modelStage: 'm', modelPath: 'm', stages: [], git: null, datasets: [] },
          },
          location: { type: 'local' },
          files: [{ path: 'model.onnx', sha256, size: 2, absolutePath: file }],
        });
      }
      const ok = audit();
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/2 event\(s\); hash chain verified; checkpoint matches; version folders match the log/);
      expect(ok.stdout).toContain('every stored file matches its sha256');

      const model = join(root, '.reproml', 'registry', 'models', 'demo', 'versions', '2', 'files', 'model.onnx');
      writeFileSync(model, 'evil');
      const swapped = audit();
      expect(swapped.status).toBe(1);
      expect(swapped.stdout).toMatch(/✗ models\/demo\/versions\/2\/files\/model\.onnx does not match its sha256/);
      writeFileSync(model, 'm2');

      const log = join(root, '.reproml', 'registry', 'audit.log');
      writeFileSync(log, `${readFileSync(log, 'utf8').split('\n')[0]}\n`);
      const truncated = audit();
      expect(truncated.status).toBe(1);
      expect(truncated.stdout).not.toContain('verified');
      expect(truncated.stderr).toMatch(
        /was tampered with or damaged: its audit log does not match its checkpoint: the log holds 1 event\(s\), but the checkpoint records 2/,
      );
      expect(truncated.stderr).toMatch(/Restore the registry folder .* from a backup/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
