/**
 * The team registry's latency: promote, show and list against tools/hub-server (HubModelRegistry
 * through the real @huggingface/hub client, on 127.0.0.1), side by side with the folder registry
 * (the baseline, measured in the same run on the same versions). Also counts the HTTP requests
 * each operation makes, which is what dominates against a remote Hub (multiply by its round trip).
 *
 *   node -r @swc-node/register bench/registry/run.ts [--versions 20] [--rounds 30]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sha256OfBytes } from '../../packages/core/src';
import { FileModelRegistry, HubModelRegistry, type ModelRegistry } from '../../packages/hub/src';
import { startHubServer } from '../../tools/hub-server';

const { values } = parseArgs({ options: { versions: { type: 'string', default: '20' }, rounds: { type: 'string', default: '30' } } });
const VERSIONS = Number(values.versions);
const ROUNDS = Number(values.rounds);
const TOKEN = 'hf_benchWRITEtoken0001';

async function fill(registry: ModelRegistry, root: string): Promise<void> {
  for (let number = 1; number <= VERSIONS; number++) {
    const bytes = randomBytes(64 * 1024);
    const file = join(root, `model-${number}.onnx`);
    writeFileSync(file, bytes);
    const sha256 = sha256OfBytes(bytes);
    await registry.register({
      version: {
        model: 'bench',
        fingerprint: sha256OfBytes(`fingerprint ${number}`),
        artifact: { path: 'model.onnx', sha256, size: bytes.byteLength },
        files: [{ path: 'model.onnx', sha256, size: bytes.byteLength }],
        metrics: { accuracy: 0.9 + number / 1000 },
        gates: {},
        source: { pipeline: 'bench', pushStage: 'bench-push', stageFile: 'x', modelStage: 'bench-train', modelPath: 'm', stages: [], git: null, datasets: [] },
      },
      location: { type: 'local' },
      files: [{ path: 'model.onnx', sha256, size: bytes.byteLength, absolutePath: file }],
    });
  }
}

async function time(label: string, operation: (round: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    await operation(round);
    samples.push(performance.now() - start);
  }
  process.stderr.write(`  ${label}: ${ROUNDS} rounds\n`);
  return samples;
}

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
const p95 = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor(samples.length * 0.95))]!;

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'reproml-bench-registry-'));
  const hub = await startHubServer();
  hub.addToken(TOKEN, 'bench', { orgs: ['acme'] });
  try {
    const folder = new FileModelRegistry(join(root, 'folder'));
    const onHub = new HubModelRegistry({
      namespace: 'acme',
      hubUrl: hub.url,
      allowHttpLocalhost: true,
      token: TOKEN,
      cacheDir: join(root, 'hub-cache'),
      retryBaseMs: 1,
    });
    process.stderr.write(`registering ${VERSIONS} versions in each registry…\n`);
    await fill(folder, root);
    await fill(onHub, root);
    const rows: { operation: string; folder: number[]; hub: number[]; requests: number }[] = [];
    const operations: [string, (registry: ModelRegistry, round: number) => Promise<unknown>][] = [
      [
        'promote (alternating versions to staging)',
        (registry, round) =>
          registry.promote({ model: 'bench', version: (round % VERSIONS) + 1, alias: 'staging', approval: { by: 'bench', reason: `round ${round}` } }),
      ],
      ['show <model> <alias> (getVersion)', (registry) => registry.getVersion('bench', 'staging')],
      ['show <model> (every version)', (registry) => registry.getModel('bench')],
      ['list', (registry) => registry.listModels()],
    ];
    for (const [operation, run] of operations) {
      process.stderr.write(`${operation}\n`);
      const folderSamples = await time('folder', (round) => run(folder, round));
      const before = hub.requests.length;
      // A fresh client per round for reads, like one CLI invocation (no version records cached in memory).
      const hubSamples = await time('hub', (round) =>
        run(
          operation.startsWith('promote')
            ? onHub
            : new HubModelRegistry({ namespace: 'acme', hubUrl: hub.url, allowHttpLocalhost: true, token: TOKEN, cacheDir: join(root, 'hub-cache') }),
          round,
        ),
      );
      rows.push({ operation, folder: folderSamples, hub: hubSamples, requests: (hub.requests.length - before) / ROUNDS });
    }
    const events = (await onHub.audit({ model: 'bench' })).length;
    console.log(`\nregistry latency, ${VERSIONS} versions, ${ROUNDS} rounds each; Hub: hub-server on 127.0.0.1, audit log at ${events} events (ms)\n`);
    console.log('| operation | folder median | folder p95 | Hub median | Hub p95 | Hub / folder | HTTP requests per op |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) {
      console.log(
        `| ${row.operation} | ${median(row.folder).toFixed(2)} | ${p95(row.folder).toFixed(2)} | ${median(row.hub).toFixed(2)} | ${p95(row.hub).toFixed(2)} | ${(median(row.hub) / median(row.folder)).toFixed(1)}× | ${row.requests.toFixed(1)} |`,
      );
    }
  } finally {
    await hub.close();
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
