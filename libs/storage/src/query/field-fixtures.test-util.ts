import type { PostRow } from '@bsky-explorer/schema';
import { compactDay } from '../compaction/compact-day';
import { listPostFiles } from '../layout/list-data-files';
import { DAY, HOUR, T0, account, edited, flush, post, tombstone } from './fixtures.test-util';
import type { PostFilter, PostSort } from './post-sql';

// A corpus with languages, hashtags, mentions, links and external embeds over three days (two compacted with side
// files, one of flush files written twice in part), then deletes, an edit and a hidden account; and an oracle that
// computes every answer from the rows in plain TypeScript, independently of the SQL under test.

export const DAYS = ['2024-05-24', '2024-05-25', '2024-05-26'];
const PER_DAY = 48;
export const HIDDEN = 'did:plc:author4';
export const MENTIONED = 'did:plc:author3';

function fields(n: number): Partial<PostRow> {
  const langs = [['en-US'], ['pt-BR'], ['EN'], ['ja', 'en'], [], ['pt']][n % 6];
  const tags: string[] = [];
  if (n % 3 === 0) tags.push(n % 2 ? 'Cats' : 'cats');
  if (n % 5 === 0) tags.push('#Dogs');
  const links: string[] = [];
  if (n % 4 === 1) links.push(n % 8 === 1 ? 'https://www.Example.com/a/' : 'HTTPS://example.com/a');
  if (n % 4 === 2) links.push('http://blog.example.com/post');
  if (n % 9 === 0) links.push('https://other.org/x?q=1');
  return {
    langs,
    tags,
    links,
    mentions: n % 6 === 0 ? [MENTIONED] : [],
    external_uri: n % 8 === 3 ? 'https://news.EXAMPLE.com/story/' : n % 11 === 0 ? 'https://notexample.com/' : null,
    text: `common ${n % 10 === 0 ? 'Coffee ' : ''}${n % 7 === 0 ? 'tea ' : ''}post ${n}`,
  };
}

export interface Corpus {
  /** Every post row written (all versions). */
  rows: PostRow[];
  deleted: Set<string>;
  /** uri → time_us of its supersede tombstone. */
  superseded: Map<string, number>;
  hidden: Set<string>;
}

/** Writes the corpus into `dataDir` (see the file comment) and returns what the oracle needs. */
export async function writeCorpus(dataDir: string, rareTokenMaxDf: number): Promise<Corpus> {
  const byDay: PostRow[][] = DAYS.map(() => []);
  for (let d = 0; d < DAYS.length; d++) {
    for (let i = 0; i < PER_DAY; i++) {
      const n = d * 100 + i;
      // Two posts per slot: ties on indexed_at exercise the uri tie-break of the keyset.
      const at = T0 + (d - 1) * DAY - 11 * HOUR + Math.floor(i / 2) * 40 * 60_000_000;
      byDay[d].push(post(n, { indexed_at: at, time_us: at, ...fields(n) }));
    }
  }
  await flush(dataDir, { posts: [...byDay[0], ...byDay[1]] });
  for (const d of DAYS.slice(0, 2)) await compactDay(dataDir, d, { graceMs: 0, rareTokenMaxDf });
  // The last day stays flush files, part of it written twice (a replayed flush).
  await flush(dataDir, { posts: byDay[2] });
  await flush(dataDir, { posts: byDay[2].slice(0, 6) });
  const all = byDay.flat();
  const deletedRows = [all[3], all[50], all[110]];
  const changed = all[60];
  const newer = { ...edited(changed, 'common coffee edited'), tags: ['Edited'], langs: ['de'] };
  await flush(dataDir, {
    posts: [newer],
    tombstones: [
      ...deletedRows.map((p) => tombstone(p, 'delete', T0 + 2 * DAY)),
      tombstone(changed, 'supersede', newer.time_us),
    ],
    accounts: [account(HIDDEN, false, T0 + 2 * DAY)],
  });
  const files = await listPostFiles(dataDir);
  if (files.indexed.filter((d) => d.tokens).length !== 2) throw new Error('expected two indexed days');
  return {
    rows: [...all, newer],
    deleted: new Set(deletedRows.map((p) => p.uri)),
    superseded: new Map([[changed.uri, newer.time_us]]),
    hidden: new Set([HIDDEN]),
  };
}

/** The visible posts: the newest version per uri, not deleted, not superseded, author not hidden. */
export function visibleRows(c: Corpus): PostRow[] {
  const newest = new Map<string, PostRow>();
  for (const r of c.rows) {
    const had = newest.get(r.uri);
    if (!had || had.time_us < r.time_us) newest.set(r.uri, r);
  }
  return [...newest.values()].filter(
    (r) => !c.deleted.has(r.uri) && !c.hidden.has(r.did) && !((c.superseded.get(r.uri) ?? 0) > r.time_us),
  );
}

const hostOf = (u: string) => new URL(u).hostname.toLowerCase().replace(/^www\./, '');
const normalUrl = (u: string) => new URL(u).href.replace(/\/+$/, '');
export const linkedUrls = (r: PostRow) => [...r.links, ...(r.external_uri ? [r.external_uri] : [])];
export const hostsOf = (r: PostRow) => [...new Set(linkedUrls(r).map(hostOf))];
export const tagsOf = (r: PostRow) => [...new Set(r.tags.map((t) => t.replace(/^#+/, '').toLowerCase()))];
export const langsOf = (r: PostRow) => [...new Set(r.langs.map((l) => l.toLowerCase()))];

/** Whether a row passes a filter, written from the API's description (not from the SQL). */
export function matches(r: PostRow, f: PostFilter): boolean {
  const text = r.text.toLowerCase();
  const words = (f.text ?? '').split(/\s+/).filter(Boolean);
  const op = (prefix: string) =>
    words.filter((w) => w.toLowerCase().startsWith(prefix)).map((w) => w.slice(prefix.length));
  const langs = [...(f.langs ?? []), ...op('lang:')].map((l) => l.toLowerCase());
  const tags = [...(f.tags ?? []), ...words.filter((w) => w.startsWith('#')).map((w) => w.slice(1))].map((t) =>
    t.replace(/^#+/, '').toLowerCase(),
  );
  const domain = f.domain ?? op('domain:')[0];
  const author = f.author ?? op('from:')[0];
  const terms = words.filter((w) => !/^(lang|domain|from):/i.test(w) && !w.startsWith('#'));
  return (
    (f.fromUs === undefined || r.indexed_at >= f.fromUs) &&
    (f.toUs === undefined || r.indexed_at < f.toUs) &&
    (author === undefined || r.did === author) &&
    terms.every((t) => text.includes(t.toLowerCase())) &&
    (langs.length === 0 || langsOf(r).some((l) => langs.some((w) => l === w || l.startsWith(`${w}-`)))) &&
    tags.every((t) => tagsOf(r).includes(t)) &&
    (f.mentions === undefined || r.mentions.includes(f.mentions)) &&
    (domain === undefined ||
      hostsOf(r).some((h) => h === hostOf(`https://${domain}`) || h.endsWith(`.${hostOf(`https://${domain}`)}`))) &&
    (f.url === undefined || linkedUrls(r).map(normalUrl).includes(normalUrl(f.url)))
  );
}

/** The uris of the visible matches in page order. */
export function expectedUris(c: Corpus, f: PostFilter, sort: PostSort = 'LATEST'): string[] {
  const rows = visibleRows(c)
    .filter((r) => matches(r, f))
    .sort((a, b) => b.indexed_at - a.indexed_at || (a.uri < b.uri ? 1 : -1));
  if (sort === 'OLDEST') rows.reverse();
  return rows.map((r) => r.uri);
}

/** Every filter the tests try: each field alone, with text (token index) and author (by-author), and as text syntax. */
export const FILTERS: PostFilter[] = [
  { langs: ['en'] },
  { langs: ['pt-br', 'JA'] },
  { tags: ['Cats'] },
  { tags: ['#cats', 'dogs'] },
  { mentions: MENTIONED },
  { domain: 'example.com' },
  { domain: 'www.blog.example.com' },
  { url: 'https://example.com/a/' },
  { url: 'https://news.example.com/story' },
  { text: 'coffee', langs: ['en'] },
  { text: 'coffee', tags: ['dogs'] },
  { author: 'did:plc:author1', tags: ['cats'] },
  { author: 'did:plc:author2', domain: 'example.com' },
  { text: 'lang:pt #dogs' },
  { text: 'coffee domain:example.com' },
  { text: 'from:did:plc:author2 common' },
  { text: '#edited' },
  { langs: ['en'], fromUs: T0 - 6 * HOUR, toUs: T0 + 20 * HOUR },
];
