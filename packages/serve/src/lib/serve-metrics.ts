import { Counter, Histogram, renderMetrics } from './prometheus';

/** What `/metrics` reports. */
export class ServeMetrics {
  readonly requests = new Counter('reproml_serve_requests_total', 'HTTP requests by route and status code.');
  readonly latency = new Histogram(
    'reproml_serve_request_duration_seconds',
    'Time from the request to its response, by route.',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  readonly batchRows = new Histogram('reproml_serve_batch_rows', 'Rows per session.run (micro-batches).', [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
  readonly inFlight = new Counter('reproml_serve_in_flight_requests', 'Inference requests admitted and not answered yet.', 'gauge');
  readonly loaded = new Counter('reproml_serve_model_info', 'The model version being served (value 1), with its fingerprint.', 'gauge');
  readonly swaps = new Counter('reproml_serve_model_swaps_total', 'Switches to another version after a promote or rollback.');
  readonly swapFailures = new Counter('reproml_serve_model_swap_failures_total', 'Versions that could not be loaded (the previous one kept serving).');
  readonly loggedRows = new Counter('reproml_serve_logged_rows_total', 'Rows written to the traffic log.');

  setLoaded(model: { name: string; version: number; fingerprint: string }): void {
    this.loaded.reset();
    this.loaded.set({ model: model.name, version: String(model.version), fingerprint: model.fingerprint }, 1);
  }

  render(): string {
    return renderMetrics([this.requests, this.latency, this.batchRows, this.inFlight, this.loaded, this.swaps, this.swapFailures, this.loggedRows]);
  }
}
