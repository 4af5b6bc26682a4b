import type { Database } from 'better-sqlite3';
import { RunStoreError } from './run-store-error';

/**
 * Schema migrations, applied in order; `PRAGMA user_version` holds how many ran. Never edit
 * a released migration: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     pipeline TEXT NOT NULL,
     stage TEXT NOT NULL,
     project TEXT NOT NULL,
     kind TEXT NOT NULL,
     origin TEXT NOT NULL CHECK (origin IN ('executed', 'cache')),
     cache_source TEXT,
     task_hash TEXT,
     git_commit TEXT,
     git_dirty INTEGER,
     params TEXT NOT NULL,
     metrics TEXT NOT NULL,
     artifacts TEXT NOT NULL,
     datasets TEXT NOT NULL,
     seed INTEGER,
     started_at TEXT NOT NULL,
     duration_ms REAL NOT NULL,
     host TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
     error TEXT,
     note TEXT
   );
   CREATE INDEX runs_newest ON runs (started_at DESC, id DESC);
   CREATE INDEX runs_by_stage ON runs (pipeline, stage, started_at DESC);
   CREATE INDEX runs_by_commit ON runs (git_commit);
   CREATE TABLE run_tags (
     run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
     tag TEXT NOT NULL,
     PRIMARY KEY (run_id, tag)
   ) WITHOUT ROWID;
   CREATE INDEX run_tags_by_tag ON run_tags (tag, run_id);
   CREATE TABLE run_documents (
     run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     content TEXT NOT NULL,
     PRIMARY KEY (run_id, name)
   ) WITHOUT ROWID;`,
];

/** Brings the database to the latest schema in one transaction; refuses a store from a newer ReproML. */
export function migrate(db: Database, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new RunStoreError(`the run store ${path} has schema version ${current}, newer than this ReproML knows (${MIGRATIONS.length})`, {
      file: path,
      hint: 'Upgrade ReproML, or point REPROML_TRACKING_DB at another file.',
    });
  }
  if (current === MIGRATIONS.length) return;
  db.transaction(() => {
    // Re-read inside the write transaction: another process may have migrated meanwhile.
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let index = version; index < MIGRATIONS.length; index++) db.exec(MIGRATIONS[index]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
