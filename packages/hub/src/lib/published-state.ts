import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LINEAGE_FILE } from '@reproml/core/layout';
import { type BundleDocumentNames, bundleArtifacts, fingerprintOf, type LineageRecordShape, outputOf, walkLineage } from './bundle-artifacts';
import { registrySetting } from './registry-setting';

// What Nx hashes, besides the files, for a push stage's `run` target (the push kind's
// `stateInput`: `published-state.js` at the package root, called by the plugin's state hasher
// in the nx command's process). Light on purpose: it runs on every hash of a push stage, so it
// loads no zod and no registry class, reads the lineage records as plain JSON and the
// registry's files as bytes.
//
// It returns the same text only while the folder registry already holds these exact
// artifacts: `published <model> v<n> <fingerprint> <sha256 of the registry's log, checkpoint
// and version folders>`. A cache hit on that text means the push would change nothing: the
// bundle is in this exact registry state, whose every change (a new version, a promotion, a
// deleted or restored folder) gives another text. Everything else (artifacts not published
// yet, a registry on the Hub, a missing or unreadable registry, a lineage record that does
// not list a file) returns `unpublished (<why>) <random>`: a hash never seen before, so the
// push runs (a push that creates a version must never be replayed from the cache, since the
// registry's state before it can come back: a deleted or restored registry folder).

/** The probe's arguments, written into the target's metadata at graph time from the validated stage file and the contracts. */
export interface PublishedStateArgs {
  model: string;
  /** Workspace-relative output folders of the model stage and of the metrics stage. */
  modelOutDir: string;
  metricsOutDir?: string;
  modelFile: string;
  documents: BundleDocumentNames;
}

const DOCUMENT_KEYS = ['modelInfo', 'metrics', 'transform'] as const;

/** `key=value` words (no quoting needed: names, stage folders and file names are plain). */
export function publishedStateArgs(args: PublishedStateArgs): string[] {
  return [
    `model=${args.model}`,
    `model-out=${args.modelOutDir}`,
    ...(args.metricsOutDir ? [`metrics-out=${args.metricsOutDir}`] : []),
    `model-file=${args.modelFile}`,
    `documents=${DOCUMENT_KEYS.map((key) => args.documents[key]).join(',')}`,
  ];
}

export function parsePublishedStateArgs(words: readonly string[]): PublishedStateArgs {
  // Words without `=` are not arguments of this probe.
  const values = new Map(words.filter((word) => word.includes('=')).map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]));
  const required = (key: string): string => {
    const value = values.get(key);
    if (!value) throw new Error(`missing ${key}=`);
    return value;
  };
  const documents = required('documents').split(',');
  if (documents.length !== DOCUMENT_KEYS.length) throw new Error('documents= needs three names');
  return {
    model: required('model'),
    modelOutDir: required('model-out'),
    metricsOutDir: values.get('metrics-out'),
    modelFile: required('model-file'),
    documents: { modelInfo: documents[0]!, metrics: documents[1]!, transform: documents[2]! },
  };
}

/** The text Nx hashes (see the top of this file); never throws. */
export function publishedState(workspaceRoot: string, words: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  try {
    const args = parsePublishedStateArgs(words);
    const setting = registrySetting(workspaceRoot, env);
    if (setting.type !== 'folder') return unpublished('the registry is on the Hub: its state is not read when Nx hashes');
    const fingerprint = recordedFingerprint(workspaceRoot, args);
    if (!fingerprint) return unpublished('a bundle file is missing or not in its lineage record');
    const version = publishedVersion(setting.dir, args.model, fingerprint);
    if (version === undefined) return unpublished(`${args.model} ${fingerprint} is not in the registry`);
    return `published ${args.model} v${version} ${fingerprint} registry state ${registryStateHash(setting.dir, args.model)}`;
  } catch (error) {
    return unpublished(error instanceof Error ? error.message : String(error));
  }
}

function unpublished(reason: string): string {
  return `unpublished (${reason.replace(/\s+/g, ' ')}) ${randomUUID()}`;
}

/** The push's fingerprint from the lineage records' sha256 (the push checks the files against the same records). */
function recordedFingerprint(workspaceRoot: string, args: PublishedStateArgs): string | undefined {
  const lineage = walkLineage(args.modelOutDir, args.metricsOutDir, (outDir) => readRecord(workspaceRoot, outDir));
  const files: { path: string; sha256: string }[] = [];
  for (const { node, name, required } of bundleArtifacts(lineage, args.modelFile, args.documents)) {
    if (!existsSync(join(workspaceRoot, node.outDir, name))) {
      if (required) return undefined;
      continue;
    }
    const recorded = outputOf(node, name);
    if (!recorded) return undefined;
    files.push({ path: name, sha256: recorded.sha256 });
  }
  return fingerprintOf(files);
}

function readRecord(workspaceRoot: string, outDir: string): LineageRecordShape {
  const record = JSON.parse(readFileSync(join(workspaceRoot, outDir, LINEAGE_FILE), 'utf8')) as Partial<LineageRecordShape>;
  if (!Array.isArray(record.inputs) || !Array.isArray(record.outputs)) throw new Error(`${outDir}/${LINEAGE_FILE} is not a lineage record`);
  return record as LineageRecordShape;
}

interface LoggedEvent {
  type?: string;
  model?: string;
  version?: number;
  fingerprint?: string;
  location?: { type?: string };
}

/** The version of `model` holding `fingerprint` with a copy in the registry folder, from the audit log (read as it is; the registry verifies it when the push runs). */
function publishedVersion(registryDir: string, model: string, fingerprint: string): number | undefined {
  const log = join(registryDir, 'audit.log');
  if (!existsSync(log)) return undefined;
  const events = readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LoggedEvent);
  const register = events.find((event) => event.type === 'register' && event.model === model && event.fingerprint === fingerprint);
  if (register?.version === undefined) return undefined;
  const local = (event: LoggedEvent) => event.location?.type === 'local';
  const located =
    local(register) || events.some((event) => event.type === 'locate' && event.model === model && event.version === register.version && local(event));
  return located ? register.version : undefined;
}

/** sha256 over the registry's log, checkpoint and legacy state file (bytes, or absent) and the model's version folder names. */
function registryStateHash(registryDir: string, model: string): string {
  const hash = createHash('sha256');
  for (const name of ['audit.log', 'audit.checkpoint', 'state.json']) {
    const path = join(registryDir, name);
    hash.update(`${name}\0`);
    hash.update(existsSync(path) ? readFileSync(path) : 'absent');
    hash.update('\0');
  }
  const versions = join(registryDir, 'models', model, 'versions');
  hash.update(existsSync(versions) ? readdirSync(versions).sort().join('\n') : 'absent');
  return hash.digest('hex');
}
