import type { z } from 'zod';
import type { FoldSpec } from './cross-validation';
import type { StageContext } from './run-stage';
import type { StageOutput } from './stage-output';
import type { UpstreamStage } from './upstream-stage';

/** `run` target metadata flag the plugin sets on a stage whose kind has a `stateInput` (its effect is outside the workspace): `reproml verify` leaves such stages out. */
export const EXTERNAL_EFFECT_METADATA = 'reproml.externalEffect';

/** Marks an object made by `defineStageKind`, across copies of this package (a third-party kind may bring its own). */
export const STAGE_KIND_BRAND = Symbol.for('reproml.stage-kind');

/** One named upstream input of a kind: `inputs.<name>` in the stage file. */
export interface StageInputSpec {
  /** What the input is for, shown in errors and docs. */
  description: string;
  /** Default true: the stage file must name it. */
  required?: boolean;
  /** Kinds the upstream stage may have; omit to accept any kind that writes what `reads` names. */
  kinds?: readonly string[];
  /** Documents this kind reads from the upstream `out/`: the upstream kind must declare each in its `outputs`. */
  reads?: readonly StageOutput[];
}

/** What a kind's `run` gets: the stage context of `runStage` plus its folder and upstream stages. */
export interface StageRunContext extends StageContext {
  /** Absolute folder of the stage (where its stage file is). */
  readonly stageDir: string;
  /** Every upstream stage the stage file names, by input name. */
  readonly inputs: Readonly<Record<string, UpstreamStage>>;
  /** The upstream stage named `inputs.<name>`; a ConfigError naming the field when the stage file lacks it. */
  input(name: string): UpstreamStage;
  /** Set in a cross-validation fold's project (a kind with a `sweep` spec and `crossValidation` in its schema). */
  readonly fold?: FoldSpec;
}

/** What an extra (uncached) target of a kind gets, e.g. `lock` of a pull stage. */
export interface StageTargetContext {
  readonly stage: StageContext['stage'];
  readonly workspaceRoot: string;
  readonly stageDir: string;
  readonly progress: StageContext['progress'];
  /** Options given on the command line besides the stage file (`nx run p-data:lock --message "…"`). */
  readonly options: Readonly<Record<string, unknown>>;
  log(message: string): void;
  warn(message: string): void;
  /** Asks one question when a person is at a terminal; undefined in CI, pipes and non-interactive runs. */
  ask(question: string): Promise<string | undefined>;
}

export interface StageTargetSpec<Config> {
  description: (stageName: string) => string;
  run(context: StageTargetContext, config: Config): Promise<void>;
}

/**
 * A kind whose stage files may declare `sweep` (its schema has a `sweep: sweepConfigSchema`
 * field): each point is a project of its own running the kind's `run`; the stage's own
 * project ranks the points by these metrics and copies the winner's artifacts.
 */
export interface StageSweepSpec {
  /** Metrics a point reports that a sweep may select by, each with the direction that is better. */
  metrics: Readonly<Record<string, 'min' | 'max'>>;
  /** Contracts of a point's `out/` the scores are read from, validated on read (recorded in the selection's lineage). */
  scoreFiles: readonly StageOutput[];
  /** A point's metrics, from its score files (each parsed through its contract, by file name). */
  scores(documents: Readonly<Record<string, unknown>>): Record<string, number>;
  /** Files of the winning point's `out/` copied into the stage's `out/`: what downstream stages read. */
  artifacts: readonly string[];
}

/** Everything ReproML needs to know about a stage kind; the plugin derives the rest. */
export interface StageKindSpec<S extends z.ZodObject, Config = z.output<S>> {
  /** The `kind` of its stage files. */
  name: string;
  description: string;
  /** The whole stage file (strict; `kind: z.literal(name)` and `stageBaseShape`): validation and the JSON schema. */
  schema: S;
  /** Named upstream inputs, checked at graph time. */
  inputs: Readonly<Record<string, StageInputSpec>>;
  /** True when the stage file may name inputs beyond `inputs` (any kind), e.g. a script's or predict's data file. */
  openInputs?: boolean;
  /** Documents the kind writes into `out/` that other kinds read (the contracts). */
  outputs?: readonly StageOutput[];
  /**
   * True for a kind whose outputs are whatever user code writes (script): any input accepts
   * it at graph time, and what is read from it is checked against the contract when read.
   */
  openOutputs?: boolean;
  /**
   * npm packages besides the kind's own whose code or version can change its artifacts:
   * hashed (workspace packages as files, others as external dependencies) and recorded in lineage.
   */
  packages: readonly string[];
  /**
   * True for a kind that runs user code which may import any installed npm package (script):
   * strict mode lets it read all of `node_modules`, so its `run` target hashes the workspace's
   * lockfile, which pins every installed package, instead of a list it cannot know.
   */
  importsAnyPackage?: boolean;
  /** False for a kind whose `run` must execute every time: a cache hit would report work that never happened here. Default: true. */
  cache?: boolean;
  /**
   * For a kind whose effect lives outside `out/` (push: a model registry), what makes a cache
   * hit honest: a module of the kind's package (`module`, relative to the package folder)
   * exporting `stateText(workspaceRoot, args, env): string`, which Nx's hasher of the stage
   * (the plugin's `stage-with-state` executor) calls on every command, after the upstream tasks
   * ran; its text is part of the `run` target's hash. It must return the same text only while
   * the outside state already holds what the stage would produce (then `run` would change
   * nothing there), and a new text each time otherwise, so the run executes. Keep the module
   * light: it loads in the nx command's process. A stage with one is also left out of `reproml
   * verify`'s scratch reruns (its effect is outside the copy). Undefined for a stage whose
   * outside state cannot be read cheaply (push to a Hub repo): its `run` is not cached at all.
   */
  stateInput?: (config: Config, stage: { pipeline: string }) => { module: string; args: readonly string[] } | undefined;
  /** True when the kind's artifacts include upstream lineage records (push bundles them): they are hashed with the upstream outputs, which other kinds leave out for early cutoff. */
  hashesUpstreamLineage?: boolean;
  /** Extra uncached targets of the kind's projects, e.g. `lock`. */
  extraTargets?: Readonly<Record<string, StageTargetSpec<Config>>>;
  /** Workspace-relative files outside the stage folder the config names as sources (a pull stage's local datasets): hashed and readable. */
  sources?: (config: Config) => string[];
  /** Absolute paths inside the workspace the kind may read besides its declared inputs in strict mode (state it owns, not inputs). */
  extraReadPaths?: (workspaceRoot: string) => string[];
  /** Absolute paths inside the workspace holding state the kind owns (push: the registry): readable and writable in strict mode, besides its output folder. */
  ownedPaths?: (workspaceRoot: string) => string[];
  /** Set when the kind's stage files may declare a `sweep` (see StageSweepSpec). */
  sweep?: StageSweepSpec;
  /** The kind's work, typed from the schema. Load heavy modules inside it (`require('./lib/run-x') as typeof import('./lib/run-x')`), not at the top of the kind's module: the plugin loads every kind module to build the project graph. */
  run(context: StageRunContext, config: Config): Promise<void>;
}

export interface StageKind<S extends z.ZodObject = z.ZodObject, Config = z.output<S>> extends Readonly<StageKindSpec<S, Config>> {
  readonly cache: boolean;
  readonly outputs: readonly StageOutput[];
  readonly openInputs: boolean;
  readonly openOutputs: boolean;
  readonly extraTargets: Readonly<Record<string, StageTargetSpec<Config>>>;
  readonly [STAGE_KIND_BRAND]: true;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds kinds of every config type
export type AnyStageKind = StageKind<z.ZodObject, any>;

/** Declares a stage kind. Export it from a light module of its package (see README, "Writing a stage kind"). */
export function defineStageKind<S extends z.ZodObject>(spec: StageKindSpec<S>): StageKind<S> {
  return {
    ...spec,
    cache: spec.cache ?? true,
    outputs: spec.outputs ?? [],
    openInputs: spec.openInputs ?? false,
    openOutputs: spec.openOutputs ?? false,
    extraTargets: spec.extraTargets ?? {},
    [STAGE_KIND_BRAND]: true,
  };
}

export function isStageKind(value: unknown): value is AnyStageKind {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[STAGE_KIND_BRAND] === true;
}
