// Shared by the bench's tests: a complete result of one run, every phase and peer measured.
import { RESULT_FORMAT, type BenchResult, type QueryResult } from '../src/result';
import { summarize } from '../src/stats';

export const q = (name: string, ms: number, extra: Partial<QueryResult> = {}): QueryResult => ({
  name,
  description: name,
  coldMs: ms * 2,
  warm: summarize([ms, ms * 1.5, ms * 2]),
  hits: 50,
  ...extra,
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

export function sampleResult(days = 1, startedAt = '2026-01-01T00:00:00.000Z', runId = 'aaaaaa'): BenchResult {
  const sys = (ms: number) => ({
    mixId: 'mix1',
    queries: names.map((n) => q(n, ms)),
    overall: summarize([ms, ms * 2]),
  });
  return {
    format: RESULT_FORMAT,
    runId,
    startedAt,
    finishedAt: startedAt,
    machine: { nproc: 2, cpuModel: 'cpu', memoryBytes: 8 * 2 ** 30, disk: '/dev/x 100G', node: 'v20', os: 'Linux' },
    options: { profile: 'full', days, postsPerDay: 1000, phases: ['data'], peers: true, runs: 3, peerRuns: 2, seed: 1 },
    timeline: [
      { phase: 'data', startedAt, seconds: 12.5, loadStart: [0.5, 0.4, 0.3], loadEnd: [1.75, 0.9, 0.5] },
      { phase: 'search: ours', startedAt, seconds: 3, loadStart: [1.75, 0.9, 0.5], loadEnd: [2, 1, 0.6] },
    ],
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
