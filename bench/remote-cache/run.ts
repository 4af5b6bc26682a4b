/**
 * bench/remote-cache: what the team cache saves, measured side by side in one run.
 *   node -r @swc-node/register bench/remote-cache/run.ts [--rounds 3] [--mb 100]
 * See README.md in this folder.
 */
import { copyFileSync, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { CacheServerProcess, READ_WRITE_TOKEN } from '../../test/support/cache-server-process';
import { TempWorkspace, taskOutcomes, tasksFromRemoteCache } from '../../test/support/temp-workspace';

const MIB = 1024 * 1024;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timed<T>(work: () => T): { result: T; seconds: number } {
  const started = performance.now();
  const result = work();
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** Cacheable `run` projects of one pipeline (push stages run every time, so they are left out). */
function cacheableProjects(workspace: TempWorkspace, pipeline: string): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'reproml-graph-')), 'graph.json');
  workspace.nxOk(['graph', `--file=${file}`]);
  const nodes: Record<string, { data: { tags?: string[]; targets?: Record<string, { cache?: boolean }> } }> = JSON.parse(readFileSync(file, 'utf8')).graph
    .nodes;
  rmSync(dirname(file), { recursive: true });
  return Object.entries(nodes)
    .filter(([, node]) => node.data.tags?.includes(`pipeline:${pipeline}`) && node.data.targets?.run?.cache)
    .map(([name]) => name)
    .sort();
}

/** A script stage writing `mb` MiB of incompressible bytes (xorshift, fixed seed): one big artifact. */
function writeBigArtifactStage(workspace: TempWorkspace, mb: number): void {
  workspace.write('pipelines/bench/big/stage.json', { kind: 'script', script: 'big.ts', params: { mb } });
  workspace.write(
    'pipelines/bench/big/big.ts',
    `import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export default async function big(stage: any): Promise<void> {
  const bytes = Buffer.alloc(stage.params.mb * 1024 * 1024);
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  let x = 2463534242;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    words[i] = x;
  }
  writeFileSync(join(stage.outDir, 'artifact.bin'), bytes);
}
`,
  );
}

/** GET streamed straight to a file, as a restoring client would (no whole-body buffer). */
async function downloadRecord(url: string, target: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    get(url, { headers: { Authorization: `Bearer ${READ_WRITE_TOKEN}` } }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`GET ${url}: ${response.statusCode}`));
      pipeline(response, createWriteStream(target)).then(resolve, reject);
    }).on('error', reject);
  });
}

async function main(): Promise<void> {
  const rounds = option('rounds', 3);
  const mb = option('mb', 100);
  const benchDir = mkdtempSync(join(tmpdir(), 'reproml-bench-cache-'));
  const server = await CacheServerProcess.start({ dir: join(benchDir, 'store'), logFile: join(benchDir, 'access.log') });
  const remote = server.nxEnv(READ_WRITE_TOKEN);
  const clones: TempWorkspace[] = [];
  try {
    // Clone A: the colleague (or CI) who trained everything once and uploaded it.
    const origin = TempWorkspace.create({ label: 'bench-cache-a', pipelines: ['penguins'] });
    clones.push(origin);
    writeBigArtifactStage(origin, mb);
    origin.commitAll('bench stages');
    const penguins = cacheableProjects(origin, 'penguins');
    const runPenguins = ['run-many', '-t', 'run', '-p', penguins.join(','), '--output-style=stream'];
    const runBig = ['run', 'bench-big:run', '--output-style=stream'];
    origin.nxOk(runPenguins, remote);
    origin.nxOk(runBig, remote);

    console.log(`bench/remote-cache: ${rounds} rounds, penguins stages: ${penguins.join(', ')}`);
    const restore: number[] = [];
    const compute: number[] = [];
    const bigRestore: number[] = [];
    const bigLocal: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Clone B: a fresh clone with an empty local cache.
      const clone = TempWorkspace.cloneFrom(origin, { label: 'bench-cache-b' });
      clones.push(clone);
      const restored = timed(() => clone.nxOk(runPenguins, remote));
      if (tasksFromRemoteCache(restored.result).length !== penguins.length) throw new Error(`not all remote hits:\n${restored.result}`);
      restore.push(restored.seconds);
      const computed = timed(() => clone.nxOk([...runPenguins, '--skip-nx-cache'], { NX_SKIP_REMOTE_CACHE: 'true' }));
      if (taskOutcomes(computed.result).executed.length !== penguins.length) throw new Error(`not all executed:\n${computed.result}`);
      compute.push(computed.seconds);
      const big = timed(() => clone.nxOk(runBig, remote));
      if (tasksFromRemoteCache(big.result).length !== 1) throw new Error(`big artifact not restored remotely:\n${big.result}`);
      bigRestore.push(big.seconds);
      // The same restore from the local cache: what nx itself costs (startup, untar, copy).
      rmSync(clone.path('pipelines/bench/big/out'), { recursive: true });
      const local = timed(() => clone.nxOk(runBig));
      if (!/\[local cache\]/.test(local.result)) throw new Error(`big artifact not restored locally:\n${local.result}`);
      bigLocal.push(local.seconds);
      clone.remove();
      clones.pop();
    }

    // The same artifact with no cache and no nx: one plain file copy on the same disk.
    const artifact = origin.path('pipelines/bench/big/out/artifact.bin');
    const bytes = statSync(artifact).size;
    const copies: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const target = join(benchDir, `copy-${round}.bin`);
      copies.push(timed(() => copyFileSync(artifact, target)).seconds);
      rmSync(target);
    }

    // The HTTP part alone: GET of the same record (verify + stream), body written to disk.
    const record = server.accessLog().find((entry) => entry.method === 'PUT' && entry.status === 200 && entry.bytesIn > bytes / 2);
    const gets: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      await downloadRecord(`${server.url}/v1/cache/${record!.hash}`, join(benchDir, 'get.bin'));
      gets.push((performance.now() - started) / 1000);
    }

    const mbOf = (seconds: number) => bytes / MIB / seconds;
    const pipelineRestore = median(restore);
    const pipelineCompute = median(compute);
    console.log(`pipeline (${penguins.length} stages), fresh clone, median of ${rounds}:`);
    console.log(`  restore from the remote cache : ${pipelineRestore.toFixed(2)} s`);
    console.log(`  run with --skip-nx-cache      : ${pipelineCompute.toFixed(2)} s`);
    console.log(`  ratio run / restore           : ${(pipelineCompute / pipelineRestore).toFixed(2)}x`);
    console.log(`${(bytes / MIB).toFixed(0)} MiB artifact (incompressible; record ${(record!.bytesIn / MIB).toFixed(1)} MiB gzip tar), median of ${rounds}:`);
    console.log(
      `  nx restore from remote cache  : ${median(bigRestore).toFixed(2)} s = ${mbOf(median(bigRestore)).toFixed(0)} MB/s (whole nx command, startup included)`,
    );
    console.log(`  nx restore from local cache   : ${median(bigLocal).toFixed(2)} s = ${mbOf(median(bigLocal)).toFixed(0)} MB/s (same command, baseline)`);
    console.log(`  GET of the record (HTTP only) : ${median(gets).toFixed(2)} s = ${mbOf(median(gets)).toFixed(0)} MB/s`);
    console.log(`  plain file copy, same disk    : ${median(copies).toFixed(3)} s = ${mbOf(median(copies)).toFixed(0)} MB/s`);
    console.log(`  ratio nx restore / copy       : ${(mbOf(median(bigRestore)) / mbOf(median(copies))).toFixed(3)}x`);
    console.log(`  ratio nx remote / nx local    : ${(mbOf(median(bigRestore)) / mbOf(median(bigLocal))).toFixed(3)}x`);
    console.log(`  ratio GET / copy              : ${(mbOf(median(gets)) / mbOf(median(copies))).toFixed(3)}x`);
  } finally {
    await server.stop();
    for (const clone of clones) clone.remove();
    rmSync(benchDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
