import { METRIC_ROWS, ratio, renderReport } from './report';
import type { BenchResult, QueryResult } from './result';
import { summarize } from './stats';

const q = (name: string, ms: number): QueryResult => ({
  name,
  description: name,
  coldMs: ms * 2,
  warm: summarize([ms, ms * 1.5, ms * 2]),
  hits: 50,
});
const names = [
  'rare',
  'common',
  'twoWords',
  'phrase',
  'author',
  'authorText',
  'oneDay',
  'fullRange',
  'page20',
  'totalCount',
];

export function sampleResult(days = 1, startedAt = '2026-01-01T00:00:00.000Z'): BenchResult {
  const sys = (ms: number) => ({ queries: names.map((n) => q(n, ms)), overall: summarize([ms, ms * 2]) });
  return {
    startedAt,
    finishedAt: startedAt,
    machine: { nproc: 2, cpuModel: 'cpu', memoryBytes: 8 * 2 ** 30, disk: '/dev/x 100G', node: 'v20', os: 'Linux' },
    options: { days, postsPerDay: 1000, phases: ['data'], peers: true, runs: 3, peerRuns: 2, seed: 1 },
    ingest: {
      posts: 1000,
      seconds: 1,
      postsPerSecond: 60_000,
      flushes: 2,
      flushMeanMs: 400,
      flushMaxRows: 30000,
      peakRssMb: 300,
      parquetBytes: 1,
      rawJsonBytes: 10,
      duckdbCopy: { rows: 1000, seconds: 1, rowsPerSecond: 1000, bytes: 1 },
    },
    storage: {
      posts: 1000,
      parquetBytes: 100_000,
      bytesPerPost: 100,
      rawJsonBytesPerPost: 800,
      pctSmaller: 87.5,
      postgresBytesPerPost: 1200,
    },
    search: {
      ours: sys(100),
      peers: {
        duckdbNdjson: { ...sys(1000), setup: { loadSeconds: 0 } },
        postgres: { ...sys(10), setup: { loadSeconds: 1 } },
      },
      mix: [],
    },
    export: {
      rows: 1000,
      seconds: 2,
      bytes: 1,
      peers: { duckdbNdjson: { rows: 1000, seconds: 4 }, postgres: { rows: 1000, seconds: 1 } },
    },
    notes: ['a note'],
  };
}

describe('report', () => {
  it('renders every metric row with target, ours, each peer and the ratio', () => {
    const md = renderReport([sampleResult()]);
    for (const row of METRIC_ROWS) expect(md).toContain(`| ${row} |`);
    expect(md).toContain('| search p95: rare word | < 300 ms | 200 ms ✅ | 2,000 ms | 20 ms | ×10.0 / ×0.1 |');
    expect(md).toContain('| storage, smaller than raw Jetstream JSON | ≥ 85 % | 87.5 % ✅ |');
    expect(md).toContain('| flush of ~30k posts | < 1 s | 400 ms mean of 2 (30,000 rows max) ✅ |');
    expect(md).toContain('note: a note');
  });

  it('keeps the newest run per size, smallest size first, and marks missed targets', () => {
    const old = sampleResult(1, '2025-01-01T00:00:00.000Z');
    const month = sampleResult(30);
    month.search!.ours.queries[0] = q('rare', 5000);
    const md = renderReport([month, old, sampleResult()], 'hand-written');
    expect(md.indexOf('### 1 day(s)')).toBeLessThan(md.indexOf('### 30 day(s)'));
    expect(md.match(/### 1 day\(s\)/g)).toHaveLength(1);
    expect(md).toContain('| search p95: rare word | < 2 s | 10.0 s ❌ |');
    expect(md).toContain('## Analysis\n\nhand-written');
  });

  it('shows ratios as peer ÷ ours for times and ours ÷ peer for rates', () => {
    expect(ratio(100, 250, true)).toBe('×2.5');
    expect(ratio(100, 5, true)).toBe('1/20');
    expect(ratio(60_000, 1000, false)).toBe('×60.0');
    expect(ratio(undefined, 1, true)).toBe('—');
  });
});
