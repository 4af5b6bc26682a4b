// Child process for the crash-safety tests: runs one registry change and kills itself with
// SIGKILL (no cleanup, no finally blocks) at the named step.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256OfBytes } from '@reproml/core';
import { FileModelRegistry, type RegistryStep } from '../lib/file-model-registry';
import type { NewModelVersion } from '../lib/model-registry';

const [registryDir, crashAt, action, id = 'crash'] = process.argv.slice(2) as [string, RegistryStep | 'never', string, string?];
const registry = new FileModelRegistry(registryDir, {
  onStep: (step) => {
    if (step === crashAt) process.kill(process.pid, 'SIGKILL');
  },
});
if (action === 'promote') {
  void registry.promote({ model: 'demo', version: 2, alias: 'production', approval: { by: 'carol', reason: 'CHG-2' } });
}
if (action === 'register') {
  const file = join(registryDir, '..', `${id}.onnx`);
  writeFileSync(file, id);
  const sha256 = sha256OfBytes(id);
  const version: NewModelVersion = {
    model: 'demo',
    fingerprint: sha256OfBytes(`fp-${id}`),
    artifact: { path: 'model.onnx', sha256, size: id.length },
    files: [{ path: 'model.onnx', sha256, size: id.length }],
    metrics: { accuracy: 0.97 },
    gates: {},
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
  registry
    .register({ version, location: { type: 'local' }, files: [{ path: 'model.onnx', sha256, size: id.length, absolutePath: file }] })
    .then((result) => process.stdout.write(`${JSON.stringify({ version: result.version.version, created: result.created })}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
