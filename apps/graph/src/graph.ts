import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PostStore, type QueryObservation } from '@bsky-explorer/storage';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { GraphConfig } from './config';
import { createRequestContext, requestIdFrom, type AppContext, type GraphContext } from './context';
import { useExportDownloads } from './exports/download-route';
import { ExportService } from './exports/export-service';
import { schema } from './graphql-schema';
import { useHealthRoutes } from './health-routes';
import { useInputErrorCodes } from './input-error-codes';
import { logAndMaskError, yogaLogging } from './mask-error';
import { createLogger, type Logger } from './logger';
import { duckdbQueryDuration } from './metrics';
import { useObservability } from './observability-plugin';
import { queryLimitPlugins } from './query-limits';

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
  /** http://host:port once started (the real port when GRAPH_PORT=0). */
  readonly url: string;
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
    poolSize: config.duckdbPoolSize,
    queryTimeoutMs: config.queryTimeoutMs,
    // An export of up to EXPORT_MAX_ROWS takes far longer than an interactive search.
    exportTimeoutMs: config.exportTimeoutMs,
    resultCacheSize: config.searchCacheSize,
    onQuery: (q) => {
      duckdbQueryDuration.observe({ query: q.kind }, q.durationMs / 1000);
      options.onQuery?.(q);
    },
  });
  const exports = new ExportService(store, config, log.child({ component: 'exports' }));
  try {
    await exports.init();
  } catch (err) {
    await store.close();
    throw err;
  }
  const app: AppContext = { config, store, exports, log };
  const requestIds = new WeakMap<Request, string>();

  const yoga = createYoga<Record<string, unknown>, GraphContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: { title: 'Bluesky Post Explorer' },
    landingPage: false,
    maskedErrors: { isDev: false, maskError: logAndMaskError(log) },
    logging: yogaLogging(log),
    context: ({ request }) => {
      let id = requestIds.get(request);
      if (!id) requestIds.set(request, (id = requestIdFrom(request.headers.get('x-request-id'))));
      return createRequestContext(app, id);
    },
    plugins: [
      {
        onRequest({ request }) {
          requestIds.set(request, requestIdFrom(request.headers.get('x-request-id')));
        },
      },
      useHealthRoutes(store, config.dataDir, Math.min(config.queryTimeoutMs, 5000)),
      useExportDownloads(exports, log.child({ component: 'downloads' })),
      ...queryLimitPlugins({
        maxDepth: config.maxQueryDepth,
        maxCost: config.maxQueryCost,
        maxRootFields: config.maxRootFields,
      }),
      useInputErrorCodes(),
      useObservability(log, requestIds),
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
    get url() {
      return url;
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
      exports.startSweeping();
      log.info({ url: `${url}/graphql`, dataDir: config.dataDir, publicUrl: config.publicUrl }, 'graph listening');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      exports.stopSweeping();
      if (server.listening) {
        server.closeIdleConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await store.close();
      log.info('graph stopped');
    },
    [Symbol.asyncDispose]() {
      return graph.stop();
    },
  };
  return graph;
}
