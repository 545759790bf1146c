import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PostStore, type QueryObservation } from '@bsky-explorer/storage';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { GraphConfig } from './config';
import { createRequestContext, requestIdFrom, type AppContext, type GraphContext } from './context';
import { graphiqlOptions, renderGraphiQL } from './graphiql';
import { clientKey } from './http/client-address';
import { corsOptions } from './http/cors';
import { MetricsServer } from './http/metrics-server';
import { requestGuardPlugins } from './http/request-guards';
import { Admission } from './overload/admission';
import { InFlight, useOperationGuard } from './overload/operation-guard';
import { RateLimiter } from './overload/rate-limiter';
import { useExportDownloads } from './exports/download-route';
import { ExportService } from './exports/export-service';
import { schema } from './graphql-schema';
import { useHealthRoutes } from './health-routes';
import { useInputErrorCodes } from './input-error-codes';
import { logAndMaskError, yogaLogging } from './mask-error';
import { createLogger, type Logger } from './logger';
import { duckdbQueryDuration } from './metrics';
import { useTimings } from './timings-plugin';
import { useObservability } from './observability-plugin';
import { queryLimitPlugins } from './query-limits';
import { createGraphTail } from './tail/graph-tail';

export interface GraphOptions {
  /** Called after every DuckDB query (tests count queries with it). */
  onQuery?: (observation: QueryObservation) => void;
  logger?: Logger;
}

export interface Graph extends AsyncDisposable {
  readonly config: GraphConfig;
  readonly yoga: YogaServerInstance<Record<string, unknown>, GraphContext>;
  readonly server: Server;
  readonly store: PostStore;
  readonly exports: ExportService;
  readonly admission: Admission;
  /** http://host:port once started (the real port when GRAPH_PORT=0). */
  readonly url: string;
  /** http://host:port of the separate /metrics listener once started, '' when /metrics is on the API port. */
  readonly metricsUrl: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the service from config: store, export service, Yoga with its plugins, and an http server (not listening). */
export async function createGraph(config: GraphConfig, options: GraphOptions = {}): Promise<Graph> {
  const log = options.logger ?? createLogger(config.logLevel);
  for (const warning of config.warnings) log.warn(warning);

  const store = await PostStore.create({
    dataDir: config.dataDir,
    threads: config.duckdbThreads,
    memoryLimit: config.duckdbMemoryLimit,
    poolSize: config.duckdbPoolSize,
    queryTimeoutMs: config.queryTimeoutMs,
    // An export of up to EXPORT_MAX_ROWS takes far longer than an interactive search.
    exportTimeoutMs: config.exportTimeoutMs,
    resultCacheSize: config.searchCacheSize,
    tail: config.redisUrl ? { maxRows: config.tailMaxRows, maxBytes: config.tailMaxBytes } : undefined,
    onQuery: options.onQuery,
    // Per SQL statement: a search is several (plan, scan windows, read-back), each timed on its own.
    onStatement: (q) => duckdbQueryDuration.observe({ query: q.kind }, q.durationMs / 1000),
  });
  const exports = new ExportService(store, config, log.child({ component: 'exports' }));
  try {
    await exports.init();
  } catch (err) {
    await store.close();
    throw err;
  }
  const tail = createGraphTail(config, store, log.child({ component: 'tail' }));
  const app: AppContext = { config, store, exports, log };
  /** Per request: its id (logs, x-request-id) and the client key limits count by. */
  const requests = new WeakMap<Request, { id: string; client: string }>();
  const admission = new Admission({
    maxConcurrent: config.maxConcurrentOperations,
    maxQueued: config.maxQueuedOperations,
    maxWaitMs: config.maxQueueWaitMs,
  });
  const inFlight = new InFlight();
  const rateLimiter = new RateLimiter({ perMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst });
  const metricsServer =
    config.metricsPort === undefined ? undefined : new MetricsServer(config.host, config.metricsPort);

  const yoga = createYoga<Record<string, unknown>, GraphContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: config.graphiql ? graphiqlOptions() : false,
    renderGraphiQL,
    landingPage: false,
    cors: corsOptions(config.corsOrigins),
    maskedErrors: { isDev: false, maskError: logAndMaskError(log) },
    logging: yogaLogging(log),
    context: ({ request }) => {
      let r = requests.get(request);
      if (!r)
        requests.set(request, (r = { id: requestIdFrom(request.headers.get('x-request-id')), client: 'unknown' }));
      return createRequestContext(app, r.id, r.client);
    },
    plugins: [
      {
        onRequest({ request, serverContext }) {
          const req = (serverContext as { req?: IncomingMessage } | undefined)?.req;
          requests.set(request, {
            id: requestIdFrom(request.headers.get('x-request-id')),
            client: clientKey(
              req?.socket.remoteAddress,
              request.headers.get('x-forwarded-for'),
              config.trustedProxyHops,
            ),
          });
        },
      },
      useHealthRoutes(store, config.dataDir, Math.min(config.queryTimeoutMs, 5000), metricsServer === undefined),
      useExportDownloads(exports, log.child({ component: 'downloads' })),
      ...requestGuardPlugins({ graphqlEndpoint: '/graphql', maxBodyBytes: config.maxBodyBytes }),
      ...queryLimitPlugins({
        maxDepth: config.maxQueryDepth,
        maxRootFields: config.maxRootFields,
        maxAliases: config.maxAliases,
        maxTokens: config.maxTokens,
        maxDocumentBytes: config.maxDocumentBytes,
        introspection: config.introspection,
      }),
      useInputErrorCodes(),
      useObservability(log, requests),
      useTimings(),
      useOperationGuard({
        inFlight,
        schema,
        admission,
        rateLimiter,
        maxCost: config.maxQueryCost,
        defaultPageSize: config.searchDefaultPageSize,
        queryTimeoutMs: config.queryTimeoutMs,
        exportTimeoutMs: config.exportTimeoutMs,
      }),
    ],
  });

  const server = createServer(yoga);
  let url = '';
  let stopped = false;

  const graph: Graph = {
    config,
    yoga,
    server,
    store,
    exports,
    admission,
    get url() {
      return url;
    },
    get metricsUrl() {
      return metricsServer?.url ?? '';
    },
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const { port } = server.address() as AddressInfo;
      url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
      await metricsServer?.start();
      exports.startSweeping();
      tail?.start();
      log.info(
        {
          url: `${url}/graphql`,
          metrics: metricsServer ? `${metricsServer.url}/metrics` : `${url}/metrics`,
          dataDir: config.dataDir,
          publicUrl: config.publicUrl,
        },
        'graph listening',
      );
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      exports.stopSweeping();
      const closed = server.listening
        ? new Promise<void>((resolve) => server.close(() => resolve()))
        : Promise.resolve();
      server.closeIdleConnections();
      // Operations whose client went away still run: let them end (each is bounded by its deadline) before the
      // store closes under them.
      await inFlight.drain(Math.max(config.queryTimeoutMs, Math.min(config.exportTimeoutMs, 30_000)));
      // Keep-alive connections go idle once their last answer is written: close them as they do, and any left
      // after 5 s.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const force = setTimeout(() => server.closeAllConnections(), 5000);
      await closed;
      clearInterval(sweep);
      clearTimeout(force);
      await metricsServer?.stop();
      await tail?.stop();
      await store.close();
      log.info('graph stopped');
    },
    [Symbol.asyncDispose]() {
      return graph.stop();
    },
  };
  return graph;
}
