import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The service's Prometheus metrics, in a registry of its own (two services in one process never clash). */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'stowage_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'stowage_http_request_duration_seconds',
    help: 'HTTP request latency by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly bytesIn = new Counter({
    name: 'stowage_bytes_in_total',
    help: 'Object bytes received (uploads)',
    registers: [this.registry],
  });
  readonly bytesOut = new Counter({
    name: 'stowage_bytes_out_total',
    help: 'Object bytes sent (downloads)',
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'stowage_storage_errors_total',
    help: 'Storage errors by backend and kind',
    labelNames: ['backend', 'kind'] as const,
    registers: [this.registry],
  });
  readonly uploadsInFlight = new Gauge({
    name: 'stowage_uploads_in_flight',
    help: 'Uploads being received right now',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'stowage_' });
  }
}
