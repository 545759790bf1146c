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

  // One row per variable: a valid value and where it lands, an invalid one and the start of its problem.
  it.each([
    [
      'REDIS_URL',
      'rediss://h:6380',
      { redisUrl: 'rediss://h:6380' },
      'localhost:6379',
      'REDIS_URL must be a redis:// or rediss:// URL',
    ],
    [
      'JETSTREAM_URL',
      'ws://a/s,wss://b/s',
      { jetstreamUrls: ['ws://a/s', 'wss://b/s'] },
      'http://x',
      'JETSTREAM_URL entry is not a ws:// or wss:// URL',
    ],
    ['DATA_DIR', '/var/data', { dataDir: '/var/data' }, undefined, undefined],
    ['FLUSH_INTERVAL_MS', '5000', { flushIntervalMs: 5000 }, '99', 'FLUSH_INTERVAL_MS must be between 100'],
    ['FLUSH_MAX_ROWS', '30000', { flushMaxRows: 30000 }, 'lots', 'FLUSH_MAX_ROWS must be an integer'],
    ['FLUSH_CHUNK_ROWS', '5000', { flushChunkRows: 5000 }, '99', 'FLUSH_CHUNK_ROWS must be between 100'],
    ['INGEST_PORT', '0', { ingestPort: 0 }, '70000', 'INGEST_PORT must be between 0 and 65535'],
    ['LOG_LEVEL', 'debug', { logLevel: 'debug' }, 'loud', 'LOG_LEVEL must be one of fatal, error'],
    ['BUFFER_MAX_ENTRIES', '1000', { bufferMaxEntries: 1000 }, '0', 'BUFFER_MAX_ENTRIES must be between 1'],
    [
      'JETSTREAM_REWIND_SECONDS',
      '5',
      { rewindSeconds: 5 },
      '3601',
      'JETSTREAM_REWIND_SECONDS must be between 0 and 3600',
    ],
    [
      'JETSTREAM_SILENCE_TIMEOUT_MS',
      '1000',
      { silenceTimeoutMs: 1000 },
      '10',
      'JETSTREAM_SILENCE_TIMEOUT_MS must be between 100',
    ],
    ['JETSTREAM_BACKOFF_MIN_MS', '100', { backoffMinMs: 100 }, '0', 'JETSTREAM_BACKOFF_MIN_MS must be between 1'],
    ['JETSTREAM_BACKOFF_MAX_MS', '60000', { backoffMaxMs: 60000 }, 'x', 'JETSTREAM_BACKOFF_MAX_MS must be an integer'],
    [
      'JETSTREAM_MAX_MESSAGE_BYTES',
      '2097152',
      { maxMessageBytes: 2097152 },
      '100',
      'JETSTREAM_MAX_MESSAGE_BYTES must be between 4096',
    ],
    ['DEDUP_WINDOW_SECONDS', '600', { dedupWindowSeconds: 600 }, '-1', 'DEDUP_WINDOW_SECONDS must be between 1'],
    ['APPEND_BATCH_SIZE', '100', { appendBatchSize: 100 }, '100001', 'APPEND_BATCH_SIZE must be between 1 and 100000'],
    [
      'APPEND_BATCH_MAX_WAIT_MS',
      '0',
      { appendBatchMaxWaitMs: 0 },
      '10001',
      'APPEND_BATCH_MAX_WAIT_MS must be between 0 and 10000',
    ],
    ['FLUSH_SAFETY_LAG_MS', '0', { flushSafetyLagMs: 0 }, '60001', 'FLUSH_SAFETY_LAG_MS must be between 0 and 60000'],
    ['COMPACTION_INTERVAL_MS', '0', { compactionIntervalMs: 0 }, '-5', 'COMPACTION_INTERVAL_MS must be between 0'],
    ['COMPACTION_GRACE_MS', '1000', { compactionGraceMs: 1000 }, 'soon', 'COMPACTION_GRACE_MS must be an integer'],
    [
      'COMPACTION_MEMORY_LIMIT',
      '512MB',
      { compactionMemoryLimit: '512MB' },
      'plenty',
      'COMPACTION_MEMORY_LIMIT must be a size',
    ],
    ['READY_MAX_SILENCE_MS', '5000', { readyMaxSilenceMs: 5000 }, '0', 'READY_MAX_SILENCE_MS must be between 1'],
    ['REDIS_KEY_PREFIX', 'a:', { redisKeyPrefix: 'a:' }, undefined, undefined],
    ['DEAD_LETTER_MAX_LEN', '10', { deadLetterMaxLen: 10 }, '0', 'DEAD_LETTER_MAX_LEN must be between 1'],
  ] as const)('%s', (name, good, parsed, bad, problem) => {
    expect(parseConfig({ [name]: good })).toMatchObject(parsed);
    if (bad === undefined) return;
    let error: unknown;
    try {
      parseConfig({ [name]: bad });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(1);
    expect((error as ConfigError).problems[0].startsWith(problem!)).toBe(true);
  });

  it('checks JETSTREAM_BACKOFF_MAX_MS against JETSTREAM_BACKOFF_MIN_MS', () => {
    expect(() => parseConfig({ JETSTREAM_BACKOFF_MIN_MS: '1000', JETSTREAM_BACKOFF_MAX_MS: '999' })).toThrow(
      'JETSTREAM_BACKOFF_MAX_MS must be >= JETSTREAM_BACKOFF_MIN_MS',
    );
  });
});
