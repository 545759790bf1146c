// The query mix of a run, computed once from the seed and handed to every system (ours and each peer).
// It is derived from the simulator's generator, not from a sample of the stored files: event i is a pure function of
// (seed, i), so the same seed gives the same words, phrase and author on every run, whatever DuckDB's sampling does
// and whichever process reads the data. The visibility the search applies is replayed from the same events, so the
// words come from posts a search can find: posts deleted later in the day and authors whose last account event
// deactivates them are left out.
import { createHash } from 'node:crypto';
import { postUri, toRows, type JetstreamEvent } from '@bsky-explorer/schema';
import { dateStartUs } from '@bsky-explorer/storage';
import { BASE_DATE, dayDate } from './phases/data';
import { buildMix, pickTerms, type MixInput, type QuerySpec } from './query-mix';
import { syntheticDayMeta } from './sim-source';
import { buildAnalystMix, pickAnalystTerms, type AnalystSpec } from './analyst-mix';

const DAY_US = 86_400_000_000;

/** Posts of the sample: the first N post creates of day 1 (the same N posts at every --posts-per-day). */
export const MIX_SAMPLE_POSTS = 50_000;

export interface MixSampleOptions {
  seed: number;
  postsPerDay: number;
  samplePosts?: number;
}

/** What the mixes are picked from: a post's text and author, and the fields the analyst mix filters on. */
export interface SamplePost {
  text: string;
  did: string;
  langs: string[];
  tags: string[];
  mentions: string[];
  /** Facet links and the external embed's URL. */
  links: string[];
}

export interface MixSample {
  posts: SamplePost[];
  /** Sampled posts left out: deleted later that day, or by an author hidden at the end of the day. */
  dropped: { deleted: number; hiddenAuthor: number };
}

/**
 * The first `samplePosts` post creates of day 1 as the data phase generates it, minus what the read path hides.
 * One pass over the day's event metadata (≈ 0.3 µs an event); only posts of the sample, deletes and account
 * events are built.
 */
export function sampleVisiblePosts(o: MixSampleOptions): MixSample {
  const want = Math.min(o.samplePosts ?? MIX_SAMPLE_POSTS, o.postsPerDay);
  const startUs = dateStartUs(BASE_DATE);
  const sample = new Map<string, SamplePost>();
  const deleted = new Set<string>();
  const active = new Map<string, boolean>();
  let posts = 0;
  for (const { fh, meta } of syntheticDayMeta({
    seed: o.seed,
    posts: o.postsPerDay,
    startUs,
    endUs: startUs + DAY_US,
  })) {
    if (meta.type === 'post') {
      if (++posts > want) continue;
      const r = toRows(fh.event(meta.index).event as JetstreamEvent);
      const row = r.ok ? r.rows.find((x) => x.table === 'posts')?.row : undefined;
      if (row && 'text' in row)
        sample.set(row.uri, {
          text: row.text,
          did: row.did,
          langs: row.langs ?? [],
          tags: row.tags ?? [],
          mentions: row.mentions ?? [],
          links: [...(row.links ?? []), ...(row.external_uri ? [row.external_uri] : [])],
        });
    } else if (meta.type === 'post-delete') {
      const e = fh.event(meta.index).event;
      if (e.commit) deleted.add(postUri(e.did, e.commit.rkey));
    } else if (meta.type === 'account') {
      const e = fh.event(meta.index).event;
      if (e.account) active.set(e.did, e.account.active);
    }
  }
  const out: MixSample = { posts: [], dropped: { deleted: 0, hiddenAuthor: 0 } };
  for (const [uri, p] of sample) {
    if (deleted.has(uri)) out.dropped.deleted++;
    else if (active.get(p.did) === false) out.dropped.hiddenAuthor++;
    else out.posts.push(p);
  }
  return out;
}

export interface RunMix {
  /** Short hash of the queries: every system's result carries it, and the report compares only equal ids. */
  id: string;
  seed: number;
  postsPerDay: number;
  samplePosts: number;
  source: string;
  terms: Omit<MixInput, 'firstDate' | 'lastDate' | 'pageSize'>;
  queries: QuerySpec[];
  /** The analyst queries (ours only), from the same sample; absent when the sample lacks a value they need. */
  analyst?: AnalystSpec[];
}

export const mixId = (queries: QuerySpec[]): string =>
  createHash('sha256').update(JSON.stringify(queries)).digest('hex').slice(0, 12);

export function computeMix(o: MixSampleOptions & { days: number }): RunMix {
  const samplePosts = Math.min(o.samplePosts ?? MIX_SAMPLE_POSTS, o.postsPerDay);
  const s = sampleVisiblePosts({ ...o, samplePosts });
  const terms = pickTerms(s.posts);
  const queries = buildMix({ ...terms, firstDate: dayDate(0), lastDate: dayDate(o.days - 1) });
  let analyst: AnalystSpec[] | undefined;
  try {
    analyst = buildAnalystMix(pickAnalystTerms(s.posts), terms.commonWord, dayDate(0), dayDate(o.days - 1));
  } catch {
    analyst = undefined; // a sample too small to hold a hashtag, a link… (tiny test data)
  }
  return {
    id: mixId(queries),
    seed: o.seed,
    postsPerDay: o.postsPerDay,
    samplePosts,
    source:
      `the simulator's generator, seed ${o.seed}: the first ${samplePosts.toLocaleString('en-US')} post creates of day 1, ` +
      `less ${s.dropped.deleted} deleted later that day and ${s.dropped.hiddenAuthor} by authors hidden at its end`,
    terms,
    queries,
    analyst,
  };
}
