// Child process for the crash-safety test: runs one registry change and kills itself with
// SIGKILL (no cleanup, no finally blocks) at the named step.
import { FileModelRegistry, type RegistryStep } from '../lib/file-model-registry';

const [registryDir, crashAt, action] = process.argv.slice(2) as [string, RegistryStep, string];
const registry = new FileModelRegistry(registryDir, {
  onStep: (step) => {
    if (step === crashAt) process.kill(process.pid, 'SIGKILL');
  },
});
if (action === 'promote') {
  void registry.promote({ model: 'demo', version: 2, alias: 'production', approval: { by: 'carol', reason: 'CHG-2' } });
}
