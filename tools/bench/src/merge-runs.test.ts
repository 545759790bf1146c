import { mergeRuns } from './run';
import type { BenchResult } from './result';

const base = (phases: string[], extra: Partial<BenchResult>): BenchResult => ({
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T01:00:00.000Z',
  machine: { nproc: 2, cpuModel: 'x', memoryBytes: 1, disk: 'd', node: 'v20', os: 'Linux' },
  options: { days: 1, postsPerDay: 1000, phases, peers: true, runs: 3, peerRuns: 1, seed: 1 },
  notes: [],
  ...extra,
});

describe('mergeRuns', () => {
  it('replaces only the phases of the later run and keeps the rest', () => {
    const ingest = (postsPerSecond: number) => ({
      posts: 1,
      seconds: 1,
      postsPerSecond,
      flushes: 1,
      flushMeanMs: 1,
      flushMaxRows: 1,
      peakRssMb: 1,
      parquetBytes: 1,
      rawJsonBytes: 1,
      duckdbCopy: { rows: 1, seconds: 1, rowsPerSecond: 1, bytes: 1 },
    });
    const first = base(['data', 'ingest', 'export'], {
      ingest: ingest(10),
      export: { rows: 5, seconds: 2, bytes: 3, peers: {} },
      notes: ['old'],
    });
    const second = base(['ingest'], { ingest: ingest(20), finishedAt: '2026-01-01T02:00:00.000Z', notes: ['new'] });
    const m = mergeRuns(first, second);
    expect(m.ingest?.postsPerSecond).toBe(20);
    expect(m.export?.rows).toBe(5);
    expect(m.options.phases).toEqual(['data', 'ingest', 'export']);
    expect(m.notes).toEqual(['old', 'new']);
    expect(m.startedAt).toBe(first.startedAt);
    expect(m.finishedAt).toBe('2026-01-01T02:00:00.000Z');
  });

  it('keeps the peers of an earlier search when the rerun had none', () => {
    const sys = { queries: [], overall: { n: 0, minMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 } };
    const first = base(['search'], {
      search: { ours: sys, peers: { postgres: { ...sys, setup: { loadSeconds: 1 } } }, mix: [] },
    });
    const second = base(['search'], { search: { ours: { ...sys, queries: [] }, peers: {}, mix: [{ name: 'x' }] } });
    const m = mergeRuns(first, second);
    expect(m.search?.peers.postgres?.setup.loadSeconds).toBe(1);
    expect(m.search?.mix).toEqual([{ name: 'x' }]);
  });
});
