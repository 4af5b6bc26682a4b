import { isReproError, parseConfig } from '@reproml/core';
import { startInferenceServer } from '../lib/inference-server';
import { schemaFromEnv } from '../lib/option-env';
import { serveOptionsSchema } from '../lib/serve-options';
import { listeningLine, serveUntilSignal } from '../lib/serve-until-signal';
import { TrafficLog, trafficLogOptionsSchema } from '../lib/traffic-log';
import { packagedModelSource } from './packaged-model-source';

/**
 * The entry of a packaged model folder (bundled into its server.js by `reproml package`):
 * serves the model beside it, configured by the environment: `REPROML_SERVE_<OPTION>` for
 * every `reproml serve` option (`REPROML_SERVE_PORT`, `REPROML_SERVE_MAX_BATCH_SIZE`, …) and
 * `REPROML_SERVE_LOG_<OPTION>` for the traffic log (on when `REPROML_SERVE_LOG_DIR` is set).
 */
async function main(): Promise<void> {
  const options = parseConfig({
    schema: serveOptionsSchema,
    value: schemaFromEnv(serveOptionsSchema, process.env, 'REPROML_SERVE_'),
    file: 'REPROML_SERVE_* environment',
  });
  const logOptions = schemaFromEnv(trafficLogOptionsSchema, process.env, 'REPROML_SERVE_LOG_');
  const events = { log: (message: string) => console.log(message), warn: (message: string) => console.error(`warning: ${message}`) };
  const sink = logOptions['dir'] === undefined ? undefined : await TrafficLog.open({ options: logOptions as { dir: string }, warn: events.warn });
  const source = await packagedModelSource(__dirname);
  const server = await startInferenceServer({ source, options, events, ...(sink ? { sink } : {}) });
  console.log(listeningLine(server));
  await serveUntilSignal(server, events.log);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(isReproError(error) ? `error: ${error.describe()}` : error);
    process.exit(1);
  },
);
