// A live pipeline over a DATA_DIR: the simulator as a synthetic firehose at a rate (time_us = the wall clock when it
// sends), a real redis-server, ingest with production's 5-minute flushes, and the graph tailing the stream.
// Used by the freshness phase and by the search-with-a-full-tail measurement.
import { join } from 'node:path';
import { startJetstreamSim } from '@bsky-explorer/jetstream-sim';
import { freePort, startRedis } from '@bsky-explorer/testing';
import { POST_SHARE } from '../sim-source';
import { metricValue, startService, waitHttpOk, type Service } from '../service';
import { startGraph } from './graph-server';

export const FLUSH_INTERVAL_MS = 300_000;
/** The freshness poll's page: more than arrive between two polls at 2,000 posts/s. */
export const LIVE_MAX_PAGE = 5000;

export interface LivePipeline {
  graph: Awaited<ReturnType<typeof startGraph>>;
  ingest: Service;
  ingestPort: number;
  graphMetricsPort: number;
  /** Rows of posts the graph's tail holds now. */
  tailRows(): Promise<number>;
  stop(): Promise<void>;
}

export async function startLivePipeline(
  postsPerSecond: number,
  dataDir: string,
  seed: number,
  logDir: string,
  name: string,
): Promise<LivePipeline> {
  const redis = await startRedis();
  const eventsPerSecond = Math.round(postsPerSecond / POST_SHARE);
  const sim = await startJetstreamSim({
    source: {
      kind: 'synthetic',
      seed,
      rate: eventsPerSecond,
      startTimeUs: Date.now() * 1000,
      stepUs: Math.floor(1_000_000 / eventsPerSecond),
    },
    port: await freePort(),
    host: '127.0.0.1',
  });
  const ingestPort = await freePort();
  const graphMetricsPort = await freePort();
  let ingest: Service | undefined;
  let graph: Awaited<ReturnType<typeof startGraph>> | undefined;
  const stop = async () => {
    await ingest?.stop();
    await graph?.stop();
    await sim.stop();
    await redis.stop();
  };
  try {
    graph = await startGraph(dataDir, logDir, 0, {
      REDIS_URL: redis.url,
      GRAPH_METRICS_PORT: String(graphMetricsPort),
      SEARCH_MAX_PAGE_SIZE: String(LIVE_MAX_PAGE),
      GRAPH_MAX_QUERY_COST: '10000000',
    });
    ingest = startService(
      'apps/ingest/src/main.ts',
      {
        REDIS_URL: redis.url,
        JETSTREAM_URL: sim.subscribeUrl,
        DATA_DIR: dataDir,
        FLUSH_INTERVAL_MS: String(FLUSH_INTERVAL_MS),
        // Time decides the flush, as in production (a 5-minute batch at 2,000 posts/s is ~600k rows).
        FLUSH_MAX_ROWS: '5000000',
        // ... and not ingest's buffer bound (250k events by default, ~2 min at this rate, flushed early).
        BUFFER_MAX_ENTRIES: '5000000',
        INGEST_PORT: String(ingestPort),
        COMPACTION_INTERVAL_MS: '0',
        LOG_LEVEL: 'warn',
      },
      join(logDir, `${name}-ingest.log`),
    );
    await waitHttpOk(`http://127.0.0.1:${ingestPort}/healthz`, ingest);
    const metricsUrl = `http://127.0.0.1:${graphMetricsPort}/metrics`;
    return {
      graph,
      ingest,
      ingestPort,
      graphMetricsPort,
      tailRows: async () => metricValue(await (await fetch(metricsUrl)).text(), 'graph_tail_rows', { table: 'posts' }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
