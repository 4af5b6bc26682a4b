/** The SQL engines a run store can live in. */
export type SqlDialect = 'sqlite' | 'postgres';

export type SqlValue = string | number | null;

/**
 * The little a run store needs from a database: queries with `?` placeholders (the PostgreSQL
 * connection numbers them), and transactions. Both engines get the same SQL text, so a query
 * is written once; where the engines differ, the store picks a fragment by `dialect`.
 */
export interface SqlConnection {
  readonly dialect: SqlDialect;
  /** Rows of a query. */
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement; returns how many rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs one or more statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs `body` in one write transaction: all or nothing. */
  transaction<T>(body: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The first row of a query, or undefined. */
export async function firstRow<T>(connection: SqlConnection, sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
  return (await connection.all<T>(sql, params))[0];
}
