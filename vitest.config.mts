import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Runs recorded by the stages the tests run go to a temp folder, never the user's run store.
process.env.REPROML_TRACKING_DIR ??= join(tmpdir(), 'reproml-tracking-tests');

export default defineConfig({
  test: {
    reporters: ['default', './tools/vitest/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.spec.ts', 'plugins/*/src/**/*.spec.ts', 'tools/**/*.spec.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.spec.ts'],
          // Each file drives the real nx CLI in its own temp workspace; two cores, so one at a time.
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
