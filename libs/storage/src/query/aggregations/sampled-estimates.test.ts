import { makeTempDir } from '@bsky-explorer/testing';
import { compactDay } from '../../compaction/compact-day';
import { readManifest } from '../../layout/manifest';
import { dateStartUs, partitionDate, partitionDir } from '../../layout/partition';
import { HOUR } from '../fixtures.test-util';
import { PostStore } from '../post-store';
import type { PostFilter } from '../post-sql';
import type { VolumeInterval } from './post-volume';
import {
  DAYS,
  FEW,
  HIDDEN,
  MENTIONED,
  PROLIFIC,
  RARE,
  CHECKED_FROM,
  facetOracle,
  inSample,
  tolerance,
  volumeOracle,
  writeSampledCorpus,
  type SampledCorpus,
} from './sampled-corpus.test-util';
import type { FacetKind } from './top-facets';

// Over more rows than an exact scan may read, postVolume and the top facets answer the compacted days from their
// 1 % samples. Each estimate must be exactly what the sample gives (the oracle's weighted count of the visible
// sampled posts, plus the rest exactly): that proves the scaling and the visibility rules on the sample. And each
// count of at least CHECKED_FROM posts must lie within the stated tolerance of the truth (5 standard errors of a
// 1 % sample), flagged exact: false.

const DAY1 = { fromUs: dateStartUs(DAYS[0]), toUs: dateStartUs(DAYS[1]) };

/** Every filter on the sample path (each one alone, some combined, and as text syntax). */
const SAMPLED: PostFilter[] = [
  {},
  { text: 'common' },
  { text: 'common alpha' },
  { langs: ['en'] },
  { langs: ['pt'], text: 'common' },
  { tags: ['cats'] },
  { mentions: MENTIONED },
  { domain: 'example.com' },
  { url: 'https://example.com/a' },
  { author: PROLIFIC },
  { author: PROLIFIC, text: 'alpha' },
  { text: 'common', fromUs: dateStartUs(DAYS[0]) + 6 * HOUR, toUs: dateStartUs(DAYS[1]) + 6 * HOUR },
  { text: 'lang:ja #dogs' },
];

/** Filters an index narrows to few rows: exact even over the limits. */
const NARROWED: PostFilter[] = [{ text: RARE }, { author: FEW }, { author: FEW, tags: ['cats'] }];

const FACETS: FacetKind[] = ['tags', 'domains', 'langs', 'authors'];

describe('aggregations estimated from the per-day samples', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let corpus: SampledCorpus;
  let store: PostStore;

  beforeAll(async () => {
    tmp = await makeTempDir('bsky-sampled-');
    corpus = await writeSampledCorpus(tmp.path);
    store = await PostStore.create({
      dataDir: tmp.path,
      queryTimeoutMs: 60_000,
      // Above the flush files (~4,600 rows), below the whole corpus (~84,000).
      countLimits: { exactScanRows: 20_000 },
    });
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await tmp?.remove();
  });

  /**
   * Checks one answer's count: equal (±1: two float sums rounded) to what the sample gives; within the tolerance of
   * the truth when estimated and the truth is at least CHECKED_FROM; equal to the truth when exact. Returns the
   * problems found, so that a test reports them all at once.
   */
  function check(what: object, got: { count: number; exact: boolean }, sampleSays: number, truth: number) {
    const problems: object[] = [];
    if (Math.abs(got.count - sampleSays) > 1) problems.push({ ...what, got, sampleSays });
    if (got.exact ? got.count !== truth : truth >= CHECKED_FROM && Math.abs(got.count - truth) > tolerance(truth)) {
      problems.push({ ...what, got, truth, tolerance: got.exact ? 0 : tolerance(truth) });
    }
    return { problems, compared: !got.exact && truth >= CHECKED_FROM };
  }

  /** check() on every bucket of postVolume(f, interval), and that every bucket with a visible match is there. */
  async function volumeProblems(f: PostFilter, interval: VolumeInterval) {
    const got = await store.postVolume(f, interval);
    const { truth, estimate } = volumeOracle(corpus, f, interval);
    expect({ f, interval, estimated: got.some((b) => !b.exact) }).toEqual({ f, interval, estimated: true });
    const problems: object[] = [];
    let compared = 0;
    for (const b of got) {
      // Estimated exactly on the sampled days; the flush day is read whole.
      const sampled = DAYS.slice(0, 2).includes(partitionDate(b.startUs));
      if (b.exact === sampled) problems.push({ f, b, sampled });
      const one = check({ f, b }, b, estimate.get(b.startUs) ?? 0, truth.get(b.startUs) ?? 0);
      problems.push(...one.problems);
      compared += Number(one.compared);
    }
    const missing = [...truth.keys()].filter((start) => !got.some((b) => b.startUs === start));
    if (missing.length > 0) problems.push({ f, interval, missing });
    return { problems, compared };
  }

  it('estimates postVolume per day and per hour, exactly as the samples say, near the truth', async () => {
    const problems: object[] = [];
    let compared = 0;
    for (const f of SAMPLED) {
      for (const interval of ['DAY', 'HOUR'] as VolumeInterval[]) {
        const one = await volumeProblems(f, interval);
        problems.push(...one.problems);
        compared += one.compared;
      }
    }
    expect(problems).toEqual([]);
    expect(compared).toBeGreaterThan(10);
    // The total of all posts is within 3 % here (5 standard errors would allow 9 %).
    const all = (await store.postVolume({}, 'DAY')).reduce((n, b) => n + b.count, 0);
    const truth = [...volumeOracle(corpus, {}, 'DAY').truth.values()].reduce((n, c) => n + c, 0);
    expect(Math.abs(all - truth) / truth).toBeLessThan(0.03);
  });

  it('estimates the top facets: ranked by the scaled sample counts, each near the truth', async () => {
    const problems: object[] = [];
    let compared = 0;
    for (const f of SAMPLED) {
      for (const facet of FACETS) {
        const got = await store.topFacets(f, facet, 1000);
        const { truth, estimate } = facetOracle(corpus, f, facet);
        expect({ f, facet, estimated: got.every((v) => !v.exact) }).toEqual({ f, facet, estimated: true });
        // Exactly the values the samples and the rest hold, with their scaled counts, most first.
        expect({ f, facet, values: got.map((v) => v.value).sort() }).toEqual({
          f,
          facet,
          values: [...estimate.keys()].sort(),
        });
        for (const v of got) {
          const one = check({ f, facet, v }, v, estimate.get(v.value) ?? 0, truth.get(v.value) ?? 0);
          problems.push(...one.problems);
          compared += Number(one.compared);
        }
        const counts = got.map((v) => v.count);
        expect(counts).toEqual([...counts].sort((a, b) => b - a));
        // A short list is the head of the long one (near-ties may be in either order).
        const top3 = await store.topFacets(f, facet, 3);
        expect(top3.map((v) => v.count)).toEqual(counts.slice(0, 3));
      }
    }
    expect(problems).toEqual([]);
    expect(compared).toBeGreaterThan(50);
  });

  it('leaves out the hidden account, the posts deleted and the versions edited after compaction', async () => {
    const authors = await store.topFacets({}, 'authors', 1000);
    expect(authors.map((a) => a.value)).not.toContain(HIDDEN);
    const tags = await store.topFacets({}, 'tags', 1000);
    expect(tags.map((t) => t.value)).not.toContain('doomed');
    expect(tags.map((t) => t.value)).not.toContain('draft');
    // The new versions are in flush files, counted exactly (a hidden author's edits too: they stay hidden).
    const finals = facetOracle(corpus, {}, 'tags').truth.get('final');
    expect(finals).toBeGreaterThan(1000);
    expect(tags.find((t) => t.value === 'final')?.count).toBe(finals);
    // The samples do hold such rows: without the visibility rules these values would show.
    const sampled = corpus.rows.filter((r) => corpus.compacted.has(`${r.uri} ${r.time_us}`) && inSample(r.uri));
    expect(sampled.filter((r) => r.tags.includes('doomed')).length).toBeGreaterThan(20);
    expect(sampled.filter((r) => r.tags.includes('draft')).length).toBeGreaterThan(10);
    expect(sampled.filter((r) => r.did === HIDDEN).length).toBeGreaterThan(30);
  });

  it('stays exact where an index narrows the rows to few, or the range holds few rows', async () => {
    for (const f of NARROWED) {
      const { truth } = volumeOracle(corpus, f, 'DAY');
      const got = await store.postVolume(f, 'DAY');
      expect({ f, got }).toEqual({
        f,
        got: [...truth].sort(([a], [b]) => a - b).map(([startUs, count]) => ({ startUs, count, exact: true })),
      });
      const tags = await store.topFacets(f, 'tags', 1000);
      expect(tags.every((t) => t.exact)).toBe(true);
      const want = facetOracle(corpus, f, 'tags').truth;
      expect(new Map(tags.map((t) => [t.value, t.count]))).toEqual(want);
    }
    // An hour of the flush day alone: no sample in range.
    const hour = { fromUs: dateStartUs(DAYS[2]), toUs: dateStartUs(DAYS[2]) + HOUR };
    const volume = await store.postVolume(hour, 'HOUR');
    expect(volume).toEqual([
      { startUs: hour.fromUs, count: volumeOracle(corpus, hour, 'HOUR').truth.get(hour.fromUs), exact: true },
    ]);
    // The same store without limits: every answer exact and true.
    await using exact = await PostStore.create({ dataDir: tmp.path, queryTimeoutMs: 60_000 });
    const langs = await exact.topFacets({ text: 'common' }, 'langs', 1000);
    const truth = facetOracle(corpus, { text: 'common' }, 'langs').truth;
    expect(langs.every((l) => l.exact)).toBe(true);
    expect(new Map(langs.map((l) => [l.value, l.count]))).toEqual(truth);
  });

  it('answers the same once a compaction run applied the late tombstones as hidden-version files', async () => {
    const queries = async () => ({
      volume: await store.postVolume({ ...DAY1, text: 'common' }, 'HOUR'),
      tags: await store.topFacets({ ...DAY1 }, 'tags', 1000),
      authors: await store.topFacets({ ...DAY1, langs: ['en'] }, 'authors', 1000),
    });
    const before = await queries();
    await compactDay(tmp.path, DAYS[0], { graceMs: 0, tables: ['posts'] });
    const manifest = await readManifest(partitionDir(tmp.path, 'posts', DAYS[0]));
    expect(manifest?.hidden?.length).toBe(1);
    expect(await queries()).toEqual(before);
    // Still exactly what the samples say (the day-1 range reads no tombstone file now, only the hidden versions).
    expect((await volumeProblems({ ...DAY1, text: 'common' }, 'HOUR')).problems).toEqual([]);
    expect((await volumeProblems({ ...DAY1 }, 'DAY')).problems).toEqual([]);
    expect(before.tags.map((t) => t.value)).not.toContain('doomed');
    expect(before.authors.map((t) => t.value)).not.toContain(HIDDEN);
  });
});
