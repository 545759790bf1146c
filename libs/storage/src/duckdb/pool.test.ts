import { makeTempDir } from '@bsky-explorer/testing';
import { PoolClosedError, QueryTimeoutError } from './errors';
import { DuckDbPool, type QueryObservation, type StatementObservation } from './pool';

// A statement that runs for minutes unless interrupted.
const SLOW = 'SELECT count(*) AS n FROM range(100000000000) t(x) WHERE x % 7 = 3';

describe('DuckDbPool', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    tmp = await makeTempDir('bsky-pool-');
  });
  afterEach(() => tmp.remove());

  it('interrupts a query past its timeout with QueryTimeoutError, and the connection keeps working', async () => {
    const seen: QueryObservation[] = [];
    await using pool = await DuckDbPool.create({
      dataDir: tmp.path,
      threads: 1,
      poolSize: 1,
      queryTimeoutMs: 300,
      onQuery: (o) => seen.push(o),
    });
    const err = await pool.query('search', SLOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryTimeoutError);
    expect((err as QueryTimeoutError).name).toBe('QueryTimeoutError');
    expect(String(((err as QueryTimeoutError).cause as { message: string }).message)).toMatch(/interrupt/i);
    // The only connection is free again and answers.
    expect(await pool.query('lookup', 'SELECT 42::INTEGER AS x')).toEqual([{ x: 42 }]);
    expect(seen.map((o) => [o.kind, o.result])).toEqual([
      ['search', 'timeout'],
      ['lookup', 'ok'],
    ]);
  });

  it('observes each statement of a query on its own, and the query as a whole once', async () => {
    const statements: StatementObservation[] = [];
    const queries: QueryObservation[] = [];
    await using pool = await DuckDbPool.create({
      dataDir: tmp.path,
      threads: 1,
      poolSize: 1,
      queryTimeoutMs: 5000,
      onQuery: (o) => queries.push(o),
      onStatement: (o) => statements.push(o),
    });
    await pool.use('search', async (s) => {
      await s.all('SELECT 1 AS x');
      await s.all('SELECT count(*) AS n FROM range(3000000) t(i) WHERE i % 7 = 0');
      await s.all('SELECT nope').catch(() => undefined);
    });
    expect(statements.map((o) => [o.kind, o.result])).toEqual([
      ['search', 'ok'],
      ['search', 'ok'],
      ['search', 'error'],
    ]);
    expect(queries.map((o) => [o.kind, o.result])).toEqual([['search', 'ok']]);
    // The query's time holds its statements' times.
    const sum = statements.reduce((a, o) => a + o.durationMs, 0);
    expect(queries[0].durationMs).toBeGreaterThanOrEqual(sum);
    expect(statements[1].durationMs).toBeGreaterThan(statements[0].durationMs);
  });

  it('bounds concurrent queries: the rest wait in order, and time out while waiting too', async () => {
    await using pool = await DuckDbPool.create({
      dataDir: tmp.path,
      poolSize: 2,
      maxConcurrentQueries: 1,
      queryTimeoutMs: 400,
    });
    const slow = pool.query('search', SLOW).catch((e: unknown) => e);
    // Its own timeout ends before the slow query's: it can only end waiting (with equal ones, a loaded machine
    // could hand it the connection the interrupted query frees first).
    const queued = pool.use('count', (s) => s.all('SELECT 1 AS x'), 200).catch((e: unknown) => e);
    expect(pool.stats()).toEqual({ running: 1, queued: 1 });
    expect(await slow).toBeInstanceOf(QueryTimeoutError);
    expect(await queued).toBeInstanceOf(QueryTimeoutError);
    expect(pool.stats()).toEqual({ running: 0, queued: 0 });
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((i) => pool.query('count', `SELECT ${i} AS x`).then(() => order.push(i))));
    expect(order).toEqual([1, 2, 3]);
  });

  it('a shared deadline bounds a whole unit of work: several queries end by it, not each by its own timeout', async () => {
    const seen: QueryObservation[] = [];
    await using pool = await DuckDbPool.create({
      dataDir: tmp.path,
      threads: 1,
      poolSize: 1,
      queryTimeoutMs: 5000,
      onQuery: (o) => seen.push(o),
    });
    const started = Date.now();
    const err = await DuckDbPool.withDeadline(600, async () => {
      await pool.query('lookup', 'SELECT 1 AS x');
      // The slow query gets what is left of 600 ms, not 5000 ms.
      const first = await pool.query('search', SLOW).catch((e: unknown) => e);
      // Past the deadline nothing else starts.
      const second = await pool.query('count', 'SELECT 2 AS x').catch((e: unknown) => e);
      return [first, second];
    });
    const elapsed = Date.now() - started;
    expect(err[0]).toBeInstanceOf(QueryTimeoutError);
    expect(err[1]).toBeInstanceOf(QueryTimeoutError);
    // The error names the budget the caller set.
    expect((err[0] as QueryTimeoutError).timeoutMs).toBe(600);
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(2500);
    expect(seen.map((o) => [o.kind, o.result])).toEqual([
      ['lookup', 'ok'],
      ['search', 'timeout'],
      ['count', 'timeout'],
    ]);
    // Outside the deadline the pool's own timeout applies again.
    expect(await pool.query('lookup', 'SELECT 3::INTEGER AS x')).toEqual([{ x: 3 }]);
  });

  it('a deadline also ends the wait for a connection, and nested deadlines keep the earlier one', async () => {
    await using pool = await DuckDbPool.create({ dataDir: tmp.path, threads: 1, poolSize: 1, queryTimeoutMs: 5000 });
    const slow = pool.query('search', SLOW).catch((e: unknown) => e);
    const started = Date.now();
    const queued = await DuckDbPool.withDeadline(300, () =>
      DuckDbPool.withDeadline(10_000, () => pool.query('count', 'SELECT 1 AS x').catch((e: unknown) => e)),
    );
    expect(queued).toBeInstanceOf(QueryTimeoutError);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(pool.stats().queued).toBe(0);
    await pool.close();
    await slow;
  });

  it('binds parameters, including a list of file paths for read_parquet', async () => {
    await using pool = await DuckDbPool.create({ dataDir: tmp.path, queryTimeoutMs: 5000 });
    const file = `${tmp.path}/it's here.parquet`;
    await pool.use('export', (s) =>
      s.run(`COPY (SELECT 'a' AS v UNION ALL SELECT 'b') TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`),
    );
    const { listValue } = await import('@duckdb/node-api');
    const rows = await pool.query('search', 'SELECT v FROM read_parquet($files::VARCHAR[]) WHERE v <> $x ORDER BY v', {
      files: listValue([file]),
      x: "b' OR '1'='1",
    });
    expect(rows).toEqual([{ v: 'a' }, { v: 'b' }]);
  });

  it('rejects queries after close', async () => {
    const pool = await DuckDbPool.create({ dataDir: tmp.path, queryTimeoutMs: 5000 });
    await pool.close();
    await expect(pool.query('search', 'SELECT 1')).rejects.toThrow(PoolClosedError);
  });
});
