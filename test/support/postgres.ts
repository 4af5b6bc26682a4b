import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { PostgresConnection } from '../../packages/tracking/src';
import { SHARED_POSTGRES_ENV } from './postgres-global-setup';

/** The test run's PostgreSQL server, shared by every test file (one database per test that writes). */
export interface SharedPostgres {
  /** postgres://reproml@127.0.0.1:<port>/<database> (trust authentication, no password). */
  url(database?: string): string;
  /** A new, empty database on the server; returns its URL. `label` is for people reading server logs. */
  createDatabase(label: string): Promise<string>;
}

/**
 * Waits for the server that test/support/postgres-global-setup.ts started for this run
 * (usually ready before the first test file asks) and returns it. Fails with the server's own
 * error when it could not start (e.g. the `postgresql` package is missing).
 */
export async function sharedPostgres(timeoutMs = 120_000): Promise<SharedPostgres> {
  const statusFile = process.env[SHARED_POSTGRES_ENV];
  if (!statusFile) throw new Error(`${SHARED_POSTGRES_ENV} is not set: run the tests through vitest (vitest.config.ts starts the shared PostgreSQL server)`);
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(statusFile)) {
    if (Date.now() > deadline) throw new Error(`the shared PostgreSQL server did not start within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const status = JSON.parse(readFileSync(statusFile, 'utf8')) as { url?: string; error?: string };
  if (!status.url) throw new Error(`the shared PostgreSQL server could not start: ${status.error}`);
  const base = new URL(status.url);
  const url = (database = 'postgres') => {
    const copy = new URL(base);
    copy.pathname = `/${database}`;
    return copy.toString();
  };
  return {
    url,
    async createDatabase(label) {
      const name = `${label
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .slice(0, 40)}_${randomBytes(4).toString('hex')}`;
      const admin = await PostgresConnection.connect({ url: url(), connectTimeoutMs: 10_000 });
      try {
        // An ICU en-US default collation, as a production database usually has (not C): text
        // ordering that only holds under "C" would show up here.
        await admin.exec(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`);
      } finally {
        await admin.close();
      }
      return url(name);
    },
  };
}
