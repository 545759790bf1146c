// The ingest service: JetstreamSource → Pipeline → Redis stream → Flusher → Parquet, plus HTTP and compaction.
// Each part is built with what it uses and nothing else; resources are created in start() and closed in
// reverse order in stop(). Reading order for one post: jetstream-source.ts, pipeline.ts, decode-message.ts,
// stream-entry.ts, append-script.ts, flusher.ts, flush-commit.ts, flush-worker.ts.
import { mkdir, statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { POST_COLLECTION } from '@bsky-explorer/schema';
import { compactClosedDays } from '@bsky-explorer/storage';
import type { Redis } from 'ioredis';
import { CompactionSchedule, type CompactFn } from './compaction-schedule';
import type { IngestConfig } from './config';
import { FLUSH_STATE_DIR } from './flush-state';
import type { WriteFlushBatch } from './flush-commit';
import { Flusher } from './flusher';
import { FlushWorkerClient } from './flush-worker-client';
import { startHttp, type CheckResult } from './http';
import { JetstreamSource } from './jetstream-source';
import { ingestKeys, type IngestKeys } from './keys';
import { createLogger, type Logger } from './logger';
import { createMetrics, type IngestMetrics } from './metrics';
import { Pipeline } from './pipeline';
import { createRedis } from './redis-client';

export interface IngestDeps {
  logger?: Logger;
  /** Defaults to a worker thread running writeBatch (flush-worker.ts). */
  write?: WriteFlushBatch;
  compact?: CompactFn;
}

export interface Ingest extends AsyncDisposable {
  start(): Promise<void>;
  /** Stop reading, final flush, close everything (in reverse order of creation). */
  stop(): Promise<void>;
  /** Everything received so far appended to Redis and written to Parquet. */
  flushNow(): Promise<void>;
  /** Port of the HTTP server (useful with INGEST_PORT=0). */
  readonly port: number;
  readonly metrics: IngestMetrics;
  readonly keys: IngestKeys;
  readonly source: JetstreamSource;
  readonly pipeline: Pipeline;
  readonly flusher: Flusher;
  readonly redis: Redis;
  readiness(): Promise<Record<string, CheckResult>>;
}

export function createIngest(config: IngestConfig, deps: IngestDeps = {}): Ingest {
  if (!config.redisUrl) throw new Error('REDIS_URL is required');
  const log = deps.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const keys = ingestKeys(config.redisKeyPrefix);
  const redis = createRedis(config.redisUrl, 'ingest');
  const reader = createRedis(config.redisUrl, 'ingest-flusher');
  // Connection errors are handled where commands fail (append fence, flush retry); log them instead of letting
  // ioredis print "[ioredis] Unhandled error event" on stderr.
  for (const client of [redis, reader])
    client.on('error', (err: NodeJS.ErrnoException) =>
      log.warn({ err: { message: err.message, code: err.code } }, 'Redis connection error'),
    );

  // In the order a message meets them; each part gets what it calls, none calls back into its caller.
  const flushWorker = new FlushWorkerClient();
  const flusher = new Flusher({
    redis,
    reader,
    keys,
    dataDir: config.dataDir,
    maxRows: config.flushMaxRows,
    chunkRows: config.flushChunkRows,
    intervalMs: config.flushIntervalMs,
    safetyLagMs: config.flushSafetyLagMs,
    write: deps.write ?? flushWorker.write,
    metrics,
    log: log.child({ component: 'flusher' }),
  });
  const pipeline = new Pipeline({
    redis,
    keys,
    dedupWindowSeconds: config.dedupWindowSeconds,
    batchSize: config.appendBatchSize,
    batchMaxWaitMs: config.appendBatchMaxWaitMs,
    maxEntries: config.bufferMaxEntries,
    maxMessageBytes: config.maxMessageBytes,
    deadLetterMaxLen: config.deadLetterMaxLen,
    flusher,
    metrics,
    log: log.child({ component: 'pipeline' }),
  });
  const source = new JetstreamSource({
    urls: config.jetstreamUrls,
    wantedCollections: [POST_COLLECTION],
    rewindUs: config.rewindSeconds * 1_000_000,
    silenceTimeoutMs: config.silenceTimeoutMs,
    backoffMinMs: config.backoffMinMs,
    backoffMaxMs: config.backoffMaxMs,
    maxMessageBytes: config.maxMessageBytes,
    resumePoint: () => pipeline.resumePoint(),
    onReconnect: (reason) => metrics.reconnects.inc({ reason }),
    log: log.child({ component: 'jetstream' }),
  });
  const compaction = new CompactionSchedule({
    dataDir: config.dataDir,
    intervalMs: config.compactionIntervalMs,
    graceMs: config.compactionGraceMs,
    compact:
      deps.compact ?? ((dir, opts) => compactClosedDays(dir, { ...opts, memoryLimit: config.compactionMemoryLimit })),
    metrics,
    log: log.child({ component: 'compaction' }),
  });

  let http: Awaited<ReturnType<typeof startHttp>> | undefined;
  let running: Promise<void> | undefined;
  let gauges: NodeJS.Timeout | undefined;
  let started = false;

  const refreshGauges = () => {
    metrics.jetstreamConnected.set(source.connected && !source.paused ? 1 : 0);
    if (source.lastMessageAt > 0) metrics.lastEventTimestamp.set(source.lastMessageAt / 1000);
    if (pipeline.lastTimeUs > 0) metrics.lag.set(Math.max(0, Date.now() / 1000 - pipeline.lastTimeUs / 1e6));
  };

  const beforeScrape = async () => {
    refreshGauges();
    const [info, fs] = await Promise.allSettled([redis.info('memory'), statfs(config.dataDir)]);
    if (info.status === 'fulfilled') {
      const used = /used_memory:(\d+)/.exec(info.value);
      const max = /maxmemory:(\d+)/.exec(info.value);
      if (used) metrics.redisUsedMemory.set(Number(used[1]));
      if (max) metrics.redisMaxMemory.set(Number(max[1]));
    }
    if (fs.status === 'fulfilled') {
      metrics.dataDirFree.set(fs.value.bavail * fs.value.bsize);
      metrics.dataDirSize.set(fs.value.blocks * fs.value.bsize);
    }
  };

  const readiness = async (): Promise<Record<string, CheckResult>> => {
    const check = async (fn: () => Promise<string | undefined>): Promise<CheckResult> => {
      try {
        const detail = await Promise.race([
          fn(),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out after 2 s')), 2000).unref()),
        ]);
        return detail === undefined ? { ok: true } : { ok: false, detail };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      }
    };
    const [redisCheck, dataDir] = await Promise.all([
      check(async () => ((await redis.ping()) === 'PONG' ? undefined : 'unexpected PING reply')),
      check(async () => {
        const dir = join(config.dataDir, FLUSH_STATE_DIR);
        await mkdir(dir, { recursive: true });
        const probe = join(dir, `.ready-probe-${process.pid}`);
        await writeFile(probe, 'ok');
        await unlink(probe);
        return undefined;
      }),
    ]);
    const sinceMs = Date.now() - Math.max(source.lastMessageAt, source.lastOpenAt);
    const stuck = source.stuck;
    const jetstream: CheckResult = stuck
      ? { ok: false, detail: stuck }
      : source.connected || sinceMs <= config.readyMaxSilenceMs
        ? { ok: true }
        : {
            ok: false,
            detail: source.lastOpenAt === 0 ? 'never connected' : `no connection for ${Math.round(sinceMs / 1000)} s`,
          };
    return { redis: redisCheck, jetstream, dataDir };
  };

  const ingest: Ingest = {
    metrics,
    keys,
    source,
    pipeline,
    flusher,
    redis,
    readiness,
    get port() {
      return http?.port ?? config.ingestPort;
    },
    async start() {
      if (started) return;
      started = true;
      await Promise.all([redis, reader].map((r) => (r.status === 'wait' ? r.connect() : Promise.resolve())));
      await pipeline.sync();
      if (!deps.write) flushWorker.warm();
      await flusher.start();
      http = await startHttp({ port: config.ingestPort, registry: metrics.registry, checks: readiness, beforeScrape });
      gauges = setInterval(refreshGauges, 1000);
      gauges.unref();
      compaction.start();
      running = pipeline.run(source).catch((err: unknown) => log.error({ err }, 'ingest loop failed'));
      log.info({ urls: config.jetstreamUrls, dataDir: config.dataDir, port: http.port }, 'ingest started');
    },
    async flushNow() {
      await pipeline.drain();
      await flusher.flushNow();
    },
    async stop() {
      if (!started) return;
      started = false;
      log.info('stopping: no more reading, final flush');
      source.stop();
      pipeline.stop();
      await running;
      await pipeline.drain();
      pipeline.close();
      await flusher.stop();
      await flushWorker.close();
      await compaction.stop();
      clearInterval(gauges);
      await http?.close();
      await Promise.allSettled([reader.quit(), redis.quit()]);
      reader.disconnect();
      redis.disconnect();
      log.info('stopped');
    },
    [Symbol.asyncDispose]() {
      return ingest.stop();
    },
  };
  return ingest;
}
