// The analyst's queries of a run (issue 11): the aggregations of a common word over the data's range, and a page of
// each of searchPosts' filters. Values are picked from the run's sample posts by rank, as the search mix's are, so
// the same seed gives the same queries. Measured for ours only: the peers answer the search mix.
import type { SamplePost } from './run-mix';

export type AnalystQueryName =
  | 'volumeByHour'
  | 'topTags'
  | 'topDomains'
  | 'topLangs'
  | 'topAuthors'
  | 'filterLang'
  | 'filterTag'
  | 'filterDomain'
  | 'filterMentions'
  | 'filterUrl'
  | 'oldestFirst';

export interface AnalystSpec {
  name: AnalystQueryName;
  description: string;
  /** 'aggregation' (target: AGGREGATION_TARGET) or 'page' (the search page target). */
  kind: 'aggregation' | 'page';
  query: string;
  variables: Record<string, unknown>;
}

/** The issue's target for postVolume and the top-N of a common word. */
export function aggregationTarget(days: number): { label: string; ms?: number } {
  if (days <= 1) return { label: '≤ 500 ms', ms: 500 };
  if (days >= 30) return { label: '≤ 2 s', ms: 2000 };
  return { label: '(≤ 500 ms at 1 d, ≤ 2 s at 30 d)' };
}

export interface AnalystTerms {
  lang: string;
  tag: string;
  domain: string;
  mention: string;
  url: string;
}

const hostOf = (url: string): string | undefined => {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#@]*@)?([^/?#:]*)/i.exec(url);
  const host = m?.[1].toLowerCase().replace(/^www\./, '');
  return host || undefined;
};

const byCount = (m: Map<string, number>) =>
  [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v);

function tally(values: Iterable<string>, into: Map<string, number>): void {
  for (const v of values) into.set(v, (into.get(v) ?? 0) + 1);
}

/**
 * The filter values: the most frequent language other than English (English is most posts: a page of it is
 * the common word's page again), tag, linked host and mentioned account, and a URL linked once (a rare one).
 */
export function pickAnalystTerms(posts: readonly SamplePost[]): AnalystTerms {
  const langs = new Map<string, number>();
  const tags = new Map<string, number>();
  const domains = new Map<string, number>();
  const mentions = new Map<string, number>();
  const urls = new Map<string, number>();
  for (const p of posts) {
    tally(new Set(p.langs.map((l) => l.toLowerCase())), langs);
    tally(new Set(p.tags.map((t) => t.replace(/^#/, '').toLowerCase()).filter(Boolean)), tags);
    tally(new Set(p.links.map(hostOf).filter((h): h is string => !!h)), domains);
    tally(new Set(p.mentions), mentions);
    tally(new Set(p.links.filter((u) => /^https?:\/\/[^/]+\/.+[^/]$/i.test(u))), urls);
  }
  const first = (m: Map<string, number>, what: string, keep: (v: string) => boolean = () => true) => {
    const v = byCount(m).find(keep);
    if (v === undefined) throw new Error(`no ${what} in the sample posts to build the analyst mix`);
    return v;
  };
  const once = byCount(urls).filter((u) => urls.get(u) === 1);
  if (once.length === 0) throw new Error('no URL linked once in the sample posts to build the analyst mix');
  return {
    lang: first(langs, 'language', (l) => l !== 'en' && !l.startsWith('en-')),
    tag: first(tags, 'hashtag'),
    domain: first(domains, 'linked host'),
    mention: first(mentions, 'mention'),
    url: once[Math.floor(once.length / 2)],
  };
}

/** A first page of searchPosts with `args` (argument → [GraphQL type, value]), each passed as a variable. */
function filterPage(
  name: AnalystQueryName,
  description: string,
  args: Record<string, [type: string, value: unknown]>,
): AnalystSpec {
  const names = Object.keys(args);
  return {
    name,
    description,
    kind: 'page',
    query: `query(${names.map((k) => `$${k}: ${args[k][0]}`).join(', ')}) {
      searchPosts(${names.map((k) => `${k}: $${k}`).join(', ')}, first: 50) { edges { node { uri } } } }`,
    variables: Object.fromEntries(names.map((k) => [k, args[k][1]])),
  };
}
const top = (field: string) => `query($text: String) { ${field}(text: $text, first: 10) { value count } }`;

/** The analyst queries over the data's days [firstDate, lastDate], with `commonWord` from the search mix. */
export function buildAnalystMix(
  terms: AnalystTerms,
  commonWord: string,
  firstDate: string,
  lastDate: string,
): AnalystSpec[] {
  const to = new Date(Date.parse(`${lastDate}T00:00:00Z`) + 86_400_000).toISOString();
  const dateRange = { from: `${firstDate}T00:00:00.000Z`, to };
  return [
    {
      name: 'volumeByHour',
      description: 'postVolume by hour of a common word over the whole range',
      kind: 'aggregation',
      query: `query($text: String, $from: DateTime!, $to: DateTime!) {
        postVolume(text: $text, interval: HOUR, dateRange: { from: $from, to: $to }) { start count } }`,
      variables: { text: commonWord, from: dateRange.from, to: dateRange.to },
    },
    ...(['topTags', 'topDomains', 'topLangs', 'topAuthors'] as const).map((name) => ({
      name,
      description: `${name} (10) of a common word`,
      kind: 'aggregation' as const,
      query: top(name),
      variables: { text: commonWord },
    })),
    filterPage('filterLang', `a language filter (${terms.lang})`, { lang: ['[String!]', [terms.lang]] }),
    filterPage('filterTag', `a common hashtag (#${terms.tag})`, { tag: ['[String!]', [terms.tag]] }),
    filterPage('filterDomain', `a common linked domain (${terms.domain})`, { domain: ['String', terms.domain] }),
    filterPage('filterMentions', 'the most mentioned account', { mentions: ['String', terms.mention] }),
    filterPage('filterUrl', 'a URL linked once in the sample (rare)', { url: ['String', terms.url] }),
    filterPage('oldestFirst', 'a common word, oldest first', {
      text: ['String', commonWord],
      sort: ['PostSort', 'OLDEST'],
    }),
  ];
}
