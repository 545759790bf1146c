// The whole harness at a tiny size, peers included: real simulator, redis-server, ingest and graph processes,
// DuckDB and a private PostgreSQL cluster. Asserts that every row of the report is filled in.
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../src/args';
import { METRIC_ROWS } from '../src/report';
import { runBench } from '../src/run';
import { runFreshness } from '../src/phases/freshness';
import { runSearchWithTail } from '../src/phases/search-with-tail';
import { benchPaths } from '../src/paths';

jest.setTimeout(240_000);

describe('npm run bench at a tiny size', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
    // mkdtemp makes it 0700; the PostgreSQL cluster runs as the postgres user when we are root and must get in.
    await chmod(dir, 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs every phase but freshness, and every peer, and renders every metric', async () => {
    const lines: string[] = [];
    const o = parseArgs([
      '--posts-per-day',
      '20000',
      '--ingest-posts',
      '5000',
      '--export-rows',
      '5000',
      '--runs',
      '2',
      '--peer-runs',
      '1',
      '--out',
      join(dir, 'out'),
      '--report-dir',
      join(dir, 'report'),
      '--peers',
      'on',
      // Freshness plays a live firehose for 7 minutes: its own test below, at one short rate.
      '--phases',
      'data,ingest,storage,search,export',
    ]);
    const { result, reportPath, jsonPath } = await runBench(o, (l) => lines.push(l));
    expect(result.notes).toEqual([]);
    expect(jsonPath).toBe(
      join(dir, 'report', 'benchmarks', `${result.startedAt.slice(0, 10)}-1d-20k-${result.runId}.json`),
    );
    expect(result.data?.postRowsStored).toBeGreaterThan(19_000);
    expect(result.ingest?.posts).toBeGreaterThanOrEqual(5000);
    expect(result.storage?.pctSmaller).toBeGreaterThan(50);
    // Side files, tombstones and accounts are counted on top of the posts files.
    expect(result.storage!.postFilesBytesPerPost).toBeLessThan(result.storage!.bytesPerPost);
    // One mix, from the seed, run by every system; stored in the result.
    expect(result.mix?.queries).toHaveLength(10);
    // The analyst mix (aggregations and filters), ours only, every query answered and rendered.
    expect(result.analyst?.queries.map((q) => q.error ?? 'ok')).toEqual(Array(11).fill('ok'));
    expect(result.mix?.analyst).toHaveLength(11);
    expect(result.search?.graphPeakRssMb).toBeGreaterThan(50);
    for (const sys of [result.search?.ours, result.search?.peers.duckdbNdjson, result.search?.peers.postgres]) {
      expect(sys?.queries.map((q) => q.error ?? 'ok')).toEqual(Array(10).fill('ok'));
      expect(sys?.mixId).toBe(result.mix?.id);
    }
    // Visibility aside (the peers apply none), every system finds the same rare word's posts.
    const rareHits = [result.search?.ours, result.search?.peers.duckdbNdjson, result.search?.peers.postgres].map(
      (sys) => sys?.queries.find((q) => q.name === 'rare')?.hits,
    );
    expect(rareHits[0]).toBeGreaterThan(0);
    expect(rareHits[1]).toBeGreaterThanOrEqual(rareHits[0] as number);
    // Every phase is on the timeline with the load average at its start and end.
    expect(result.timeline?.map((p) => p.phase)).toEqual(
      expect.arrayContaining([
        'data',
        'ingest',
        'storage',
        'query mix',
        'search: ours',
        'export: ours',
        'peers: PostgreSQL search',
      ]),
    );
    expect(result.timeline?.every((p) => p.loadStart.length === 3 && p.loadEnd.length === 3)).toBe(true);
    expect(result.export?.rows).toBe(5000);
    const md = await readFile(reportPath as string, 'utf8');
    for (const row of METRIC_ROWS) {
      const line = md.split('\n').find((l) => l.startsWith(`| ${row} |`));
      expect(line).toBeDefined();
      // The "ours" cell (third) is filled for every metric.
      expect(line?.split(' | ')[2]).not.toBe('—');
    }
    expect(md).toContain('#### Phases and machine load');
    expect(md).toMatch(/- graph peak RSS over the search and analyst mixes: \d[\d,]* MB/);
    expect(md).toMatch(
      /\| `volumeByHour` \| postVolume by hour of a common word over the whole range \| ≤ 500 ms \| \d/,
    );
    // The same mix with a tail beside the data (short: 2,000 rows of a 500 posts/s firehose).
    const withTail = await runSearchWithTail(o, benchPaths(o.out), result.mix!.queries, () => {}, undefined, {
      postsPerSecond: 500,
      fillRows: 2000,
      warmRuns: 1,
    });
    expect(withTail.queries.map((q) => q.name)).toEqual(result.mix!.queries.map((q) => q.name));
    expect(withTail.queries.every((q) => q.p95Ms > 0)).toBe(true);
    expect(withTail.tailRows.before).toBeGreaterThanOrEqual(2000);
    expect(withTail.tailRows.after).toBeGreaterThanOrEqual(withTail.tailRows.before);
    expect(md).toContain('#### Where the time goes');
    // One progress line per step, with a duration.
    expect(lines.some((l) => /^\[bench\] data: .* — .* in .* \(.*\/s\)/.test(l))).toBe(true);
  });

  it('measures freshness: posts found before their flush, each page without a post twice', async () => {
    const o = parseArgs(['--out', join(dir, 'fresh'), '--report-dir', '']);
    const lines: string[] = [];
    const paths = benchPaths(o.out);
    await mkdir(paths.logs, { recursive: true });
    const { runs, failed } = await runFreshness(o, paths, (l) => lines.push(l), [{ postsPerSecond: 100, seconds: 15 }]);
    expect(failed).toBeUndefined();
    expect(runs).toHaveLength(1);
    const [run] = runs;
    // ~1,500 posts sent; the ones received in the last poll interval may not have been seen yet.
    expect(run.postsMeasured).toBeGreaterThan(1000);
    expect(run.flushes).toBe(0); // FLUSH_INTERVAL_MS=300000: every post was found in the graph's tail
    expect(run.latencyMs.p95).toBeGreaterThan(0);
    expect(run.latencyMs.p95).toBeLessThan(15_000);
    expect(run.pagesWithDuplicates).toBe(0);
    expect(run.peakTailRows).toBeGreaterThan(1000);
  });
});
