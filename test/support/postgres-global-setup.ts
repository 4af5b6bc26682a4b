import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresServer } from './postgres-server';

/** The env var through which test files (and the nx processes they start) find the shared server. */
export const SHARED_POSTGRES_ENV = 'REPROML_TEST_POSTGRES_STATUS';

/**
 * vitest globalSetup (both projects): one PostgreSQL server for every test file that needs
 * one. It starts in the background, so a run with no such file pays almost nothing; test files
 * wait for it through `sharedPostgres()` (test/support/postgres.ts), which reads the status
 * file named by REPROML_TEST_POSTGRES_STATUS. The server stops at the end of the run, failed
 * tests or not (and through its watchdog if vitest itself is killed).
 */
export default function setup(): (() => Promise<void>) | undefined {
  if (process.env[SHARED_POSTGRES_ENV]) return undefined; // the other project's setup started it
  const statusDir = mkdtempSync(join(tmpdir(), 'reproml-postgres-status-'));
  const statusFile = join(statusDir, 'status.json');
  process.env[SHARED_POSTGRES_ENV] = statusFile;
  const starting = PostgresServer.start({ label: 'test-postgres', settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } }).then(
    (server) => {
      writeFileSync(statusFile, JSON.stringify({ url: server.url() }));
      return server;
    },
    (error: unknown) => {
      writeFileSync(statusFile, JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
      return undefined;
    },
  );
  return async () => {
    await (await starting)?.stop();
    rmSync(statusDir, { recursive: true, force: true });
    delete process.env[SHARED_POSTGRES_ENV];
  };
}
