import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, weakSecretReason } from './config';

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
});
