import { startCacheServer } from './lib/cache-server';
import { CLI_USAGE, parseCliOptions } from './lib/cli-options';

/** `reproml-cache`: runs the server until SIGINT/SIGTERM. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const command = parseCliOptions(argv, env);
  if (command.kind === 'help') {
    console.log(CLI_USAGE);
    return;
  }
  const server = await startCacheServer(command.options);
  const stats = server.storage.stats();
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', url: server.url, dir: command.options.dir, records: stats.records, bytes: stats.bytes, maxBytes: stats.maxBytes, requestTimeoutMs: server.requestTimeoutMs })}\n`,
  );
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
