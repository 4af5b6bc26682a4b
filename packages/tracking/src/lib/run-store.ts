import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import { migrate } from './migrations';
import type { RunRecord, RunSummary, StoredRun } from './run-record';
import { describeStoreFailure, RunStoreError } from './run-store-error';

/** The better-sqlite3 module, for code that needs the raw driver (tests holding a lock). */
export type SqliteDriver = typeof import('better-sqlite3');

export interface OpenRunStoreParams {
  path: string;
  /** Open an existing store for reading only (the CLI and the report); fails if there is none. */
  readonly?: boolean;
  /** How long a write waits for another process's lock. Default: REPROML_TRACKING_BUSY_TIMEOUT_MS or 3000. */
  busyTimeoutMs?: number;
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

const SUMMARY_COLUMNS = `r.id, r.pipeline, r.stage, r.project, r.kind, r.origin, r.cache_source, r.task_hash, r.git_commit, r.git_dirty,
  r.params, r.metrics, r.seed, r.started_at, r.duration_ms, r.host, r.status, r.error, r.note,
  (SELECT json_group_array(tag) FROM (SELECT tag FROM run_tags WHERE run_id = r.id ORDER BY tag)) AS tags`;

/** The SQLite run store: one file per repository, WAL mode, every write one transaction. */
export class RunStore {
  private readonly insertRun: Statement;
  private readonly insertTag: Statement;
  private readonly insertDocument: Statement;

  private constructor(
    private readonly db: Database,
    readonly path: string,
  ) {
    this.insertRun = db.prepare(
      `INSERT INTO runs (pipeline, stage, project, kind, origin, cache_source, task_hash, git_commit, git_dirty, params, metrics,
         artifacts, datasets, seed, started_at, duration_ms, host, status, error)
       VALUES (@pipeline, @stage, @project, @kind, @origin, @cacheSource, @taskHash, @gitCommit, @gitDirty, @params, @metrics,
         @artifacts, @datasets, @seed, @startedAt, @durationMs, @host, @status, @error)`,
    );
    this.insertTag = db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)');
    this.insertDocument = db.prepare('INSERT OR REPLACE INTO run_documents (run_id, name, content) VALUES (?, ?, ?)');
  }

  static open(params: OpenRunStoreParams): RunStore {
    const { path } = params;
    if (params.readonly && !existsSync(path)) {
      throw new RunStoreError(`no runs recorded yet: ${path} does not exist`, {
        file: path,
        hint: 'Run a pipeline (npx nx run-many -t run) to record runs, or set REPROML_TRACKING_DB to the store you mean.',
      });
    }
    let db: Database | undefined;
    try {
      // Loaded here, not at import: a driver that failed to build must cost a warning, not the plugin.
      const SqliteDatabase = require('better-sqlite3') as typeof import('better-sqlite3');
      if (!params.readonly) mkdirSync(dirname(path), { recursive: true });
      const timeout = params.busyTimeoutMs ?? (Number(process.env.REPROML_TRACKING_BUSY_TIMEOUT_MS) || 3000);
      db = new SqliteDatabase(path, { readonly: params.readonly ?? false, fileMustExist: params.readonly ?? false, timeout });
      if (!params.readonly) {
        // WAL: readers (the CLI, the report) never block a stage that records, and a crash mid-write rolls back.
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        migrate(db, path);
      } else {
        db.pragma('user_version', { simple: true });
      }
      return new RunStore(db, path);
    } catch (error) {
      db?.close();
      throw describeStoreFailure(error, path);
    }
  }

  /** Adds one run with its tags and documents, all or nothing. Returns its id. */
  record(run: RunRecord): number {
    return this.guard(() =>
      this.db
        .transaction((record: RunRecord) => {
          const result = this.insertRun.run({
            ...record,
            gitDirty: record.gitDirty === null ? null : record.gitDirty ? 1 : 0,
            params: JSON.stringify(record.params),
            metrics: JSON.stringify(record.metrics),
            artifacts: JSON.stringify(record.artifacts),
            datasets: JSON.stringify(record.datasets),
          });
          const id = Number(result.lastInsertRowid);
          for (const tag of new Set(record.tags)) this.insertTag.run(id, tag);
          for (const [name, content] of Object.entries(record.documents)) this.insertDocument.run(id, name, JSON.stringify(content));
          return id;
        })
        .immediate(run),
    );
  }

  /** Runs matching the filter, newest first, without their artifacts and documents. */
  list(filter: RunFilter = {}): RunSummary[] {
    const where: string[] = [];
    const args: Record<string, unknown> = {};
    if (filter.pipeline) {
      where.push('r.pipeline = @pipeline');
      args.pipeline = filter.pipeline;
    }
    if (filter.stage) {
      where.push('(r.stage = @stage OR r.project = @stage)');
      args.stage = filter.stage;
    }
    if (filter.origin) {
      where.push('r.origin = @origin');
      args.origin = filter.origin;
    }
    if (filter.status) {
      where.push('r.status = @status');
      args.status = filter.status;
    }
    if (filter.gitCommit) {
      where.push('r.git_commit = @gitCommit');
      args.gitCommit = filter.gitCommit;
    }
    if (filter.tag) {
      where.push('r.id IN (SELECT run_id FROM run_tags WHERE tag = @tag)');
      args.tag = filter.tag;
    }
    const sql = `SELECT ${SUMMARY_COLUMNS} FROM runs r ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY r.started_at DESC, r.id DESC ${filter.limit ? 'LIMIT @limit' : ''}`;
    if (filter.limit) args.limit = filter.limit;
    return this.guard(() => (this.db.prepare(sql).all(args) as RunRow[]).map(toSummary));
  }

  /** One run with everything recorded, or undefined. */
  get(id: number): StoredRun | undefined {
    return this.guard(() => {
      const row = this.db.prepare(`SELECT ${SUMMARY_COLUMNS}, r.artifacts, r.datasets FROM runs r WHERE r.id = ?`).get(id) as RunRow | undefined;
      if (!row) return undefined;
      const documents = this.db.prepare('SELECT name, content FROM run_documents WHERE run_id = ? ORDER BY name').all(id) as {
        name: string;
        content: string;
      }[];
      return {
        ...toSummary(row),
        artifacts: JSON.parse(row.artifacts ?? '[]'),
        datasets: JSON.parse(row.datasets ?? '[]'),
        documents: Object.fromEntries(documents.map((document) => [document.name, JSON.parse(document.content)])),
      };
    });
  }

  /** One document of a run (e.g. `metrics.json`), without loading the others. */
  document(id: number, name: string): unknown {
    return this.guard(() => {
      const row = this.db.prepare('SELECT content FROM run_documents WHERE run_id = ? AND name = ?').get(id, name) as { content: string } | undefined;
      return row ? JSON.parse(row.content) : undefined;
    });
  }

  /** Sets a run's note (and adds tags); returns false when there is no such run. */
  annotate(params: { id: number; note?: string; tags?: readonly string[] }): boolean {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const exists = this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(params.id);
          if (!exists) return false;
          if (params.note !== undefined) this.db.prepare('UPDATE runs SET note = ? WHERE id = ?').run(params.note, params.id);
          for (const tag of params.tags ?? []) this.insertTag.run(params.id, tag);
          return true;
        })
        .immediate(),
    );
  }

  /**
   * Removes all but the newest `keepPerStage` runs of each stage. Runs with a note or a tag
   * are decisions someone recorded and are always kept. Returns how many runs went (or, with
   * `dryRun`, would go).
   */
  prune(params: { keepPerStage: number; dryRun?: boolean }): { removed: number; remaining: number } {
    const prunable = `SELECT id FROM (
        SELECT r.id, r.note, ROW_NUMBER() OVER (PARTITION BY r.project ORDER BY r.started_at DESC, r.id DESC) AS rank FROM runs r
      ) ranked
      WHERE rank > @keep AND note IS NULL AND id NOT IN (SELECT run_id FROM run_tags)`;
    return this.guard(() =>
      this.db
        .transaction(() => {
          const removed = params.dryRun
            ? (this.db.prepare(`SELECT count(*) AS n FROM (${prunable})`).get({ keep: params.keepPerStage }) as { n: number }).n
            : this.db.prepare(`DELETE FROM runs WHERE id IN (${prunable})`).run({ keep: params.keepPerStage }).changes;
          const total = (this.db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
          return { removed, remaining: params.dryRun ? total - removed : total };
        })
        .immediate(),
    );
  }

  count(): number {
    return this.guard(() => (this.db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n);
  }

  close(): void {
    this.db.close();
  }

  private guard<T>(body: () => T): T {
    try {
      return body();
    } catch (error) {
      throw describeStoreFailure(error, this.path);
    }
  }
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
