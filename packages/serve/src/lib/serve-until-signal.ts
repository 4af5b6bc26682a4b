import type { InferenceServer } from './inference-server';

/** Runs until SIGTERM or SIGINT, then drains the server (admitted requests finish) and resolves. */
export function serveUntilSignal(server: InferenceServer, log: (message: string) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: draining (${server.admission.inFlight} request(s) in flight)…`);
      void server.drain().then(() => {
        log('stopped');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** The line a server prints once it listens (tests and the packaged folder's users read the URL from it). */
export function listeningLine(server: InferenceServer, extra = ''): string {
  const current = server.host.current!;
  return `serving ${server.host.source.label} v${current.version} (fingerprint ${current.fingerprint.slice(0, 12)}…) at ${server.url}${extra}`;
}
