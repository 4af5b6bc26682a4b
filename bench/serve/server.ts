/**
 * One `@reproml/serve` server in its own process for bench/serve: argv[2] = registry folder,
 * argv[3] = JSON serve options. Prints the URL, drains on SIGTERM.
 */
import { FileModelRegistry } from '../../packages/hub/src';
import { registryModelSource, serveUntilSignal, startInferenceServer } from '../../packages/serve/src';
import { FIXTURE_MODEL } from '../../packages/serve/src/testing/served-model-fixture';

async function main(): Promise<void> {
  const registry = new FileModelRegistry(process.argv[2]!);
  const server = await startInferenceServer({
    source: registryModelSource({ registry, name: FIXTURE_MODEL, selector: 'production' }),
    options: JSON.parse(process.argv[3] ?? '{}'),
  });
  console.log(`listening at ${server.url}`);
  await serveUntilSignal(server, () => {});
  process.exit(0);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
