import type { PostRow } from '@bsky-explorer/schema';
import { makeTempDir } from '@bsky-explorer/testing';
import { compactDay } from '../../compaction/compact-day';
import { DAY, HOUR, T0, account, edited, flush, post, tombstone } from '../fixtures.test-util';
import { PostStore } from '../post-store';
import type { PostFilter } from '../post-sql';

// Counts are exact where the store says so, and estimates stay near the truth: every answer is compared with a
// store whose limits make every count an exact scan (the full scan of the same rows).

const DAYS = ['2024-05-24', '2024-05-25', '2024-05-26'];
const PER_DAY = 600;

/** Word frequencies that make "alpha" common, "beta" frequent, "zeta" rare, mixed case and substrings. */
function textOf(n: number): string {
  const words = [`post ${n}`];
  if (n % 5 !== 0) words.push(n % 2 ? 'Alpha' : 'alphabet'); // 80 %, inside a longer token half the time
  if (n % 4 === 0) words.push('BETA');
  if (n % 97 === 0) words.push('zeta');
  return words.join(' ');
}

function corpus(): PostRow[] {
  const posts: PostRow[] = [];
  for (let d = 0; d < DAYS.length; d++) {
    for (let i = 0; i < PER_DAY; i++) {
      const n = d * PER_DAY + i;
      const at = T0 + (d - 1) * DAY - 11 * HOUR + i * 100_000_000;
      posts.push(post(n, { indexed_at: at, time_us: at, text: textOf(n) }));
    }
  }
  return posts;
}

const FILTERS: PostFilter[] = [
  { text: 'alpha' },
  { text: 'beta' },
  { text: 'zeta' },
  { text: 'alpha beta' },
  { text: 'alpha -beta' },
  { text: 'alpha', fromUs: T0 - 6 * HOUR, toUs: T0 + 6 * HOUR },
  { author: 'did:plc:author1' },
  { author: 'did:plc:author1', text: 'beta' },
  {},
];

describe('countPosts', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let exact: PostStore;
  let bounded: PostStore;

  beforeAll(async () => {
    tmp = await makeTempDir('bsky-count-');
    const posts = corpus();
    await flush(tmp.path, { posts });
    // Visibility must hold in the counts too: a delete and an edit after compaction, a hidden account.
    const deleted = posts.filter((p) => p.text.includes('zeta'))[0];
    const changed = posts[12];
    for (const d of DAYS.slice(0, 2)) await compactDay(tmp.path, d, { graceMs: 0, rareTokenMaxDf: 40 });
    await flush(tmp.path, {
      posts: [edited(changed, 'now zeta')],
      tombstones: [tombstone(deleted, 'delete', T0 + DAY), tombstone(changed, 'supersede', changed.time_us + DAY)],
      accounts: [account('did:plc:author3', false, T0 + DAY)],
    });
    exact = await PostStore.create({ dataDir: tmp.path, queryTimeoutMs: 30_000 });
    bounded = await PostStore.create({
      dataDir: tmp.path,
      queryTimeoutMs: 30_000,
      // The whole corpus is over the scan limit, the uncompacted day under it.
      countLimits: { exactScanRows: PER_DAY + 100, sampleRows: 200 },
    });
  });

  afterAll(async () => {
    await exact?.close();
    await bounded?.close();
    await tmp?.remove();
  });

  it('is exact by scan when the rows are few', async () => {
    for (const f of FILTERS) expect(await exact.count(f)).toEqual(expect.objectContaining({ exact: true }));
  });

  it('says exact only when it equals the full scan, and estimates within 25 % otherwise', async () => {
    const seen = { exact: 0, estimated: 0 };
    for (const f of FILTERS) {
      const truth = (await exact.count(f)).count;
      const got = await bounded.count(f);
      if (got.exact) {
        seen.exact++;
        expect({ f, count: got.count }).toEqual({ f, count: truth });
      } else {
        seen.estimated++;
        expect({ f, within: Math.abs(got.count - truth) <= Math.max(3, truth * 0.25) }).toEqual({ f, within: true });
      }
    }
    // The rare word (postings) and the author alone (by-author) are exact; the common words are estimated.
    expect((await bounded.count({ text: 'zeta' })).exact).toBe(true);
    expect((await bounded.count({ author: 'did:plc:author1' })).exact).toBe(true);
    expect((await bounded.count({ text: 'alpha' })).exact).toBe(false);
    expect(seen.estimated).toBeGreaterThan(0);
  });

  it("estimates a word on older days from their own df of its token, scaled by the newest day's share of longer tokens", async () => {
    // "alpha" is a token in 40 % of the posts and inside "alphabet" in 40 % more: the two compacted days are
    // estimated from one vocabulary scan (the newest day's) and the other day's df of the token "alpha". That must
    // give what scanning both vocabularies gives: Σ df of the tokens containing it, as compaction kept them.
    const f = { text: 'alpha', toUs: T0 - 11 * HOUR + DAY }; // the two compacted days only
    const stored = corpus().filter((p) => p.indexed_at < (f.toUs as number) && p.text.toLowerCase().includes('alpha'));
    const got = await bounded.count(f);
    expect(got).toEqual({ count: stored.length, exact: false });
  });

  it('reports the time of each phase when asked', async () => {
    const timings: Record<string, number> = {};
    await bounded.count({ text: 'alpha' }, timings);
    expect(Object.keys(timings)).toEqual(expect.arrayContaining(['listing', 'vocabulary', 'sample']));
    expect(Object.values(timings).every((ms) => ms >= 0)).toBe(true);
  });
});
