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

const PAGE = 'edges { node { uri } }';
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
  const page = (filter: string, variables: Record<string, unknown>) =>
    `query(${Object.keys(variables)
      .map((k) => `$${k}: ${k === 'lang' || k === 'tag' ? '[String!]' : k === 'sort' ? 'PostSort' : 'String'}`)
      .join(', ')}) { searchPosts(${filter}, first: 50) { ${PAGE} } }`;
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
    {
      name: 'filterLang',
      description: `a language filter (${terms.lang})`,
      kind: 'page',
      query: page('lang: $lang', { lang: 0 }),
      variables: { lang: [terms.lang] },
    },
    {
      name: 'filterTag',
      description: `a common hashtag (#${terms.tag})`,
      kind: 'page',
      query: page('tag: $tag', { tag: 0 }),
      variables: { tag: [terms.tag] },
    },
    {
      name: 'filterDomain',
      description: `a common linked domain (${terms.domain})`,
      kind: 'page',
      query: page('domain: $domain', { domain: 0 }),
      variables: { domain: terms.domain },
    },
    {
      name: 'filterMentions',
      description: 'the most mentioned account',
      kind: 'page',
      query: page('mentions: $mentions', { mentions: 0 }),
      variables: { mentions: terms.mention },
    },
    {
      name: 'filterUrl',
      description: 'a URL linked once in the sample (rare)',
      kind: 'page',
      query: page('url: $url', { url: 0 }),
      variables: { url: terms.url },
    },
    {
      name: 'oldestFirst',
      description: 'a common word, oldest first',
      kind: 'page',
      query: page('text: $text, sort: $sort', { text: 0, sort: 0 }),
      variables: { text: commonWord, sort: 'OLDEST' },
    },
  ];
}
