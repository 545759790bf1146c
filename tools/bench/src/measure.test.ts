import {
  MIN_WARM_RUNS,
  OVERHEAD_PHASE,
  RESOLVER_PHASE,
  measureSystem,
  phaseBreakdown,
  warmRunsFor,
  type SearchSystem,
} from './measure';
import { buildMix } from './query-mix';

const mix = buildMix({
  rareWord: 'zyzzogeton',
  commonWord: 'coffee',
  twoWords: ['coffee', 'music'],
  phrase: 'coffee music',
  author: 'did:plc:aaa',
  firstDate: '2025-03-03',
  lastDate: '2025-03-03',
});

describe('measure', () => {
  it('gives a slow query at least MIN_WARM_RUNS warm runs, a fast one all it asked for', () => {
    expect(MIN_WARM_RUNS).toBe(10);
    expect(warmRunsFor(20, 20)).toBe(20);
    expect(warmRunsFor(6_000, 20)).toBe(10);
    expect(warmRunsFor(120_000, 20)).toBe(10);
    expect(warmRunsFor(120_000, 10)).toBe(10);
    // Fewer only when fewer were asked for.
    expect(warmRunsFor(120_000, 2)).toBe(2);
  });

  it('takes the p50 of each server phase and of client time minus the server total', () => {
    const b = phaseBreakdown([
      { clientMs: 30, server: { files: 1, readBack: 10, total: 20 } },
      { clientMs: 50, server: { files: 3, readBack: 30, total: 40 } },
      // A phase missing from a run took no time in it.
      { clientMs: 14, server: { files: 2, total: 12 } },
      { clientMs: 99 },
    ]);
    expect(b).toEqual({ phases: { files: 2, readBack: 10, [OVERHEAD_PHASE]: 10 }, serverMs: 20 });
    // Without a total, the server's time is the sum of its phases.
    expect(phaseBreakdown([{ clientMs: 10, server: { a: 2, b: 3 } }])).toEqual({
      phases: { a: 2, b: 3, [OVERHEAD_PHASE]: 5 },
      serverMs: 5,
    });
    expect(phaseBreakdown([{ clientMs: 10 }])).toBeUndefined();
  });

  it("reads apps/graph's shape: execute is the server time, the store phases inside it, the rest resolvers", () => {
    const b = phaseBreakdown([
      { clientMs: 40, server: { execute: 30, 'search.listing': 2, 'search.readBack': 20 } },
      { clientMs: 60, server: { execute: 50, 'search.listing': 4, 'search.readBack': 40, 'count.vocabulary': 1 } },
      { clientMs: 20, server: { execute: 12, 'search.listing': 3, 'search.readBack': 8 } },
    ]);
    expect(b).toEqual({
      serverMs: 30,
      phases: {
        'count.vocabulary': 0,
        'search.listing': 3,
        'search.readBack': 20,
        [RESOLVER_PHASE]: 5,
        [OVERHEAD_PHASE]: 10,
      },
    });
  });

  it('records per query the warm runs, the server phases and whether every count was exact', async () => {
    let calls = 0;
    const system: SearchSystem<undefined> = {
      label: 'stub',
      prepare: async () => undefined,
      async run(spec) {
        calls++;
        await new Promise((r) => setTimeout(r, 2));
        if (spec.name === 'rare') return 3;
        return {
          hits: 7,
          serverTimings: { plan: 0.5, postings: 1, total: 1.5 },
          totalCountIsExact: spec.totalCount ? calls % 2 === 0 : undefined,
        };
      },
    };
    const specs = mix.filter((q) => ['rare', 'common', 'totalCount'].includes(q.name));
    const lines: string[] = [];
    const r = await measureSystem(system, specs, 4, (l) => lines.push(l));
    expect(calls).toBe(3 * 5);
    const [rare, common, count] = r.queries;
    expect(rare).toMatchObject({ name: 'rare', hits: 3 });
    expect(rare.warm.n).toBe(4);
    expect(rare.phases).toBeUndefined();
    expect(common.phases?.plan).toBe(0.5);
    expect(common.phases?.postings).toBe(1);
    expect(common.serverMs).toBe(1.5);
    expect(common.phases?.[OVERHEAD_PHASE]).toBeGreaterThan(0);
    expect(common.totalCountIsExact).toBeUndefined();
    // Some warm runs said inexact: the query's count is not exact.
    expect(count.totalCountIsExact).toBe(false);
    expect(r.overall.n).toBe(12);
    expect(lines.some((l) => l.includes('server p50 1.5 ms'))).toBe(true);
  });
});
