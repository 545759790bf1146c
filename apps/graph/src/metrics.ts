import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Module-level metrics (docs/metrics.md, graph table). Labels are low-cardinality only: never a DID, URI or text.
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'graph_' });

export const ROOT_FIELDS = ['searchPosts', 'post', 'exportPosts'] as const;

export const operationDuration = new Histogram({
  name: 'graph_operation_duration_seconds',
  help: 'One GraphQL request, by root field (searchPosts/post/exportPosts/other) and result (ok/error)',
  labelNames: ['operation', 'result'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const errorsTotal = new Counter({
  name: 'graph_errors_total',
  help: 'Errors returned to clients, by extensions.code',
  labelNames: ['code'] as const,
  registers: [registry],
});

export const duckdbQueryDuration = new Histogram({
  name: 'graph_duckdb_query_duration_seconds',
  help: 'One DuckDB SQL statement, by what it serves (search/count/lookup/export); a search runs several',
  labelNames: ['query'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const duckdbQueriesInFlight = new Gauge({
  name: 'graph_duckdb_queries_in_flight',
  help: 'DuckDB queries currently running or waiting for a connection',
  registers: [registry],
});

export const exportsTotal = new Counter({
  name: 'graph_exports_total',
  help: 'exportPosts mutations, by result (ok/too_large/limited/error)',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const exportRowsTotal = new Counter({
  name: 'graph_export_rows_total',
  help: 'Rows written to CSV exports',
  registers: [registry],
});

export const exportEvictionsTotal = new Counter({
  name: 'graph_export_evictions_total',
  help: 'Export files removed before expiry to keep the export folder within EXPORT_MAX_DISK_BYTES',
  registers: [registry],
});

export const operationsRejected = new Counter({
  name: 'graph_operations_rejected_total',
  help: 'Operations refused before or stopped during execution, by reason (cost/rate_limit/queue_full/wait_too_long/timeout)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const exportDownloadsTotal = new Counter({
  name: 'graph_export_downloads_total',
  help: 'Export download requests, by HTTP status (200/403/404/410)',
  labelNames: ['status'] as const,
  registers: [registry],
});

// Series that only move on failure start at 0, so `rate()`/`increase()` and the alerts see them before the first one.
const KNOWN_ERROR_CODES = [
  'BAD_USER_INPUT',
  'INVALID_CURSOR',
  'QUERY_TIMEOUT',
  'EXPORT_TOO_LARGE',
  'QUERY_TOO_COMPLEX',
  'SERVER_BUSY',
  'RATE_LIMITED',
  'GRAPHQL_VALIDATION_FAILED',
  'INTERNAL_SERVER_ERROR',
];
for (const code of KNOWN_ERROR_CODES) errorsTotal.inc({ code }, 0);
for (const result of ['ok', 'too_large', 'limited', 'error']) exportsTotal.inc({ result }, 0);
for (const reason of ['cost', 'rate_limit', 'queue_full', 'wait_too_long', 'timeout'])
  operationsRejected.inc({ reason }, 0);
