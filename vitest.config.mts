import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Runs recorded by the stages the tests run go to a temp folder, never the user's run store.
process.env.REPROML_TRACKING_DIR ??= join(tmpdir(), 'reproml-tracking-tests');
// …and never into a team's PostgreSQL store: tests that record there pass REPROML_TRACKING_URL themselves.
delete process.env.REPROML_TRACKING_URL;

// One throw-away PostgreSQL server for the whole run (run stores on PostgreSQL), started in the
// background by whichever project's setup runs first, stopped at the end.
const POSTGRES_SETUP = './test/support/postgres-global-setup.ts';
// Compiles the packages whose dist/ is older than their sources before any test runs: the nx CLI,
// the executors and the reproml CLI that e2e tests start load dist/ (tools/compile-packages.cjs).
const COMPILE_SETUP = './test/support/compile-global-setup.ts';

// Tests import the packages' TypeScript sources (the `@reproml/source` export condition), never dist/.
const SOURCE_CONDITIONS = { resolve: { conditions: ['@reproml/source'] }, ssr: { resolve: { conditions: ['@reproml/source'] } } };

export default defineConfig({
  test: {
    reporters: ['default', './tools/vitest/summary-reporter.ts'],
    projects: [
      {
        ...SOURCE_CONDITIONS,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.spec.ts', 'plugins/*/src/**/*.spec.ts', 'tools/**/*.spec.ts'],
          globalSetup: [COMPILE_SETUP, POSTGRES_SETUP],
          testTimeout: 60_000,
        },
      },
      {
        ...SOURCE_CONDITIONS,
        test: {
          name: 'e2e',
          include: ['test/**/*.spec.ts'],
          globalSetup: [COMPILE_SETUP, POSTGRES_SETUP],
          // Each file drives the real nx CLI in its own temp workspace; two cores, so one at a time.
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
