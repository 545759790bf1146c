import { ConfigError, loadConfig } from './config';

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
    const c = loadConfig({ NODE_ENV: 'production', EXPORT_SIGNING_SECRET: 'x'.repeat(40) });
    expect(c.exportSigningSecret).toBe('x'.repeat(40));
    expect(c.warnings).toEqual([]);
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
