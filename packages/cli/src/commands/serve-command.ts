import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '@reproml/core';
import { findWorkspaceRoot } from '../lib/workspace-root';
import type { Command } from './command';
import { commandEntry } from './command-table.mjs';

const USAGE = commandEntry('serve').usage.join('\n');

/**
 * `reproml serve`: a registry model over the Open Inference Protocol v2 and a JSON-rows
 * endpoint, following its alias. Runs until SIGTERM/SIGINT, then drains. The server package
 * (onnxruntime) loads only when this command runs.
 */
export const serveCommand: Command = {
  ...commandEntry('serve'),
  async run(argv, io) {
    const serve = await import('@reproml/serve');
    const { openRegistry } = await import('@reproml/hub');
    const serverFlags = serve.schemaFlags(serve.serveOptionsSchema);
    const logFlags = serve.schemaFlags(serve.trafficLogOptionsSchema, 'log-');
    if (argv.includes('--options')) {
      io.stdout(`server options:\n${serverFlags.describe()}\ntraffic log options (logging is on when --log-dir is given):\n${logFlags.describe()}\n`);
      return 0;
    }
    const { values, positionals } = parseArgs({ args: argv, options: { ...serverFlags.options, ...logFlags.options }, allowPositionals: true });
    if (positionals.length !== 1) {
      io.stderr(`usage: ${USAGE}\n`);
      return 2;
    }
    const { name, selector } = serve.parseModelSelector(positionals[0]!);
    const options = parseConfig({ schema: serve.serveOptionsSchema, value: serverFlags.read(values), file: 'reproml serve options' });
    const workspaceRoot = findWorkspaceRoot();
    const log = logFlags.read(values);
    if (Object.keys(log).length > 0 && log['dir'] === undefined) throw new ConfigError('traffic log options need --log-dir', { field: 'log-dir' });
    const events = { log: (message: string) => io.stdout(`${message}\n`), warn: (message: string) => io.stderr(`warning: ${message}\n`) };
    const sink = log['dir'] === undefined ? undefined : await serve.TrafficLog.open({ options: { ...log, dir: String(log['dir']) }, warn: events.warn });
    const source = serve.registryModelSource({ registry: openRegistry({ workspaceRoot }), name, selector });
    const server = await serve.startInferenceServer({ source, options, events, ...(sink ? { sink } : {}) });
    io.stdout(
      `${serve.listeningLine(server, `${source.follows ? `, following '${selector}'` : ''}${sink ? `, logging ${sink.options.sampleRate * 100}% of requests to ${sink.options.dir}` : ''}`)}\n`,
    );
    await serve.serveUntilSignal(server, (message) => io.stdout(`${message}\n`));
    return 0;
  },
};
