import type { Database } from 'better-sqlite3';
import type { SqlConnection, SqlValue } from './sql-connection';

/**
 * better-sqlite3 behind the async `SqlConnection`: the driver stays synchronous (each call
 * finishes before its promise resolves), so a transaction holds no lock across other work.
 */
export class SqliteConnection implements SqlConnection {
  readonly dialect = 'sqlite';

  constructor(readonly db: Database) {}

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.db.prepare(sql).all(...params) as T[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.db.prepare(sql).run(...params).changes;
  }

  async exec(sql: string): Promise<void> {
    this.db.exec(sql);
  }

  /** `BEGIN IMMEDIATE`: the write lock is taken up front (waiting up to the busy timeout), never upgraded half way. */
  async transaction<T>(body: () => Promise<T>): Promise<T> {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await body();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
