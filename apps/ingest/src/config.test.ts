import { ConfigError, DEFAULT_JETSTREAM_URLS, parseConfig } from './config';

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      redisUrl: undefined,
      jetstreamUrls: DEFAULT_JETSTREAM_URLS,
      dataDir: './data',
      flushIntervalMs: 300_000,
      flushMaxRows: 50_000,
      ingestPort: 9464,
      logLevel: 'info',
      compactionMemoryLimit: '4GB',
    });
    expect(DEFAULT_JETSTREAM_URLS).toHaveLength(4);
  });

  it('reads a comma-separated JETSTREAM_URL list and numbers', () => {
    const c = parseConfig({
      REDIS_URL: 'redis://127.0.0.1:6380',
      JETSTREAM_URL: ' ws://a/subscribe , wss://b/subscribe ',
      FLUSH_INTERVAL_MS: '5000',
      INGEST_PORT: '0',
    });
    expect(c.jetstreamUrls).toEqual(['ws://a/subscribe', 'wss://b/subscribe']);
    expect(c.flushIntervalMs).toBe(5000);
    expect(c.ingestPort).toBe(0);
    expect(c.redisUrl).toBe('redis://127.0.0.1:6380');
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      parseConfig({
        REDIS_URL: 'localhost:6379',
        JETSTREAM_URL: 'http://x,wss://ok/subscribe',
        FLUSH_MAX_ROWS: 'lots',
        INGEST_PORT: '70000',
        LOG_LEVEL: 'loud',
        JETSTREAM_REWIND_SECONDS: '600',
        DEDUP_WINDOW_SECONDS: '60',
        COMPACTION_MEMORY_LIMIT: 'plenty',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(7);
    for (const name of [
      'REDIS_URL',
      'JETSTREAM_URL',
      'FLUSH_MAX_ROWS',
      'INGEST_PORT',
      'LOG_LEVEL',
      'DEDUP_WINDOW_SECONDS',
      'COMPACTION_MEMORY_LIMIT',
    ]) {
      expect(problems.some((p) => p.startsWith(name))).toBe(true);
    }
    expect((error as Error).message).toContain('FLUSH_MAX_ROWS must be an integer');
  });
});
