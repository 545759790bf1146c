import { TailFollower, ingestKeys, type PostStore } from '@bsky-explorer/storage';
import { Redis } from 'ioredis';
import type { GraphConfig } from '../config';
import type { Logger } from '../logger';
import { reportTail } from './tail-metrics';

export interface GraphTail {
  start(): void;
  stop(): Promise<void>;
}

/**
 * Feeds the store's tail from ingest's Redis stream (freshness: posts searchable before their flush). Redis being
 * away is no error for clients: queries answer from the files and what the tail holds, the state shows in
 * graph_tail_redis_connected and one log line per change.
 */
export function createGraphTail(config: GraphConfig, store: PostStore, log: Logger): GraphTail | undefined {
  const tail = store.tail;
  if (!config.redisUrl || !tail) {
    log.info('no REDIS_URL: posts become searchable when ingest flushes them (no tail)');
    return undefined;
  }
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectionName: 'graph-tail',
    // A command fails after one reconnect attempt while Redis is away: the follower retries on its own schedule.
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
  // ioredis reports every failed reconnect as an error event; the follower's state change is the one log line.
  redis.on('error', () => undefined);
  const follower = new TailFollower({
    redis,
    keys: ingestKeys(config.redisKeyPrefix),
    tail,
    onState: ({ connected, error }) => {
      if (connected) log.info('tail: reading the ingest stream, posts are searchable before their flush');
      else
        log.warn(
          { err: error },
          'tail: Redis unreachable, queries answer from Parquet and what the tail holds; retrying',
        );
    },
  });
  reportTail({ tail, follower });
  return {
    start() {
      redis.connect().catch(() => undefined);
      follower.start();
    },
    async stop() {
      await follower.stop();
      reportTail(undefined);
    },
  };
}
