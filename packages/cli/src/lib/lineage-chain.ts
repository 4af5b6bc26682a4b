import { existsSync, readFileSync } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import {
  diffEnvironment,
  type EnvironmentChange,
  type InputArtifact,
  LINEAGE_FILE,
  type LineageRecord,
  lineageRecordSchema,
  parseConfig,
  ReproError,
  type RunMetadata,
  runMetadataSchema,
  sha256OfFile,
} from '@reproml/core';
import { currentEnvironment } from './current-environment';
import { type StageLocation, stageOfArtifact } from './stage-layout';

export interface LineageInput extends InputArtifact {
  /** The upstream stage that produced this input, when it came from one. */
  upstream?: LineageNode;
  /** False when the upstream stage's recorded output no longer has the sha256 this stage read. */
  consistent: boolean;
}

export interface LineageNode {
  location: StageLocation;
  record: Omit<LineageRecord, 'inputs'>;
  inputs: LineageInput[];
  /** The last real execution of the stage on this machine, when known. */
  lastRun?: RunMetadata;
  environmentChanges: EnvironmentChange[];
}

export interface LineageChain {
  /** Where the chain was read from, when not the workspace: a registry version and the commit it was pushed from. */
  origin?: { model: string; version: number; git?: { commit: string; dirty: boolean } };
  /** The artifact asked about, when the question was a file. */
  artifact?: { path: string; sha256: string; recordedSha256?: string; matchesRecord: boolean };
  root: LineageNode;
}

/** Where lineage records come from: the workspace's `out/` folders, or a registry version's bundle. */
export interface LineageRecordSource {
  /** Workspace-relative (or bundle-relative) path of the stage's record, for messages. */
  describe(location: StageLocation): string;
  read(location: StageLocation): unknown | undefined;
  /** The stage's last real run, where this source knows it. */
  lastRun(location: StageLocation): RunMetadata | undefined;
}

export function workspaceRecords(workspaceRoot: string): LineageRecordSource {
  const file = (location: StageLocation) => `${location.outDir}/${LINEAGE_FILE}`;
  return {
    describe: file,
    read: (location) => {
      const path = join(workspaceRoot, file(location));
      return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
    },
    lastRun: (location) => readLastRun(workspaceRoot, location.project),
  };
}

/** The records a push bundled with a model version: `lineage/<project>.json`. */
export function bundledRecords(lineageDir: string): LineageRecordSource {
  const file = (location: StageLocation) => join(lineageDir, `${location.project}.json`);
  return {
    describe: file,
    read: (location) => (existsSync(file(location)) ? JSON.parse(readFileSync(file(location), 'utf8')) : undefined),
    // This machine's runs say nothing about the run that produced a pushed version.
    lastRun: () => undefined,
  };
}

export interface BuildChainFromStageParams {
  workspaceRoot: string;
  /** The stage whose record is the root of the chain. */
  location: StageLocation;
  records: LineageRecordSource;
  /** The artifact asked about: its path inside the stage's out/ and where its bytes are now. */
  artifact?: { label: string; fileInOut: string; absolutePath: string };
}

/** The chain from one stage's record back to the raw data, reading records from `records`. */
export async function buildChainFromStage(params: BuildChainFromStageParams): Promise<LineageChain> {
  const root = await loadNode(params.workspaceRoot, params.location, new Map(), params.records);
  if (!params.artifact) return { root };
  const { label, fileInOut, absolutePath } = params.artifact;
  if (!existsSync(absolutePath)) {
    throw new ReproError(`Artifact ${label} does not exist`, {
      file: label,
      hint: `Run the stage first: nx run ${params.location.project}:run`,
    });
  }
  const sha256 = await sha256OfFile(absolutePath);
  const recordedSha256 = root.record.outputs.find((output) => output.path === fileInOut)?.sha256;
  return { artifact: { path: label, sha256, recordedSha256, matchesRecord: recordedSha256 === sha256 }, root };
}

/** The chain from an artifact (or a stage's output folder) back to the raw data. */
export async function buildLineageChain(workspaceRoot: string, target: string): Promise<LineageChain> {
  const workspacePath = toWorkspacePath(workspaceRoot, target);
  const location = stageOfArtifact(workspacePath);
  if (!location) {
    throw new ReproError(`'${target}' is not inside a stage's output folder`, {
      file: workspacePath,
      hint: 'Name an artifact such as pipelines/<pipeline>/<stage>/out/model.onnx, or a stage output folder.',
    });
  }
  const fileInOut = workspacePath.slice(location.outDir.length + 1);
  return buildChainFromStage({
    workspaceRoot,
    location,
    records: workspaceRecords(workspaceRoot),
    artifact: fileInOut ? { label: workspacePath, fileInOut, absolutePath: join(workspaceRoot, workspacePath) } : undefined,
  });
}

async function loadNode(workspaceRoot: string, location: StageLocation, cache: Map<string, LineageNode>, records: LineageRecordSource): Promise<LineageNode> {
  const cached = cache.get(location.project);
  if (cached) return cached;
  const file = records.describe(location);
  const value = records.read(location);
  if (value === undefined) {
    throw new ReproError(`Stage ${location.project} has no lineage record (${file})`, {
      stage: location.project,
      file,
      hint: `Run it first: nx run ${location.project}:run`,
    });
  }
  const record = parseConfig({ schema: lineageRecordSchema, value, file, stage: location.project });
  const environment = currentEnvironment(workspaceRoot, Object.keys(record.environment.packages));
  const { inputs, ...rest } = record;
  const node: LineageNode = {
    location,
    record: rest,
    inputs: [],
    lastRun: records.lastRun(location),
    environmentChanges: diffEnvironment(record.environment, environment),
  };
  cache.set(location.project, node);
  for (const input of inputs) node.inputs.push(await linkInput(workspaceRoot, input, cache, records));
  return node;
}

async function linkInput(workspaceRoot: string, input: InputArtifact, cache: Map<string, LineageNode>, records: LineageRecordSource): Promise<LineageInput> {
  const upstreamLocation = stageOfArtifact(input.path);
  if (!upstreamLocation) return { ...input, consistent: true };
  const upstream = await loadNode(workspaceRoot, upstreamLocation, cache, records);
  const fileInOut = input.path.slice(upstreamLocation.outDir.length + 1);
  const produced = upstream.record.outputs.find((output) => output.path === fileInOut);
  return { ...input, upstream, consistent: produced?.sha256 === input.sha256 };
}

function readLastRun(workspaceRoot: string, project: string): RunMetadata | undefined {
  const path = join(workspaceRoot, '.reproml', 'runs', project, 'last-run.json');
  if (!existsSync(path)) return undefined;
  const parsed = runMetadataSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

function toWorkspacePath(workspaceRoot: string, target: string): string {
  const absolute = resolve(target);
  const inside = relative(workspaceRoot, absolute);
  const path = inside.startsWith('..') ? target : inside;
  return path.split(sep).join(posix.sep).replace(/\/$/, '');
}
