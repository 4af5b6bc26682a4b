import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  type GitState,
  IntegrityError,
  ProvenanceError,
  readGitState,
  readStageOutput,
  type StageContext,
  StageIOError,
  type StageOutput,
  sha256OfBytes,
  sha256OfFile,
  stableStringify,
  writeFileAtomic,
} from '@reproml/core';
import { sourceEnvironmentFromEnv } from '@reproml/data/source-environment';
import { FEATURE_FILES, metricsOutput, modelInfoOutput } from '@reproml/onnx/contracts';
import type { z } from 'zod';
import { bundleArtifacts, fingerprintOf, outputOf } from './bundle-artifacts';
import { dataChangesSince } from './data-changes';
import type { HubModelRegistry } from './hub-model-registry';
import { MANIFEST_FILE } from './manifest-file';
import { numericMetrics, renderModelCard } from './model-card';
import { collectModelLineage, type ModelLineage, type StageLineage } from './model-lineage';
import type { ModelRegistry } from './model-registry';
import type { DatasetReference, FileEntry, ModelVersion, PushLocation, VersionSource } from './model-version';
import type { PushStageConfig } from './push-stage-config';
import { parsePushTarget } from './push-target';

export const MODEL_CARD_FILE = 'README.md';
export const PUSH_RECEIPT_FILE = 'push.json';

export interface BundleFile extends FileEntry {
  absolutePath: string;
  /** Part of the fingerprint (the model, its metrics and transform), as opposed to lineage, card and manifest. */
  artifact: boolean;
}

export interface RunPushParams {
  context: StageContext;
  config: PushStageConfig;
  /** Workspace-relative output folders of the model (train) and metrics (evaluate) stages. */
  modelOutDir: string;
  metricsOutDir?: string;
  registry: ModelRegistry;
  /** Default: process.env (HF_ENDPOINT, HF_TOKEN, REPROML_HTTP_RETRIES, REPROML_HTTP_RETRY_BASE_MS, REPROML_ALLOW_DIRTY). */
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

export interface PushReceipt {
  model: string;
  version: number;
  /** False when the same artifacts were pushed before: no new version, no upload. */
  created: boolean;
  fingerprint: string;
  artifact: FileEntry;
  target: string;
  location: PushLocation;
  hub?: { commit: string; changed: boolean; createdRepo: boolean };
}

/**
 * The push stage: gathers model.onnx, model.json, metrics.json and transform.json with
 * the lineage record of every stage behind them, checks each against its lineage record,
 * writes the model card and manifest, publishes them to the target, records the version
 * in the registry and writes `push.json` (the receipt) into the stage output.
 */
export async function runPush(params: RunPushParams): Promise<PushReceipt> {
  const { context, config } = params;
  const stage = context.stage;
  const target = parsePushTarget(config.target, { file: stage.file, stage: stage.name });
  const model = config.model ?? stage.pipeline;
  const env = sourceEnvironmentFromEnv(params.env ?? process.env);
  context.progress({ type: 'phase', phase: 'bundle', detail: `model ${model}` });
  const lineage = collectModelLineage({
    workspaceRoot: context.workspaceRoot,
    modelOutDir: params.modelOutDir,
    metricsOutDir: params.metricsOutDir,
    stage: stage.name,
  });
  const artifacts = await artifactFiles(params, lineage);
  const fingerprint = fingerprintOf(artifacts);
  const git = readGitState(context.workspaceRoot, { pathspecs: context.gitPathspecs, hashUncommitted: true }) ?? null;
  await checkCommitted({ params, git, model, fingerprint, target });
  const metricsJson = await readArtifactContract(metricsOutput, artifacts, lineage.metrics, stage.name);
  const modelJson = await readArtifactContract(modelInfoOutput, artifacts, lineage.model, stage.name);
  const modelPath = `${params.modelOutDir}/${config.modelFile}`;
  const lineageFiles = lineage.chain.map((node) => lineageFile(context.workspaceRoot, node));

  const known = await knownVersions(params.registry, model, fingerprint);
  // Artifacts already published are described as they were published: with the commit that built them, not today's HEAD.
  const describedGit = known.same ? known.same.source.git : git;
  const card = renderModelCard({
    model,
    pipeline: stage.pipeline,
    lineage,
    metrics: metricsJson,
    modelInfo: modelJson,
    git: describedGit,
    fingerprint,
    files: [...artifacts, ...lineageFiles].map(({ path, sha256, size }) => ({ path, sha256, size })),
    modelPath,
    tags: config.tags,
    license: config.license,
    dataChanges: dataChangesSince({ workspaceRoot: context.workspaceRoot, lineage, previous: known.previous }),
  });
  const cardFile = await writeOwnFile(context.outDir, MODEL_CARD_FILE, card);
  const manifestFile = await writeOwnFile(
    context.outDir,
    MANIFEST_FILE,
    stableStringify({
      schemaVersion: 1,
      model,
      pipeline: stage.pipeline,
      fingerprint,
      git: describedGit,
      files: [...artifacts, ...lineageFiles].map(({ path, sha256, size }) => ({ path, sha256, size })),
    }),
  );
  const files = [...artifacts, ...lineageFiles, cardFile, manifestFile];
  for (const file of [...artifacts, ...lineageFiles]) await context.recordInput(file.absolutePath, 'push-bundle');

  const version: Omit<ModelVersion, 'version' | 'createdAt' | 'location' | 'schemaVersion'> = {
    model,
    fingerprint,
    artifact: strip(artifacts.find((file) => file.path === config.modelFile)!),
    files: files.map(strip),
    metrics: numericMetrics(metricsJson),
    gates: config.gates,
    source: versionSource({ context, lineage, git, modelPath }),
  };

  let receipt: PushReceipt;
  if (isHubRegistry(params.registry)) {
    // The registry is on the Hub: it publishes the bundle to <namespace>/<model> and records the version there, once.
    const registryRepo = params.registry.repoOf(model);
    if (target.type === 'hub' && target.repo !== registryRepo) {
      throw new ConfigError(
        `The model registry is on the Hub (${params.registry.location}): ${model} is published to hf://${registryRepo}, not ${config.target}`,
        {
          stage: stage.name,
          file: stage.file,
          field: 'target',
          hint: `Set "target" to "registry" (or to hf://${registryRepo}); to publish to another repo, use a folder registry (unset REPROML_REGISTRY).`,
        },
      );
    }
    context.progress({ type: 'phase', phase: 'upload', detail: `hf://${registryRepo}` });
    const registered = await params.registry.register({ version, location: { type: 'local' }, files });
    receipt = receiptOf(registered.version.version, registered.created, version, config.target, registered.version.location);
  } else if (target.type === 'hub') {
    context.progress({ type: 'phase', phase: 'upload', detail: `hf://${target.repo}` });
    // The Hub client loads only for a push to the Hub.
    const { pushToHub } = await import('./hub-push.ts');
    const pushed = await pushToHub({
      hubUrl: env.hubUrl,
      allowHttpLocalhost: env.allowHttpLocalhost,
      location: { file: stage.file, stage: stage.name },
      token: env.hubToken,
      repo: target.repo,
      branch: config.branch,
      private: config.private,
      files: files.map(({ path, absolutePath }) => ({ path, absolutePath })),
      fingerprint,
      commitTitle: `ReproML: ${model} ${fingerprint.slice(0, 12)}${git ? ` from ${git.commit.slice(0, 12)}` : ''}`,
      retries: env.retries,
      retryBaseMs: env.retryBaseMs,
      log: context.log,
      warn: context.warn,
      fetch: params.fetch,
    });
    const location = { type: 'hub' as const, hubUrl: env.hubUrl, repo: target.repo, branch: config.branch, commit: pushed.commit, url: pushed.url };
    // The registry keeps the small files (lineage, metrics, card); the model itself lives on the Hub.
    const kept = files.filter((file) => file.path !== config.modelFile);
    const registered = await params.registry.register({ version, location, files: kept });
    receipt = receiptOf(registered.version.version, registered.created, version, config.target, location);
    receipt.hub = { commit: pushed.commit, changed: pushed.changed, createdRepo: pushed.createdRepo };
  } else {
    context.progress({ type: 'phase', phase: 'register', detail: params.registry.location });
    const registered = await params.registry.register({ version, location: { type: 'local' }, files });
    const location = registered.locations.find((entry) => entry.type === 'local') ?? registered.version.location;
    receipt = receiptOf(registered.version.version, registered.created, version, config.target, location);
  }
  context.log(
    receipt.created
      ? `pushed ${model} v${receipt.version} (model.onnx sha256 ${receipt.artifact.sha256.slice(0, 12)}…) to ${describeLocation(receipt.location)}`
      : `${model} v${receipt.version} already holds these artifacts (fingerprint ${fingerprint.slice(0, 12)}…): no new version`,
  );
  // What was already there is in the log, not in out/: a no-op re-push writes the same bytes as the push that created the version.
  const { created: _created, hub: _hub, ...written } = receipt;
  context.summarize({ model, version: receipt.version, fingerprint });
  await writeFileAtomic(join(context.outDir, PUSH_RECEIPT_FILE), stableStringify(written));
  return receipt;
}

/** A registry on the Hub (`kind: 'hub'` is only ever a HubModelRegistry), told apart without loading the Hub client. */
function isHubRegistry(registry: ModelRegistry): registry is HubModelRegistry {
  return registry.kind === 'hub';
}

/** REPROML_ALLOW_DIRTY=1 (or true): the one-run form of `allowDirty`. */
export function allowDirtyFromEnv(env: NodeJS.ProcessEnv): boolean {
  return /^(1|true|yes)$/i.test(env['REPROML_ALLOW_DIRTY'] ?? '');
}

/**
 * A new version must name a commit that rebuilds it (the files checked are the stage's
 * `gitPathspecs`: what the `run` targets of the push stage and every stage upstream hash,
 * which the executor derives from the same inputs; the whole tree when not given): refuse to push from uncommitted files
 * the model depends on, unless the stage file or the environment allows it (then the record
 * says so). Re-pushing artifacts the local registry already holds records nothing new, so
 * it stays a no-op either way.
 */
async function checkCommitted(args: {
  params: RunPushParams;
  git: GitState | null;
  model: string;
  fingerprint: string;
  target: ReturnType<typeof parsePushTarget>;
}): Promise<void> {
  const { params, git } = args;
  if (!git?.dirty) return;
  const files = git.uncommitted?.files ?? [];
  const listed = `${files.slice(0, 20).join(', ')}${files.length > 20 ? ` and ${files.length - 20} more` : ''}`;
  if (params.config.allowDirty || allowDirtyFromEnv(params.env ?? process.env)) {
    params.context.warn(
      `${args.model} depends on uncommitted files (${listed}); allowed (allowDirty / REPROML_ALLOW_DIRTY): a new version is recorded as dirty (content sha256 ${git.uncommitted?.sha256.slice(0, 12)}…), since commit ${git.commit.slice(0, 12)} alone does not rebuild it`,
    );
    return;
  }
  if (args.target.type === 'registry' && (await registryHolds(params.registry, args.model, args.fingerprint))) return;
  throw new ProvenanceError(
    `Refusing to push ${args.model}: ${files.length} file(s) it depends on are not committed (${listed}), so commit ${git.commit.slice(0, 12)} would not rebuild it`,
    {
      stage: params.context.stage.name,
      file: files[0],
      hint: `Commit them (git add ${files.length <= 5 ? files.join(' ') : '<files>'} && git commit), then rerun the push. To publish an experiment anyway, set "allowDirty": true in ${params.context.stage.file} or REPROML_ALLOW_DIRTY=1: the version is then recorded as dirty with a hash of the uncommitted content.`,
    },
  );
}

async function registryHolds(registry: ModelRegistry, model: string, fingerprint: string): Promise<boolean> {
  const models = await registry.listModels();
  if (!models.some((entry) => entry.name === model)) return false;
  const state = await registry.getModel(model);
  return state.versions.some((version) => version.fingerprint === fingerprint && version.locations.some((location) => location.type === 'local'));
}

export function describeLocation(location: PushLocation): string {
  return location.type === 'hub' ? `hf://${location.repo}@${location.commit.slice(0, 12)}` : `the registry (${location.path})`;
}

function receiptOf(
  number: number,
  created: boolean,
  version: { model: string; fingerprint: string; artifact: FileEntry },
  target: string,
  location: PushLocation,
): PushReceipt {
  return { model: version.model, version: number, created, fingerprint: version.fingerprint, artifact: version.artifact, target, location };
}

/** The files that define the version (bundle-artifacts.ts chooses them), each checked against its lineage record. */
async function artifactFiles(params: RunPushParams, lineage: ModelLineage): Promise<BundleFile[]> {
  const files: BundleFile[] = [];
  const names = { modelInfo: modelInfoOutput.file, metrics: metricsOutput.file, transform: FEATURE_FILES.transform };
  for (const { node: stage, name, required } of bundleArtifacts(lineage, params.config.modelFile, names)) {
    const absolutePath = join(params.context.workspaceRoot, stage.outDir, name);
    if (!existsSync(absolutePath)) {
      if (!required) continue;
      throw new StageIOError(`${stage.outDir}/${name} does not exist`, {
        stage: params.context.stage.name,
        file: `${stage.outDir}/${name}`,
        hint: `Check "modelFile" in ${params.context.stage.file} and run ${stage.record.stage.name} first.`,
      });
    }
    const sha256 = await sha256OfFile(absolutePath);
    const recorded = outputOf(stage, name);
    if (recorded && recorded.sha256 !== sha256) {
      throw new IntegrityError(`${stage.outDir}/${name} does not match its lineage record (sha256 ${sha256}, recorded ${recorded.sha256})`, {
        stage: params.context.stage.name,
        file: `${stage.outDir}/${name}`,
        hint: `The file was changed after ${stage.record.stage.name} ran; rerun it (nx run ${stage.record.stage.name}:run --skip-nx-cache).`,
      });
    }
    files.push({ path: name, absolutePath, sha256, size: recorded?.size ?? readFileSync(absolutePath).byteLength, artifact: true });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

export { fingerprintOf } from './bundle-artifacts';

function lineageFile(workspaceRoot: string, node: StageLineage): BundleFile {
  const absolutePath = join(workspaceRoot, node.outDir, 'lineage.json');
  const bytes = readFileSync(absolutePath);
  return { path: `lineage/${node.record.stage.name}.json`, absolutePath, sha256: sha256OfBytes(bytes), size: bytes.byteLength, artifact: false };
}

async function writeOwnFile(outDir: string, name: string, text: string): Promise<BundleFile> {
  const absolutePath = join(outDir, name);
  await writeFileAtomic(absolutePath, text);
  return { path: name, absolutePath, sha256: sha256OfBytes(text), size: Buffer.byteLength(text), artifact: false };
}

/** An upstream document among the artifacts, read through the contract of the kind that wrote it (a mismatch names the file and field). */
async function readArtifactContract<S extends z.ZodType>(
  output: StageOutput<S>,
  artifacts: readonly BundleFile[],
  node: StageLineage | undefined,
  stage: string,
): Promise<z.output<S> | undefined> {
  const artifact = artifacts.find((file) => file.path === output.file);
  if (!artifact || !node) return undefined;
  return readStageOutput(output, artifact.absolutePath, `${node.outDir}/${output.file}`, stage);
}

function strip(file: BundleFile): FileEntry {
  return { path: file.path, sha256: file.sha256, size: file.size };
}

function versionSource(params: { context: StageContext; lineage: ModelLineage; git: GitState | null; modelPath: string }): VersionSource {
  const { context, lineage } = params;
  return {
    pipeline: context.stage.pipeline,
    pushStage: context.stage.name,
    stageFile: context.stage.file,
    modelStage: lineage.model.record.stage.name,
    modelPath: params.modelPath,
    stages: lineage.chain.map((node) => ({ name: node.record.stage.name, kind: node.record.stage.kind, file: node.record.stage.file })),
    git: params.git,
    datasets: lineage.datasets,
  };
}

/**
 * The version holding these artifacts (`same`, when they were pushed before) and the version
 * the card's data changes compare with (`previous`): the one before `same` (so re-pushing
 * renders the same card), else the newest; null before the model's first version.
 */
async function knownVersions(
  registry: ModelRegistry,
  model: string,
  fingerprint: string,
): Promise<{ same?: ModelVersion; previous: { version: number; datasets: DatasetReference[] } | null }> {
  if (!(await registry.listModels()).some((entry) => entry.name === model)) return { previous: null };
  const versions = (await registry.getModel(model)).versions;
  const index = versions.findIndex((version) => version.fingerprint === fingerprint);
  const previous = index >= 0 ? versions[index - 1] : versions[versions.length - 1];
  return { same: index >= 0 ? versions[index] : undefined, previous: previous ? { version: previous.version, datasets: previous.source.datasets } : null };
}
