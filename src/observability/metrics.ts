import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one server instance, served on GET /metrics. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({ name: 'graphql_requests_total', help: 'GraphQL operations by name and type', labelNames: ['operation', 'type'], registers: [registry] }),
    duration: new Histogram({
      name: 'graphql_request_duration_seconds', help: 'GraphQL operation duration', labelNames: ['operation', 'type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
    }),
    errors: new Counter({ name: 'graphql_errors_total', help: 'GraphQL errors by code', labelNames: ['code'], registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
