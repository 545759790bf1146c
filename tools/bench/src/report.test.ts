import { OVERHEAD_PHASE, RESOLVER_PHASE } from './measure';
import { METRIC_ROWS, NOT_MEASURED, orderPhases, ratio, renderReport, renderRun } from './report';
import { q, sampleResult } from '../tests/_util';

const rowOf = (md: string, metric: string) => md.split('\n').find((l) => l.startsWith(`| ${metric} |`));
const sectionOf = (md: string, heading: string) => {
  const start = md.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = md.indexOf('\n### ', start + 1);
  return md.slice(start, next < 0 ? undefined : next);
};

describe('report', () => {
  it('renders every metric row with target, ours, each peer and the ratio', () => {
    const md = renderReport([{ file: 'a.json', result: sampleResult() }]);
    for (const row of METRIC_ROWS) expect(md).toContain(`| ${row} |`);
    expect(md).toContain('| search p95: rare word | ≤ 50 ms | 200 ms ❌ | 2,000 ms | 20 ms | ×10.0 / ×0.1 |');
    expect(md).toContain('| storage, smaller than raw Jetstream JSON | ≥ 85 % | 87.5 % ✅ |');
    expect(md).toContain('| flush of ~30k posts | < 1 s | 400 ms mean of 2 (30,000 rows max) ✅ |');
    expect(md).toContain('note: a note');
    expect(md).toContain('File: `benchmarks/a.json`');
  });

  it('marks ingest on the steady-state rate, the lower of received and flushed per second, with the burst beside it', () => {
    const r = sampleResult();
    const ing = r.ingest!;
    Object.assign(ing, { posts: 500_000, postsPerSecond: 36_000, sustainedPostsPerSecond: 60_000, drainSeconds: 4 });
    ing.receivedSeconds = 9.5; // received at 52,632/s: the lower, so the steady state
    expect(rowOf(renderRun(r), 'ingest, sim → Redis → Parquet (posts/s)')).toContain(
      '| ≥ 50,000 | 52,632 ✅ steady state (received 52,632/s, flushed 60,000/s from 10 % to 90 %; the lower); ' +
        'the 500,000-post burst end to end 36,000/s, of which 4.0 s drain',
    );
    ing.sustainedPostsPerSecond = 45_000; // flushing slower than receiving: that is the steady state, and it misses
    expect(rowOf(renderRun(r), 'ingest, sim → Redis → Parquet (posts/s)')).toContain('| 45,000 ❌ steady state');
  });

  it('says "not measured in this run" for a skipped phase or peer instead of borrowing a figure', () => {
    const r = sampleResult();
    delete r.ingest;
    delete r.export;
    r.search!.peers = {};
    r.storage!.postgresBytesPerPost = undefined;
    r.options.peers = false;
    const md = renderRun(r);
    expect(rowOf(md, 'ingest, sim → Redis → Parquet (posts/s)')).toBe(
      `| ingest, sim → Redis → Parquet (posts/s) | ≥ 50,000 | ${NOT_MEASURED} | ${NOT_MEASURED} | — | — |`,
    );
    expect(rowOf(md, 'search p95: phrase')).toBe(
      `| search p95: phrase | ≤ 50 ms | 200 ms ❌ | ${NOT_MEASURED} | ${NOT_MEASURED} | — |`,
    );
    expect(rowOf(md, 'export of 1M rows')).toContain(`| < 10 s | ${NOT_MEASURED} |`);
    expect(md).toContain(`Peers: ${NOT_MEASURED}.`);
  });

  it('keeps the newest run per scale in front and every other file, unchanged, in the archive', () => {
    const old = sampleResult(1, '2025-01-01T00:00:00.000Z', 'oldold');
    old.search!.ours.queries[0] = q('rare', 7777);
    const month = sampleResult(30, '2026-01-02T00:00:00.000Z', 'month1');
    month.search!.ours.queries[0] = q('rare', 5000);
    const legacy = sampleResult(7, '2024-06-01T00:00:00.000Z');
    delete legacy.format;
    delete legacy.runId;
    const md = renderReport(
      [
        { file: 'm.json', result: month },
        { file: 'old.json', result: old },
        { file: 'new.json', result: sampleResult(1, '2026-01-01T00:00:00.000Z', 'newnew') },
        { file: 'legacy.json', result: legacy },
      ],
      'hand-written',
      '### Load test 2026-12-02\n\n| clients |',
    );
    const latest = md.slice(0, md.indexOf('## Earlier runs (archive)'));
    expect(latest.indexOf('run newnew')).toBeLessThan(latest.indexOf('run month1'));
    expect(latest).not.toContain('oldold');
    expect(latest).toContain('| search p95: rare word | ≤ 150 ms | 10.0 s ❌ |');
    expect(md).toContain('## Analysis\n\nhand-written');
    // The load test's sections after the analysis, before the archive.
    expect(md).toContain('## Load test\n\n### Load test 2026-12-02\n\n| clients |');
    expect(md.indexOf('## Load test')).toBeGreaterThan(md.indexOf('## Analysis'));
    expect(md.indexOf('## Load test')).toBeLessThan(md.indexOf('## Earlier runs (archive)'));
    const archive = md.slice(md.indexOf('## Earlier runs (archive)'));
    // Newest first; the older run's own figure, not the newer one's.
    expect(archive.indexOf('run oldold')).toBeLessThan(archive.indexOf('2024-06-01'));
    expect(rowOf(sectionOf(archive, '### 1 day(s)'), 'search p95: rare word')).toContain('| 15.6 s ❌ |');
    expect(sectionOf(archive, '### 7 day(s)')).toContain('Recorded by the earlier harness');
    expect(sectionOf(archive, '### 1 day(s)')).not.toContain('Recorded by the earlier harness');
  });

  it('compares a peer with ours only when it ran the same mix', () => {
    const r = sampleResult();
    r.search!.peers.postgres!.mixId = 'other';
    const md = renderRun(r);
    expect(rowOf(md, 'search p95: rare word')).toBe(
      `| search p95: rare word | ≤ 50 ms | 200 ms ❌ | 2,000 ms | ${NOT_MEASURED} | ×10.0 / — |`,
    );
  });

  it('shows the load average at the start and end of each phase', () => {
    const md = renderRun(sampleResult());
    expect(md).toContain('#### Phases and machine load');
    expect(md).toContain('| data | 00:00:00 | 12.5 s | 0.50 / 0.40 / 0.30 | 1.75 / 0.90 / 0.50 |');
    expect(md).toContain('| search: ours | 00:00:00 | 3.00 s | 1.75 / 0.90 / 0.50 | 2.00 / 1.00 / 0.60 |');
  });

  it('splits our time into the server phases and the GraphQL + HTTP rest when the server sent them', () => {
    const r = sampleResult();
    const ours = r.search!.ours;
    ours.queries[0] = q('rare', 100, {
      serverMs: 80,
      phases: {
        'search.readBack': 50,
        'search.postings': 20,
        'search.listing': 2,
        'search.zeta': 1,
        [RESOLVER_PHASE]: 7,
        [OVERHEAD_PHASE]: 20,
      },
    });
    ours.queries[9] = q('totalCount', 100, { hits: 643_924, totalCountIsExact: false });
    const md = renderRun(r);
    const where = md.slice(md.indexOf('#### Where the time goes'), md.indexOf('#### Search detail'));
    expect(where).toContain(
      `| query | client p50 | server p50 | search.listing | search.postings | search.readBack | search.zeta | ${RESOLVER_PHASE} | ${OVERHEAD_PHASE} |`,
    );
    expect(where).toContain('| rare word | 150 ms | 80 ms | 2.0 ms | 20 ms | 50 ms | 1.0 ms | 7.0 ms | 20 ms |');
    expect(where).toContain('| common word | 150 ms | — | — | — | — | — | — | — |');
    expect(md).toContain(
      '| totalCount | ours (GraphQL over HTTP) | 200 ms | 150 ms | 200 ms | 200 ms | 3 | 643,924 (not exact) |',
    );
    // Counts have their own target (DESIGN.md: 300 ms at a day), pages 50 ms.
    expect(md).toContain('| search p95: totalCount | ≤ 300 ms | 200 ms ✅ |');
  });

  it('says when the server sent no timings and shows client time only', () => {
    const md = renderRun(sampleResult());
    expect(md).toContain('The graph server sent no phase timings in this run');
    expect(md).toContain('| rare word | 150 ms |');
  });

  it('orders store phases by call and as a search runs them, unknown ones after, the GraphQL rests last', () => {
    expect(
      orderPhases([
        OVERHEAD_PHASE,
        'count.vocabulary',
        'search.readBack',
        RESOLVER_PHASE,
        'search.zeta',
        'search.listing',
        'other.x',
        'plan',
      ]),
    ).toEqual([
      'plan',
      'search.listing',
      'search.readBack',
      'search.zeta',
      'count.vocabulary',
      'other.x',
      RESOLVER_PHASE,
      OVERHEAD_PHASE,
    ]);
  });

  it('shows ratios as peer ÷ ours for times and ours ÷ peer for rates', () => {
    expect(ratio(100, 250, true)).toBe('×2.5');
    expect(ratio(100, 5, true)).toBe('1/20');
    expect(ratio(60_000, 1000, false)).toBe('×60.0');
    expect(ratio(undefined, 1, true)).toBe('—');
  });
});
