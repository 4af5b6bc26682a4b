import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { foldRunJournal } from './fold-run-journal';
import { checkNotNewer, migrate, schemaVersion } from './migrations';
import { PostgresConnection } from './postgres-connection';
import { runFingerprint } from './run-fingerprint';
import { runJournalPending } from './run-journal';
import type { RunRecord, RunSummary, StoredRun } from './run-record';
import { describeStoreFailure, RunStoreError } from './run-store-error';
import type { SqlConnection, SqlValue } from './sql-connection';
import { SqliteConnection } from './sqlite-connection';
import { describeTrackingLocation, type TrackingLocation } from './tracking-location';

/** The better-sqlite3 module, for code that needs the raw driver (tests holding a lock). */
export type SqliteDriver = typeof import('better-sqlite3');

export interface OpenRunStoreParams {
  /** Where the store is; `path` is shorthand for a SQLite file. */
  location?: TrackingLocation;
  path?: string;
  /** Open an existing store for reading only (the CLI and the report); fails if there is none. */
  readonly?: boolean;
  /** SQLite: how long a write waits for another process's lock. Default: REPROML_TRACKING_BUSY_TIMEOUT_MS or 3000. */
  busyTimeoutMs?: number;
  /** PostgreSQL: how long connecting may take. Default: REPROML_TRACKING_CONNECT_TIMEOUT_MS or 3000. */
  connectTimeoutMs?: number;
  /** PostgreSQL: a bound on each query (default: none; recording sets one). */
  queryTimeoutMs?: number;
}

export interface RunFilter {
  pipeline?: string;
  /** Stage folder name (`train`) or project name (`penguins-train`). */
  stage?: string;
  tag?: string;
  origin?: 'executed' | 'cache';
  status?: 'succeeded' | 'failed';
  gitCommit?: string;
  /** Newest first; default: all. */
  limit?: number;
}

/** A run as another store holds it, to be added here (`reproml runs copy`). */
export type ImportedRun = RunRecord & { note: string | null };

export interface ImportResult {
  /** Runs this store did not have. */
  added: number;
  /** Runs it already had (same fingerprint): their missing tags and note were added. */
  present: number;
}

interface RunRow {
  id: number;
  pipeline: string;
  stage: string;
  project: string;
  kind: string;
  origin: 'executed' | 'cache';
  cache_source: string | null;
  task_hash: string | null;
  git_commit: string | null;
  git_dirty: number | null;
  params: string;
  metrics: string;
  artifacts?: string;
  datasets?: string;
  seed: number | null;
  started_at: string;
  duration_ms: number;
  host: string;
  status: 'succeeded' | 'failed';
  error: string | null;
  note: string | null;
  tags: string | null;
}

const RUN_COLUMNS = `r.id, r.pipeline, r.stage, r.project, r.kind, r.origin, r.cache_source, r.task_hash, r.git_commit, r.git_dirty,
  r.params, r.metrics, r.seed, r.started_at, r.duration_ms, r.host, r.status, r.error, r.note`;

/** The one query text the engines cannot share: a run's tags as a JSON array, sorted. */
const TAGS_COLUMN = {
  sqlite: '(SELECT json_group_array(tag) FROM (SELECT tag FROM run_tags WHERE run_id = r.id ORDER BY tag)) AS tags',
  postgres: '(SELECT json_agg(tag ORDER BY tag)::text FROM run_tags WHERE run_id = r.id) AS tags',
} as const;

const INSERT_RUNS = `INSERT INTO runs (pipeline, stage, project, kind, origin, cache_source, task_hash, git_commit, git_dirty, params, metrics,
    artifacts, datasets, seed, started_at, duration_ms, host, status, error, note, fingerprint) VALUES`;
const RUN_VALUES = `(${Array.from({ length: 21 }, () => '?').join(', ')})`;

/** Bound parameters per statement: under SQLite's limit (32,766) and PostgreSQL's (65,535). */
const MAX_PARAMETERS = 30_000;
/** Ids per `IN (…)` list. */
const BATCH = 500;
/** Runs per multi-row INSERT (21 parameters each). */
const RUN_ROWS_PER_INSERT = 500;

function runValues(run: ImportedRun, fingerprint: string): SqlValue[] {
  return [
    run.pipeline,
    run.stage,
    run.project,
    run.kind,
    run.origin,
    run.cacheSource,
    run.taskHash,
    run.gitCommit,
    run.gitDirty === null ? null : run.gitDirty ? 1 : 0,
    JSON.stringify(run.params),
    JSON.stringify(run.metrics),
    JSON.stringify(run.artifacts),
    JSON.stringify(run.datasets),
    run.seed,
    run.startedAt,
    run.durationMs,
    run.host,
    run.status,
    run.error,
    run.note,
    fingerprint,
  ];
}

function marks(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/**
 * The run store, on SQLite (one file per repository, WAL, the default) or PostgreSQL (one
 * database shared by a team). Same schema and migrations, same SQL wherever the engines
 * agree; every write is one transaction, and a run's fingerprint is unique, so concurrent
 * writers from many machines neither lose nor duplicate a run.
 */
export class RunStore {
  /** Warnings of this open to print: journaled runs kept aside or not folded in yet (see run-journal.ts). */
  readonly warnings: string[] = [];

  private constructor(
    private readonly connection: SqlConnection,
    readonly location: TrackingLocation,
  ) {}

  /** The store as it may be printed (a PostgreSQL URL without its password). */
  get label(): string {
    return describeTrackingLocation(this.location);
  }

  /** @deprecated the SQLite file, for callers from before PostgreSQL stores; prefer `label`. */
  get path(): string {
    return this.label;
  }

  get engine(): TrackingLocation['engine'] {
    return this.location.engine;
  }

  static async open(params: OpenRunStoreParams): Promise<RunStore> {
    const location = params.location ?? (params.path ? { engine: 'sqlite' as const, path: params.path } : undefined);
    if (!location) throw new RunStoreError('RunStore.open needs a location or a path');
    const label = describeTrackingLocation(location);
    // Runs journaled beside a SQLite store (the plugin's cache restores) are folded in first, so
    // every reader sees them: a store with a journal waiting is opened for writing to do that.
    const journal = location.engine === 'sqlite' && runJournalPending(location.path) ? location.path : undefined;
    const readonly = Boolean(params.readonly) && !journal;
    let connection: SqlConnection | undefined;
    try {
      connection = location.engine === 'sqlite' ? openSqlite(location.path, { ...params, readonly }) : await openPostgres(location.url, params);
      if (readonly) {
        const version = await schemaVersion(connection);
        checkNotNewer(version, label);
        if (version === 0) throw noRunsYet(label);
      } else {
        await migrate(connection, label);
      }
      const store = new RunStore(connection, location);
      if (journal) store.warnings.push(...(await foldRunJournal(journal, (runs) => store.recordMany(runs))).warnings);
      return store;
    } catch (error) {
      await connection?.close().catch(() => {});
      throw describeStoreFailure(error, label);
    }
  }

  /** Adds one run with its tags and documents, all or nothing. Returns its id (the existing one if it was recorded before). */
  async record(run: RunRecord): Promise<number> {
    return this.guard(async () => (await this.connection.transaction(() => this.insertBatch([{ ...run, note: null }]))).ids[0]!);
  }

  /** Adds several runs in one transaction (all or nothing); returns their ids, in order. */
  async recordMany(runs: readonly RunRecord[]): Promise<number[]> {
    return this.guard(async () => (await this.connection.transaction(() => this.insertBatch(runs.map((run) => ({ ...run, note: null }))))).ids);
  }

  /**
   * Adds runs another store holds, in one transaction: each run this store does not have
   * (by fingerprint) with its documents, tags and note; a run it has gets the tags it lacks,
   * and the note when it has none.
   */
  async importRuns(runs: readonly ImportedRun[]): Promise<ImportResult> {
    return this.guard(async () => {
      const { added } = await this.connection.transaction(() => this.insertBatch(runs));
      return { added, present: runs.length - added };
    });
  }

  /** Runs matching the filter, newest first, without their artifacts and documents. */
  async list(filter: RunFilter = {}): Promise<RunSummary[]> {
    const where: string[] = [];
    const args: SqlValue[] = [];
    const add = (condition: string, ...values: SqlValue[]) => {
      where.push(condition);
      args.push(...values);
    };
    if (filter.pipeline) add('r.pipeline = ?', filter.pipeline);
    if (filter.stage) add('(r.stage = ? OR r.project = ?)', filter.stage, filter.stage);
    if (filter.origin) add('r.origin = ?', filter.origin);
    if (filter.status) add('r.status = ?', filter.status);
    if (filter.gitCommit) add('r.git_commit = ?', filter.gitCommit);
    if (filter.tag) add('r.id IN (SELECT run_id FROM run_tags WHERE tag = ?)', filter.tag);
    if (filter.limit) args.push(filter.limit);
    const sql = `SELECT ${RUN_COLUMNS}, ${TAGS_COLUMN[this.connection.dialect]} FROM runs r ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY r.started_at DESC, r.id DESC ${filter.limit ? 'LIMIT ?' : ''}`;
    return this.guard(async () => (await this.connection.all<RunRow>(sql, args)).map(toSummary));
  }

  /** One run with everything recorded, or undefined. */
  async get(id: number): Promise<StoredRun | undefined> {
    return (await this.getMany([id]))[0];
  }

  /** Several runs with everything recorded, in the order asked for; ids with no run are left out. */
  async getMany(ids: readonly number[]): Promise<StoredRun[]> {
    return this.guard(async () => {
      const found = new Map<number, StoredRun>();
      for (let start = 0; start < ids.length; start += BATCH) {
        for (const run of await this.readRuns('r.id', ids.slice(start, start + BATCH))) found.set(run.id, run);
      }
      return ids.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
    });
  }

  /** The runs with these fingerprints, by fingerprint (computed from what this store returns). */
  async getByFingerprints(fingerprints: readonly string[]): Promise<Map<string, StoredRun>> {
    return this.guard(async () => {
      const found = new Map<string, StoredRun>();
      for (let start = 0; start < fingerprints.length; start += BATCH) {
        for (const run of await this.readRuns('r.fingerprint', fingerprints.slice(start, start + BATCH))) found.set(runFingerprint(run), run);
      }
      return found;
    });
  }

  /** Every run id, oldest first. */
  async ids(): Promise<number[]> {
    return this.guard(async () => (await this.connection.all<{ id: number }>('SELECT id FROM runs ORDER BY id')).map((row) => row.id));
  }

  /** One document of a run (e.g. `metrics.json`), without loading the others. */
  async document(id: number, name: string): Promise<unknown> {
    return this.guard(async () => {
      const rows = await this.connection.all<{ content: string }>('SELECT content FROM run_documents WHERE run_id = ? AND name = ?', [id, name]);
      return rows[0] ? JSON.parse(rows[0].content) : undefined;
    });
  }

  /** Sets a run's note (and adds tags); returns false when there is no such run. */
  async annotate(params: { id: number; note?: string; tags?: readonly string[] }): Promise<boolean> {
    return this.guard(() =>
      this.connection.transaction(async () => {
        const exists = await this.connection.all('SELECT 1 AS found FROM runs WHERE id = ?', [params.id]);
        if (exists.length === 0) return false;
        if (params.note !== undefined) await this.connection.run('UPDATE runs SET note = ? WHERE id = ?', [params.note, params.id]);
        await this.addTags(params.id, params.tags ?? []);
        return true;
      }),
    );
  }

  /**
   * Removes all but the newest `keepPerStage` runs of each stage. Runs with a note or a tag
   * are decisions someone recorded and are always kept. Returns how many runs went (or, with
   * `dryRun`, would go).
   */
  async prune(params: { keepPerStage: number; dryRun?: boolean }): Promise<{ removed: number; remaining: number }> {
    const prunable = `SELECT id FROM (
        SELECT r.id, r.note, ROW_NUMBER() OVER (PARTITION BY r.project ORDER BY r.started_at DESC, r.id DESC) AS recency FROM runs r
      ) ranked
      WHERE recency > ? AND note IS NULL AND id NOT IN (SELECT run_id FROM run_tags)`;
    return this.guard(() =>
      this.connection.transaction(async () => {
        const removed = params.dryRun
          ? (await this.connection.all<{ n: number }>(`SELECT count(*) AS n FROM (${prunable}) prunable`, [params.keepPerStage]))[0]!.n
          : await this.connection.run(`DELETE FROM runs WHERE id IN (${prunable})`, [params.keepPerStage]);
        const total = await this.countRuns();
        return { removed, remaining: params.dryRun ? total - removed : total };
      }),
    );
  }

  async count(): Promise<number> {
    return this.guard(() => this.countRuns());
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /** The driver underneath, for tests and benchmarks that set up data directly. */
  get sql(): SqlConnection {
    return this.connection;
  }

  private async countRuns(): Promise<number> {
    return (await this.connection.all<{ n: number }>('SELECT count(*) AS n FROM runs'))[0]!.n;
  }

  /**
   * Inserts the runs whose fingerprint this store does not hold (one multi-row INSERT per
   * chunk), then their documents, then every run's tags; a run already held gets its note when
   * it has none. Inside a transaction. Returns each run's id, in order, and how many were new.
   */
  private async insertBatch(runs: readonly ImportedRun[]): Promise<{ ids: number[]; added: number }> {
    const fingerprints = runs.map((run) => runFingerprint(run));
    const ids = new Map<string, number>();
    const inserted = new Set<string>();
    const seen = new Set<string>();
    const firstOfEach = [...runs.keys()].filter((index) => !seen.has(fingerprints[index]!) && seen.add(fingerprints[index]!));
    for (const chunk of chunks(firstOfEach, RUN_ROWS_PER_INSERT)) {
      const rows = await this.connection.all<{ id: number; fingerprint: string }>(
        `${INSERT_RUNS} ${chunk.map(() => RUN_VALUES).join(', ')} ON CONFLICT (fingerprint) DO NOTHING RETURNING id, fingerprint`,
        chunk.flatMap((index) => runValues(runs[index]!, fingerprints[index]!)),
      );
      for (const row of rows) {
        ids.set(row.fingerprint, row.id);
        inserted.add(row.fingerprint);
      }
    }
    const present = [...new Set(fingerprints.filter((fingerprint) => !ids.has(fingerprint)))];
    for (const chunk of chunks(present, BATCH)) {
      const rows = await this.connection.all<{ id: number; fingerprint: string }>(
        `SELECT id, fingerprint FROM runs WHERE fingerprint IN (${marks(chunk.length)})`,
        chunk,
      );
      for (const row of rows) ids.set(row.fingerprint, row.id);
    }
    const idOf = (index: number) => {
      const id = ids.get(fingerprints[index]!);
      if (id === undefined) throw new RunStoreError(`run ${fingerprints[index]!.slice(0, 12)} was neither inserted nor found`);
      return id;
    };
    const added = inserted.size;
    const documents: SqlValue[][] = [];
    const tags: SqlValue[][] = [];
    for (const [index, run] of runs.entries()) {
      const id = idOf(index);
      if (inserted.delete(fingerprints[index]!)) {
        for (const [name, content] of Object.entries(run.documents)) documents.push([id, name, JSON.stringify(content)]);
      } else if (run.note !== null) {
        await this.connection.run('UPDATE runs SET note = ? WHERE id = ? AND note IS NULL', [run.note, id]);
      }
      for (const tag of new Set(run.tags)) tags.push([id, tag]);
    }
    await this.insertRows('INSERT INTO run_documents (run_id, name, content) VALUES', documents, '');
    await this.insertRows('INSERT INTO run_tags (run_id, tag) VALUES', tags, 'ON CONFLICT DO NOTHING');
    return { ids: runs.map((_, index) => idOf(index)), added };
  }

  /** A multi-row INSERT of `rows` (all of one width), in chunks under both engines' parameter limits. */
  private async insertRows(insert: string, rows: readonly SqlValue[][], suffix: string): Promise<void> {
    if (rows.length === 0) return;
    const row = `(${marks(rows[0]!.length)})`;
    for (const chunk of chunks(rows, Math.floor(MAX_PARAMETERS / rows[0]!.length))) {
      await this.connection.run(`${insert} ${chunk.map(() => row).join(', ')} ${suffix}`, chunk.flat());
    }
  }

  private async addTags(id: number, tags: readonly string[]): Promise<void> {
    await this.insertRows(
      'INSERT INTO run_tags (run_id, tag) VALUES',
      [...new Set(tags)].map((tag) => [id, tag]),
      'ON CONFLICT DO NOTHING',
    );
  }

  /** Full runs whose `column` is in `values` (one batch). */
  private async readRuns(column: 'r.id' | 'r.fingerprint', values: readonly SqlValue[]): Promise<StoredRun[]> {
    if (values.length === 0) return [];
    const marks = values.map(() => '?').join(', ');
    const rows = await this.connection.all<RunRow>(
      `SELECT ${RUN_COLUMNS}, ${TAGS_COLUMN[this.connection.dialect]}, r.artifacts, r.datasets FROM runs r WHERE ${column} IN (${marks})`,
      values,
    );
    if (rows.length === 0) return [];
    const documents = await this.connection.all<{ run_id: number; name: string; content: string }>(
      `SELECT run_id, name, content FROM run_documents WHERE run_id IN (${rows.map(() => '?').join(', ')}) ORDER BY run_id, name`,
      rows.map((row) => row.id),
    );
    const byRun = new Map<number, [string, unknown][]>();
    for (const document of documents) {
      if (!byRun.has(document.run_id)) byRun.set(document.run_id, []);
      byRun.get(document.run_id)!.push([document.name, JSON.parse(document.content)]);
    }
    return rows.map((row) => ({
      ...toSummary(row),
      artifacts: JSON.parse(row.artifacts ?? '[]'),
      datasets: JSON.parse(row.datasets ?? '[]'),
      documents: Object.fromEntries(byRun.get(row.id) ?? []),
    }));
  }

  private async guard<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw describeStoreFailure(error, this.label);
    }
  }
}

function noRunsYet(label: string): RunStoreError {
  return new RunStoreError(`no runs recorded yet in ${label}`, {
    file: label,
    hint: 'Run a pipeline (npx nx run-many -t run) to record runs, or set REPROML_TRACKING_URL / REPROML_TRACKING_DB to the store you mean.',
  });
}

function openSqlite(path: string, params: OpenRunStoreParams): SqliteConnection {
  if (params.readonly && !existsSync(path)) {
    throw new RunStoreError(`no runs recorded yet: ${path} does not exist`, {
      file: path,
      hint: 'Run a pipeline (npx nx run-many -t run) to record runs, or set REPROML_TRACKING_DB to the store you mean.',
    });
  }
  // Loaded here, not at import: a driver that failed to build must cost a warning, not the plugin.
  const SqliteDatabase = require('better-sqlite3') as SqliteDriver;
  if (!params.readonly) mkdirSync(dirname(path), { recursive: true });
  const timeout = params.busyTimeoutMs ?? (Number(process.env.REPROML_TRACKING_BUSY_TIMEOUT_MS) || 3000);
  const db = new SqliteDatabase(path, { readonly: params.readonly ?? false, fileMustExist: params.readonly ?? false, timeout });
  try {
    if (!params.readonly) {
      // WAL: readers (the CLI, the report) never block a stage that records, and a crash mid-write rolls back.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    }
    return new SqliteConnection(db);
  } catch (error) {
    db.close();
    throw error;
  }
}

function openPostgres(url: string, params: OpenRunStoreParams): Promise<PostgresConnection> {
  return PostgresConnection.connect({
    url,
    connectTimeoutMs: params.connectTimeoutMs ?? (Number(process.env.REPROML_TRACKING_CONNECT_TIMEOUT_MS) || 3000),
    queryTimeoutMs: params.queryTimeoutMs,
  });
}

function toSummary(row: RunRow): RunSummary {
  return {
    id: row.id,
    pipeline: row.pipeline,
    stage: row.stage,
    project: row.project,
    kind: row.kind,
    origin: row.origin,
    cacheSource: row.cache_source,
    taskHash: row.task_hash,
    gitCommit: row.git_commit,
    gitDirty: row.git_dirty === null ? null : row.git_dirty === 1,
    params: JSON.parse(row.params),
    metrics: JSON.parse(row.metrics),
    seed: row.seed,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    host: row.host,
    status: row.status,
    error: row.error,
    note: row.note,
    tags: row.tags ? (JSON.parse(row.tags) as string[]) : [],
  };
}
