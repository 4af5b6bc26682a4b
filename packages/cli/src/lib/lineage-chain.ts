import { existsSync, readFileSync } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import {
  diffEnvironment,
  lineageRecordSchema,
  LINEAGE_FILE,
  parseConfig,
  ReproError,
  runMetadataSchema,
  sha256OfFile,
  type EnvironmentChange,
  type InputArtifact,
  type LineageRecord,
  type RunMetadata,
} from '@reproml/core';
import { currentEnvironment } from './current-environment';
import { stageOfArtifact, type StageLocation } from './stage-layout';

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
  /** The artifact asked about, when the question was a file. */
  artifact?: { path: string; sha256: string; recordedSha256?: string; matchesRecord: boolean };
  root: LineageNode;
}

/** The chain from an artifact (or a stage's output folder) back to the raw data. */
export async function buildLineageChain(workspaceRoot: string, target: string): Promise<LineageChain> {
  const workspacePath = toWorkspacePath(workspaceRoot, target);
  const location = stageOfArtifact(workspacePath.endsWith('/out') ? workspacePath : workspacePath);
  if (!location) {
    throw new ReproError(`'${target}' is not inside a stage's output folder`, {
      file: workspacePath,
      hint: 'Name an artifact such as pipelines/<pipeline>/<stage>/out/model.onnx, or a stage output folder.',
    });
  }
  const cache = new Map<string, LineageNode>();
  const root = await loadNode(workspaceRoot, location, cache);
  const fileInOut = workspacePath.slice(location.outDir.length + 1);
  if (!fileInOut) return { root };
  const absolute = join(workspaceRoot, workspacePath);
  if (!existsSync(absolute)) {
    throw new ReproError(`Artifact ${workspacePath} does not exist`, {
      file: workspacePath,
      hint: `Run the stage first: nx run ${location.project}:run`,
    });
  }
  const sha256 = await sha256OfFile(absolute);
  const recordedSha256 = root.record.outputs.find((output) => output.path === fileInOut)?.sha256;
  return { artifact: { path: workspacePath, sha256, recordedSha256, matchesRecord: recordedSha256 === sha256 }, root };
}

async function loadNode(workspaceRoot: string, location: StageLocation, cache: Map<string, LineageNode>): Promise<LineageNode> {
  const cached = cache.get(location.project);
  if (cached) return cached;
  const file = `${location.outDir}/${LINEAGE_FILE}`;
  if (!existsSync(join(workspaceRoot, file))) {
    throw new ReproError(`Stage ${location.project} has no lineage record (${file})`, {
      stage: location.project,
      file,
      hint: `Run it first: nx run ${location.project}:run`,
    });
  }
  const record = parseConfig({ schema: lineageRecordSchema, value: JSON.parse(readFileSync(join(workspaceRoot, file), 'utf8')), file, stage: location.project });
  const environment = currentEnvironment(workspaceRoot, Object.keys(record.environment.packages));
  const { inputs, ...rest } = record;
  const node: LineageNode = {
    location,
    record: rest,
    inputs: [],
    lastRun: readLastRun(workspaceRoot, location.project),
    environmentChanges: diffEnvironment(record.environment, environment),
  };
  cache.set(location.project, node);
  for (const input of inputs) node.inputs.push(await linkInput(workspaceRoot, input, cache));
  return node;
}

async function linkInput(workspaceRoot: string, input: InputArtifact, cache: Map<string, LineageNode>): Promise<LineageInput> {
  const upstreamLocation = stageOfArtifact(input.path);
  if (!upstreamLocation) return { ...input, consistent: true };
  const upstream = await loadNode(workspaceRoot, upstreamLocation, cache);
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
