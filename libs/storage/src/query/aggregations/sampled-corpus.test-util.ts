import { createHash } from 'node:crypto';
import type { PostRow } from '@bsky-explorer/schema';
import { compactDay } from '../../compaction/compact-day';
import { DEFAULT_SAMPLE_SHARE } from '../../compaction/sample-file';
import { dateStartUs, partitionDate } from '../../layout/partition';
import { hostsOf, langsOf, matches, tagsOf, visibleRows, type Corpus } from '../field-fixtures.test-util';
import { DAY, HOUR, account, edited, flush, post, tombstone } from '../fixtures.test-util';
import type { PostFilter } from '../post-sql';
import { INTERVAL_US, type VolumeInterval } from './post-volume';
import type { FacetKind } from './top-facets';

// A corpus large enough for a 1 % sample to mean something: two compacted days of 40,000 posts (~400 sample rows
// each) with skewed authors, tags, languages and hosts, and a third day of flush files (part of it replayed). After
// compaction: every post tagged "doomed" is deleted, every post tagged "draft" edited (its new version tagged
// "final", in flush files), and an author with ~8 % of the posts hidden. Two oracles computed in plain TypeScript
// from the rows: the truth (the visible posts), and what the estimate must be (the visible posts of the compacted
// days that are in the sample, md5 of the uri computed here, each weighing its day's rows ÷ sample rows, plus the
// other visible posts once each).

export const DAYS = ['2024-05-24', '2024-05-25', '2024-05-26'];
export const PER_DAY = 40_000;
const LAST_DAY = 2_000;
export const HIDDEN = 'did:plc:hidden';
/** ~5 % of the posts: too many for a read back through by-author, so estimated. */
export const PROLIFIC = 'did:plc:prolific';
/** 10 posts a day: read back through by-author, exact. */
export const FEW = 'did:plc:fewposts';
export const MENTIONED = 'did:plc:mentioned';
/** In 20 posts: read back through its postings, exact. */
export const RARE = 'quetzalcoatl';

const TAGS = ['cats', 'dogs', 'art', 'music', 'books', 'birds', 'news', 'photo', 'food', 'travel'];
const HOSTS = ['example.com', 'news.example.com', 'other.org', 'youtu.be', 'bsky.app', 'arxiv.org'];
const LANGS: [string[], number][] = [
  [['en'], 0.45],
  [['en-US'], 0.1],
  [['ja'], 0.2],
  [['pt-BR'], 0.12],
  [['es', 'en'], 0.08],
  [['de'], 0.05],
];

/** A deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Zipf-like pick: index i with weight 1/(i+1). */
function pick<T>(items: readonly T[], r: number): T {
  const total = items.reduce((a, _, i) => a + 1 / (i + 1), 0);
  let x = r * total;
  for (let i = 0; i < items.length; i++) if ((x -= 1 / (i + 1)) < 0) return items[i];
  return items[items.length - 1];
}

function fields(n: number, r: () => number): Partial<PostRow> {
  const u = r();
  const did =
    n % 4000 === 11
      ? FEW
      : u < 0.08
        ? HIDDEN
        : u < 0.13
          ? PROLIFIC
          : `did:plc:a${String(Math.floor(300 * r() ** 2)).padStart(3, '0')}`;
  const words = [`post ${n}`];
  if (r() < 0.6) words.push(r() < 0.5 ? 'Common' : 'common');
  if (r() < 0.25) words.push('Alpha');
  if (r() < 0.1) words.push('beta');
  if (n % 4000 === 7) words.push(RARE);
  const tags: string[] = [];
  if (r() < 0.5) tags.push(pick(TAGS, r()));
  if (r() < 0.2) tags.push(`#${pick(TAGS, r())}`);
  // Deleted or edited after compaction: only on the compacted days.
  if (r() < 0.05 && n < 2 * PER_DAY) tags.push('doomed');
  if (r() < 0.03 && n < 2 * PER_DAY) tags.push('draft');
  let l = r();
  const langs = LANGS.find(([, p]) => (l -= p) < 0)?.[0] ?? [];
  const links = r() < 0.3 ? [`https://${pick(HOSTS, r())}/${r() < 0.3 ? 'a' : `p${n % 50}`}`] : [];
  return {
    did,
    text: words.join(' '),
    tags: [...new Set(tags)],
    langs,
    links,
    mentions: r() < 0.1 ? [MENTIONED] : [],
    external_uri: r() < 0.05 ? `https://www.${pick(HOSTS, r())}/story` : null,
  };
}

export interface SampledCorpus extends Corpus {
  /** `${uri} ${time_us}` of each version stored in a compacted day's files → that day. */
  compacted: Map<string, string>;
  /** Per compacted day: its rows ÷ its sample's rows. */
  weights: Map<string, number>;
}

/** Whether compaction puts `uri` in the sample (computed here, independently of the SQL). */
export const inSample = (uri: string) =>
  parseInt(createHash('md5').update(uri, 'utf8').digest('hex').slice(0, 8), 16) <
  Math.floor(DEFAULT_SAMPLE_SHARE * 2 ** 32);

const versionKey = (r: PostRow) => `${r.uri} ${r.time_us}`;

/** Writes the corpus into `dataDir` (see the file comment). */
export async function writeSampledCorpus(dataDir: string): Promise<SampledCorpus> {
  const r = random(42);
  const byDay: PostRow[][] = DAYS.map((date, d) => {
    const count = d < 2 ? PER_DAY : LAST_DAY;
    return Array.from({ length: count }, (_, i) => {
      const n = d * PER_DAY + i;
      const at = dateStartUs(date) + Math.floor((i * DAY) / count);
      return post(n, { indexed_at: at, time_us: at, ...fields(n, r) });
    });
  });
  await flush(dataDir, { posts: [...byDay[0], ...byDay[1]] });
  for (const date of DAYS.slice(0, 2)) await compactDay(dataDir, date, { graceMs: 0 });
  await flush(dataDir, { posts: byDay[2] });
  await flush(dataDir, { posts: byDay[2].slice(0, 200) });
  const compactedRows = [...byDay[0], ...byDay[1]];
  const doomed = compactedRows.filter((p) => p.tags.includes('doomed'));
  const drafts = compactedRows.filter((p) => p.tags.includes('draft'));
  const finals = drafts.map((p) => ({ ...edited(p, `${p.text} final`), tags: ['final'] }));
  const late = dateStartUs(DAYS[2]) + 20 * HOUR;
  await flush(dataDir, {
    posts: finals,
    tombstones: [
      ...doomed.map((p) => tombstone(p, 'delete', late)),
      ...drafts.map((p, i) => tombstone(p, 'supersede', finals[i].time_us)),
    ],
    accounts: [account(HIDDEN, false, late)],
  });
  const weights = new Map(
    DAYS.slice(0, 2).map((date, d) => [date, byDay[d].length / byDay[d].filter((p) => inSample(p.uri)).length]),
  );
  return {
    rows: [...byDay.flat(), ...finals],
    deleted: new Set(doomed.map((p) => p.uri)),
    superseded: new Map(drafts.map((p, i) => [p.uri, finals[i].time_us])),
    hidden: new Set([HIDDEN]),
    compacted: new Map(compactedRows.map((p) => [versionKey(p), partitionDate(p.indexed_at)])),
    weights,
  };
}

/** A visible post's weight in the estimate: its day's weight if in that day's sample, 0 if not, 1 off the samples. */
function weightOf(c: SampledCorpus, row: PostRow): number {
  const day = c.compacted.get(versionKey(row));
  if (day === undefined) return 1;
  return inSample(row.uri) ? (c.weights.get(day) as number) : 0;
}

/** Per corpus, per filter (JSON): its visible matches, computed once. */
const matchesOf = new WeakMap<SampledCorpus, { visible: PostRow[]; byFilter: Map<string, PostRow[]> }>();

function visibleMatches(c: SampledCorpus, f: PostFilter): PostRow[] {
  const memo = matchesOf.get(c) ?? { visible: visibleRows(c), byFilter: new Map<string, PostRow[]>() };
  matchesOf.set(c, memo);
  const key = JSON.stringify(f);
  if (!memo.byFilter.has(key))
    memo.byFilter.set(
      key,
      memo.visible.filter((r) => matches(r, f)),
    );
  return memo.byFilter.get(key) as PostRow[];
}

/** Per key: the visible matching posts (truth) and their weighted sum (the estimate before rounding). */
function tally(c: SampledCorpus, f: PostFilter, keys: (r: PostRow) => (string | number)[]) {
  const truth = new Map<string | number, number>();
  const estimate = new Map<string | number, number>();
  for (const row of visibleMatches(c, f)) {
    const w = weightOf(c, row);
    for (const k of keys(row)) {
      truth.set(k, (truth.get(k) ?? 0) + 1);
      if (w > 0) estimate.set(k, (estimate.get(k) ?? 0) + w);
    }
  }
  return { truth, estimate };
}

export function volumeOracle(c: SampledCorpus, f: PostFilter, interval: VolumeInterval) {
  const width = INTERVAL_US[interval];
  return tally(c, f, (r) => [r.indexed_at - (r.indexed_at % width)]) as {
    truth: Map<number, number>;
    estimate: Map<number, number>;
  };
}

const FACET_VALUES: Record<FacetKind, (r: PostRow) => string[]> = {
  tags: tagsOf,
  domains: hostsOf,
  langs: langsOf,
  authors: (r) => [r.did],
};

export function facetOracle(c: SampledCorpus, f: PostFilter, facet: FacetKind) {
  return tally(c, f, FACET_VALUES[facet]) as { truth: Map<string, number>; estimate: Map<string, number> };
}

/**
 * Counts checked against the truth: from 2,500 posts, i.e. 25 expected sample rows (where a sample's count is
 * close to normal); below, a 1 % sample says little (an author with 195 posts had 8 in it), and only the
 * estimate's agreement with the sample is checked.
 */
export const CHECKED_FROM = 2_500;

/**
 * The stated tolerance of an estimate against the truth: 5 standard errors of a 1 % sample of `truth` posts
 * (binomial: √(truth·(1−p)/p) = √(99·truth), ±12 % at 2,500 posts, ±5 % at 15,000), plus one for the rounding.
 */
export const tolerance = (truth: number) =>
  5 * Math.sqrt((truth * (1 - DEFAULT_SAMPLE_SHARE)) / DEFAULT_SAMPLE_SHARE) + 1;
