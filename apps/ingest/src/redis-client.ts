import { Redis } from 'ioredis';

/**
 * An ioredis client that fails commands after a few reconnect attempts instead of queueing them forever:
 * the buffer must learn that an append failed (so the socket resumes from the persisted cursor), and the
 * flusher must learn that an ack failed (so it retries), rather than hang while Redis restarts.
 */
export function createRedis(url: string, name: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    connectionName: name,
    maxRetriesPerRequest: 3,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
}
