import type { Client, ClientConfig } from 'pg';
import type { SqlConnection, SqlValue } from './sql-connection';

/** int8 (counts, ids, seeds) as a JS number instead of a string: every value the store keeps fits in 2^53. */
const INT8_OID = 20;

export interface PostgresConnectParams {
  url: string;
  /** How long connecting may take, the TCP handshake to the first ready-for-query. */
  connectTimeoutMs: number;
  /** A bound on each query (client side: a server that stops answering costs this much, no more). */
  queryTimeoutMs?: number;
  /** Shown to the database's administrators in pg_stat_activity. */
  applicationName?: string;
}

/** A node-postgres client behind the async `SqlConnection`; `?` placeholders become `$1`, `$2`, …. */
export class PostgresConnection implements SqlConnection {
  readonly dialect = 'postgres';

  private constructor(private readonly client: Client) {}

  static async connect(params: PostgresConnectParams): Promise<PostgresConnection> {
    // Loaded here, not at import: only stores on PostgreSQL need the driver.
    const pg = require('pg') as typeof import('pg');
    const config: ClientConfig = {
      connectionString: params.url,
      connectionTimeoutMillis: params.connectTimeoutMs,
      query_timeout: params.queryTimeoutMs,
      application_name: params.applicationName ?? 'reproml',
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    };
    const client = new pg.Client(config);
    // A connection that drops later fails the query in flight; without a listener it would crash the process.
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    return new PostgresConnection(client);
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.client.query(numberPlaceholders(sql), [...params])).rows as T[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.client.query(numberPlaceholders(sql), [...params])).rowCount ?? 0;
  }

  async exec(sql: string): Promise<void> {
    await this.client.query(sql);
  }

  async transaction<T>(body: () => Promise<T>): Promise<T> {
    await this.client.query('BEGIN');
    try {
      const result = await body();
      await this.client.query('COMMIT');
      return result;
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}

/** `? … ?` → `$1 … $n`. The store's SQL has no `?` inside string literals. */
export function numberPlaceholders(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}
