import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES, ConfigError, loadConfig, weakSecretReason, type GraphConfig } from './config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

const STRONG_SECRET = randomBytes(32).toString('hex');

// One row per variable: a valid value and where it lands, an invalid one (none for free text) and the start of its
// problem. (Every row has all five: jest passes `done` in place of a missing one.)
const ROWS: [
  name: string,
  good: string,
  parsed: Partial<GraphConfig>,
  bad: string | undefined,
  problem: string | undefined,
][] = [
  ['NODE_ENV', 'test', { nodeEnv: 'test', introspection: true }, undefined, undefined],
  [
    'GRAPH_PORT',
    '8080',
    { port: 8080, publicUrl: 'http://localhost:8080' },
    '65536',
    'GRAPH_PORT must be between 0 and 65535',
  ],
  ['GRAPH_HOST', '127.0.0.1', { host: '127.0.0.1' }, undefined, undefined],
  ['DATA_DIR', '/var/data', { dataDir: '/var/data', exportDir: '/var/data/exports' }, undefined, undefined],
  [
    'REDIS_URL',
    'rediss://h:6380',
    { redisUrl: 'rediss://h:6380' },
    'localhost:6379',
    'REDIS_URL must be a redis:// or rediss:// URL',
  ],
  ['REDIS_KEY_PREFIX', 'a:', { redisKeyPrefix: 'a:' }, undefined, undefined],
  ['GRAPH_TAIL', 'off', { redisUrl: undefined }, 'maybe', 'GRAPH_TAIL must be true or false'],
  ['TAIL_MAX_ROWS', '10', { tailMaxRows: 10 }, '0', 'TAIL_MAX_ROWS must be between 1'],
  ['TAIL_MAX_BYTES', '1024', { tailMaxBytes: 1024 }, '1023', 'TAIL_MAX_BYTES must be between 1024'],
  [
    'PUBLIC_URL',
    'https://x.example/',
    { publicUrl: 'https://x.example' },
    'ftp://x.example',
    'PUBLIC_URL must be a http:// or https:// URL',
  ],
  ['EXPORT_DIR', '/srv/exports', { exportDir: '/srv/exports' }, undefined, undefined],
  [
    'EXPORT_SIGNING_SECRET',
    STRONG_SECRET,
    { exportSigningSecret: STRONG_SECRET, warnings: [] },
    'short',
    'EXPORT_SIGNING_SECRET is unsafe: it is 5 characters long',
  ],
  ['EXPORT_TTL_SECONDS', '60', { exportTtlSeconds: 60 }, '0', 'EXPORT_TTL_SECONDS must be between 1'],
  ['EXPORT_MAX_ROWS', '10', { exportMaxRows: 10 }, '1.5', 'EXPORT_MAX_ROWS must be an integer'],
  [
    'EXPORT_SWEEP_INTERVAL_MS',
    '100',
    { exportSweepIntervalMs: 100 },
    '99',
    'EXPORT_SWEEP_INTERVAL_MS must be between 100',
  ],
  ['EXPORT_MAX_CONCURRENT', '64', { exportMaxConcurrent: 64 }, '0', 'EXPORT_MAX_CONCURRENT must be between 1 and 64'],
  [
    'EXPORT_MAX_CONCURRENT_PER_CLIENT',
    '2',
    { exportMaxConcurrentPerClient: 2 },
    '65',
    'EXPORT_MAX_CONCURRENT_PER_CLIENT must be between 1 and 64',
  ],
  [
    'EXPORT_ROWS_PER_HOUR_PER_CLIENT',
    '0',
    { exportRowsPerHourPerClient: 0 },
    '-1',
    'EXPORT_ROWS_PER_HOUR_PER_CLIENT must be between 0',
  ],
  ['EXPORT_MAX_DISK_BYTES', '0', { exportMaxDiskBytes: 0 }, 'lots', 'EXPORT_MAX_DISK_BYTES must be an integer'],
  [
    'SEARCH_DEFAULT_PAGE_SIZE',
    '100',
    { searchDefaultPageSize: 100 },
    '0',
    'SEARCH_DEFAULT_PAGE_SIZE must be between 1',
  ],
  ['SEARCH_MAX_PAGE_SIZE', '500', { searchMaxPageSize: 500 }, '0', 'SEARCH_MAX_PAGE_SIZE must be between 1'],
  [
    'QUERY_TIMEOUT_MS',
    '3000',
    { queryTimeoutMs: 3000, maxQueueWaitMs: 1500 },
    '0',
    'QUERY_TIMEOUT_MS must be between 1',
  ],
  ['EXPORT_TIMEOUT_MS', '1000', { exportTimeoutMs: 1000 }, 'soon', 'EXPORT_TIMEOUT_MS must be an integer'],
  ['SEARCH_CACHE_SIZE', '0', { searchCacheSize: 0 }, '100001', 'SEARCH_CACHE_SIZE must be between 0 and 100000'],
  ['DUCKDB_THREADS', '2', { duckdbThreads: 2 }, '0', 'DUCKDB_THREADS must be between 1 and 1024'],
  [
    'DUCKDB_MEMORY_LIMIT',
    '6GB',
    { duckdbMemoryLimit: '6GB' },
    'lots',
    'DUCKDB_MEMORY_LIMIT must be a size such as 4GB',
  ],
  [
    'DUCKDB_POOL_SIZE',
    '8',
    { duckdbPoolSize: 8, maxConcurrentOperations: 8 },
    '65',
    'DUCKDB_POOL_SIZE must be between 1 and 64',
  ],
  [
    'GRAPH_MAX_CONCURRENT_OPERATIONS',
    '2',
    { maxConcurrentOperations: 2 },
    '1025',
    'GRAPH_MAX_CONCURRENT_OPERATIONS must be between 1 and 1024',
  ],
  [
    'GRAPH_MAX_QUEUED_OPERATIONS',
    '0',
    { maxQueuedOperations: 0 },
    '100001',
    'GRAPH_MAX_QUEUED_OPERATIONS must be between 0 and 100000',
  ],
  ['GRAPH_MAX_QUEUE_WAIT_MS', '0', { maxQueueWaitMs: 0 }, '-1', 'GRAPH_MAX_QUEUE_WAIT_MS must be between 0 and 600000'],
  [
    'GRAPH_RATE_LIMIT_PER_MINUTE',
    '0',
    { rateLimitPerMinute: 0 },
    'many',
    'GRAPH_RATE_LIMIT_PER_MINUTE must be an integer',
  ],
  ['GRAPH_RATE_LIMIT_BURST', '1', { rateLimitBurst: 1 }, '0', 'GRAPH_RATE_LIMIT_BURST must be between 1'],
  ['GRAPH_TRUSTED_PROXY_HOPS', '1', { trustedProxyHops: 1 }, '11', 'GRAPH_TRUSTED_PROXY_HOPS must be between 0 and 10'],
  [
    'GRAPH_CORS_ORIGINS',
    'https://a.example, http://localhost:5173',
    { corsOrigins: ['https://a.example', 'http://localhost:5173'] },
    '*',
    'GRAPH_CORS_ORIGINS entry is not an origin',
  ],
  ['GRAPH_INTROSPECTION', 'FALSE', { introspection: false }, 'maybe', 'GRAPH_INTROSPECTION must be true or false'],
  ['GRAPH_GRAPHIQL', '0', { graphiql: false }, 'sometimes', 'GRAPH_GRAPHIQL must be true or false'],
  ['GRAPH_TIMINGS', 'yes', { timings: true }, '2', 'GRAPH_TIMINGS must be true or false'],
  ['GRAPH_METRICS_PORT', '9500', { metricsPort: 9500 }, '70000', 'GRAPH_METRICS_PORT must be between 0 and 65535'],
  ['GRAPH_MAX_QUERY_DEPTH', '2', { maxQueryDepth: 2 }, '1', 'GRAPH_MAX_QUERY_DEPTH must be between 2 and 100'],
  ['GRAPH_MAX_QUERY_COST', '10', { maxQueryCost: 10 }, '9', 'GRAPH_MAX_QUERY_COST must be between 10'],
  ['GRAPH_MAX_ALIASES', '0', { maxAliases: 0 }, '1001', 'GRAPH_MAX_ALIASES must be between 0 and 1000'],
  ['GRAPH_MAX_ROOT_FIELDS', '100', { maxRootFields: 100 }, '0', 'GRAPH_MAX_ROOT_FIELDS must be between 1 and 100'],
  ['GRAPH_MAX_TOKENS', '100', { maxTokens: 100 }, '99', 'GRAPH_MAX_TOKENS must be between 100 and 1000000'],
  [
    'GRAPH_MAX_DOCUMENT_BYTES',
    '256',
    { maxDocumentBytes: 256 },
    '16777217',
    'GRAPH_MAX_DOCUMENT_BYTES must be between 256 and 16777216',
  ],
  ['GRAPH_MAX_BODY_BYTES', '1024', { maxBodyBytes: 1024 }, '1e6', 'GRAPH_MAX_BODY_BYTES must be an integer'],
  ['LOG_LEVEL', 'debug', { logLevel: 'debug' }, 'loud', 'LOG_LEVEL must be one of fatal, error'],
];

describe('loadConfig', () => {
  it('applies defaults and warns about a generated secret outside production', () => {
    const c = loadConfig({ DATA_DIR: '/tmp/x' });
    expect(c.port).toBe(4000);
    expect(c.publicUrl).toBe('http://localhost:4000');
    expect(c.exportDir).toBe('/tmp/x/exports');
    expect(c.searchDefaultPageSize).toBe(50);
    expect(c.searchCacheSize).toBe(256);
    expect(loadConfig({ SEARCH_CACHE_SIZE: '0' }).searchCacheSize).toBe(0);
    expect(c.searchMaxPageSize).toBe(1000);
    expect(c.exportSigningSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(c.warnings.join()).toMatch(/EXPORT_SIGNING_SECRET/);
    // Two processes never share a generated secret.
    expect(loadConfig({}).exportSigningSecret).not.toBe(c.exportSigningSecret);
  });

  it('derives PUBLIC_URL from GRAPH_PORT and trims a trailing slash', () => {
    expect(loadConfig({ GRAPH_PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://x.example/' }).publicUrl).toBe('https://x.example');
  });

  it('requires the signing secret in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/EXPORT_SIGNING_SECRET is required/);
    const secret = randomBytes(32).toString('hex');
    const c = loadConfig({ NODE_ENV: 'production', EXPORT_SIGNING_SECRET: secret });
    expect(c.exportSigningSecret).toBe(secret);
    expect(c.warnings).toEqual([]);
  });

  it('refuses placeholder, short or low-variety secrets in production, and warns about them otherwise', () => {
    const example = readFileSync(join(__dirname, '../../../infra/compose/.env.example'), 'utf8');
    const placeholder = /^EXPORT_SIGNING_SECRET=(.*)$/m.exec(example)![1];
    for (const weak of [
      placeholder,
      'change-me-run-openssl-rand-hex-32', // the placeholder .env.example shipped before (33 characters)
      'CHANGEME-please-replace-with-a-long-value',
      'x'.repeat(40),
      'abababababababababababababababababab',
      randomBytes(15).toString('hex'), // 30 characters
    ]) {
      expect(() => loadConfig({ NODE_ENV: 'production', EXPORT_SIGNING_SECRET: weak })).toThrow(
        /EXPORT_SIGNING_SECRET is unsafe/,
      );
    }
    expect(weakSecretReason(randomBytes(24).toString('base64'))).toBeUndefined();
    // Outside production a long weak secret is only a warning (a short one is always refused).
    const dev = loadConfig({ EXPORT_SIGNING_SECRET: 'x'.repeat(40) });
    expect(dev.warnings.join()).toMatch(/unsafe.*refused when NODE_ENV=production/);
    expect(() => loadConfig({ EXPORT_SIGNING_SECRET: 'short' })).toThrow(/EXPORT_SIGNING_SECRET/);
  });

  it('has safe production defaults for exposure, and development ones for convenience', () => {
    const prod = loadConfig({ NODE_ENV: 'production', EXPORT_SIGNING_SECRET: randomBytes(32).toString('hex') });
    expect([prod.introspection, prod.graphiql, prod.metricsPort, prod.corsOrigins]).toEqual([false, false, 9465, []]);
    const dev = loadConfig({});
    expect([dev.introspection, dev.graphiql, dev.metricsPort, dev.corsOrigins]).toEqual([true, true, undefined, []]);
    const opened = loadConfig({
      NODE_ENV: 'production',
      EXPORT_SIGNING_SECRET: randomBytes(32).toString('hex'),
      GRAPH_INTROSPECTION: 'true',
      GRAPH_GRAPHIQL: 'yes',
      GRAPH_METRICS_PORT: '9500',
      GRAPH_CORS_ORIGINS: 'https://app.example.org, http://localhost:5173',
    });
    expect([opened.introspection, opened.graphiql, opened.metricsPort, opened.corsOrigins]).toEqual([
      true,
      true,
      9500,
      ['https://app.example.org', 'http://localhost:5173'],
    ]);
    expect(loadConfig({ GRAPH_GRAPHIQL: 'on', GRAPH_INTROSPECTION: 'off' }).warnings.join()).toMatch(
      /GraphiQL cannot load the schema/,
    );
  });

  it('refuses bad exposure and limit settings', () => {
    for (const [name, value] of [
      ['GRAPH_CORS_ORIGINS', '*'],
      ['GRAPH_CORS_ORIGINS', 'https://app.example.org/path'],
      ['GRAPH_INTROSPECTION', 'maybe'],
      ['GRAPH_METRICS_PORT', '4000'],
      ['GRAPH_MAX_QUEUE_WAIT_MS', '-1'],
      ['EXPORT_MAX_CONCURRENT', '0'],
      ['EXPORT_MAX_DISK_BYTES', 'lots'],
    ]) {
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
    }
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({
        NODE_ENV: 'production',
        GRAPH_PORT: 'abc',
        PUBLIC_URL: 'ftp://nope',
        SEARCH_DEFAULT_PAGE_SIZE: '2000',
        SEARCH_MAX_PAGE_SIZE: '1000',
        QUERY_TIMEOUT_MS: '0',
        LOG_LEVEL: 'loud',
        DUCKDB_THREADS: '-1',
        EXPORT_MAX_ROWS: '1.5',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'GRAPH_PORT',
      'PUBLIC_URL',
      'EXPORT_SIGNING_SECRET',
      'SEARCH_DEFAULT_PAGE_SIZE',
      'QUERY_TIMEOUT_MS',
      'LOG_LEVEL',
      'DUCKDB_THREADS',
      'EXPORT_MAX_ROWS',
    ]) {
      expect(problems).toContain(name);
    }
    expect((error as ConfigError).problems).toHaveLength(8);
  });

  it.each(ROWS)('%s', (name, good, parsed, bad, problem) => {
    expect(loadConfig({ [name]: good })).toMatchObject(parsed);
    if (bad === undefined) return;
    const problems = problemsOf({ [name]: bad });
    expect(problems).toHaveLength(1);
    expect(problems[0].slice(0, problem?.length)).toBe(problem);
  });

  it('has a row above, and a line in the README, for every variable it reads', () => {
    expect(ROWS.map(([name]) => name).sort()).toEqual([...CONFIG_VARIABLES].sort());
    const readme = readFileSync(join(__dirname, '../README.md'), 'utf8');
    for (const name of CONFIG_VARIABLES) expect(readme).toContain(`| \`${name}\``);
  });

  it('never echoes a rejected REDIS_URL: it may hold a password', () => {
    const problems = problemsOf({ REDIS_URL: 'http://:hunter2-hunter2@redis:6379' });
    expect(problems).toEqual(['REDIS_URL must be a redis:// or rediss:// URL, got a value of 34 characters']);
  });

  it('GRAPH_TAIL=false reads Parquet only, yet a bad REDIS_URL is still refused', () => {
    expect(loadConfig({ REDIS_URL: 'redis://r:6379' }).redisUrl).toBe('redis://r:6379');
    expect(loadConfig({ REDIS_URL: 'redis://r:6379', GRAPH_TAIL: 'false' }).redisUrl).toBeUndefined();
    expect(problemsOf({ REDIS_URL: 'r:6379', GRAPH_TAIL: 'false' })).toHaveLength(1);
  });

  it('checks the rules across variables', () => {
    expect(problemsOf({ GRAPH_PORT: '9500', GRAPH_METRICS_PORT: '9500' })).toEqual([
      'GRAPH_METRICS_PORT must differ from GRAPH_PORT (metrics stay off the public API port)',
    ]);
    // Production's default metrics port counts too; 0 (a free port each) never clashes.
    const prod = { NODE_ENV: 'production', EXPORT_SIGNING_SECRET: STRONG_SECRET };
    expect(problemsOf({ ...prod, GRAPH_PORT: '9465' })).toHaveLength(1);
    expect(loadConfig({ GRAPH_PORT: '0', GRAPH_METRICS_PORT: '0' }).metricsPort).toBe(0);
    expect(problemsOf({ QUERY_TIMEOUT_MS: '1000', GRAPH_MAX_QUEUE_WAIT_MS: '1000' })).toEqual([
      'GRAPH_MAX_QUEUE_WAIT_MS (1000) must be below QUERY_TIMEOUT_MS (1000): the wait counts against the timeout',
    ]);
    expect(loadConfig({}).maxQueueWaitMs).toBe(5000);
    expect(loadConfig({ QUERY_TIMEOUT_MS: '1' }).maxQueueWaitMs).toBe(0);
    expect(problemsOf({ SEARCH_DEFAULT_PAGE_SIZE: '101', SEARCH_MAX_PAGE_SIZE: '100' })).toEqual([
      'SEARCH_DEFAULT_PAGE_SIZE (101) must not exceed SEARCH_MAX_PAGE_SIZE (100)',
    ]);
  });
});
