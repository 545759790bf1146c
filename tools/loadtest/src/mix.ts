// The mixed profile: what a web frontend and analysts send, in proportions, as GraphQL request bodies. Built from
// a sample of the data (words that occur, an author, the newest time), so every request finds something.

export interface Sample {
  /** A word on many recent posts. */
  commonWord: string;
  /** A word on few posts (a full scan for the storage layer). */
  rareWord: string;
  author: string;
  /** µs-free ISO instants: the newest indexedAt and one hour before it. */
  newest: string;
  hourBefore: string;
  uris: string[];
}

export type StepKind = 'search' | 'next-page' | 'count' | 'lookup' | 'export';

export interface Step {
  name: string;
  kind: StepKind;
  /** The JSON body; `cursor` is the endCursor the previous page of this connection returned, if any. */
  body(cursor: string | undefined): string;
}

const PAGE = 'edges { node { uri authorDid text indexedAt langs } } pageInfo { hasNextPage endCursor }';

const gql = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

const search = (name: string, args: Record<string, unknown>): Step => ({
  name,
  kind: 'search',
  body: () =>
    gql(
      `query($text: String, $author: String, $dateRange: DateRangeInput, $first: Int) {
        searchPosts(text: $text, author: $author, dateRange: $dateRange, first: $first) { ${PAGE} } }`,
      { first: 50, ...args },
    ),
});

/** The query shapes (those of the bench) with their weight in the mix (per 100 requests). */
export function shapes(s: Sample): { step: Step; weight: number }[] {
  return [
    { step: search('common word', { text: s.commonWord }), weight: 25 },
    {
      step: {
        name: 'common word, next page',
        kind: 'next-page',
        body: (cursor) =>
          gql(
            `query($text: String, $after: String) { searchPosts(text: $text, first: 50, after: $after) { ${PAGE} } }`,
            { text: s.commonWord, after: cursor },
          ),
      },
      weight: 15,
    },
    { step: search('rare word', { text: s.rareWord }), weight: 10 },
    { step: search('author', { author: s.author }), weight: 15 },
    { step: search('last hour', { dateRange: { from: s.hourBefore, to: s.newest } }), weight: 10 },
    { step: search('newest', {}), weight: 10 },
    {
      step: {
        name: 'count',
        kind: 'count',
        body: () =>
          gql('query($text: String) { searchPosts(text: $text, first: 1) { totalCount totalCountIsExact } }', {
            text: s.commonWord,
          }),
      },
      weight: 5,
    },
    {
      step: {
        name: 'post by uri',
        kind: 'lookup',
        body: () =>
          gql('query($uri: String!) { post(uri: $uri) { uri text replyParent { uri } quoted { uri } } }', {
            uri: s.uris[0],
          }),
      },
      weight: 9,
    },
    {
      step: {
        name: 'export 1,000 rows',
        kind: 'export',
        body: () =>
          gql('mutation($text: String) { exportPosts(text: $text, limit: 1000) { rowCount url } }', {
            text: s.commonWord,
          }),
      },
      weight: 1,
    },
  ];
}

/**
 * One cycle of the mix: each shape as often as its weight, spread evenly (a deterministic interleave, so every
 * level and every run sends the same sequence). A next page always comes after some first page.
 */
export function buildMix(s: Sample): Step[] {
  const slots: { at: number; step: Step }[] = [];
  for (const { step, weight } of shapes(s)) {
    for (let i = 0; i < weight; i++) slots.push({ at: (i + 0.5) / weight, step });
  }
  slots.sort((a, b) => a.at - b.at || (a.step.name < b.step.name ? -1 : 1));
  const steps = slots.map((x) => x.step);
  const firstPage = steps.findIndex((x) => x.name === 'common word');
  return [...steps.slice(firstPage), ...steps.slice(0, firstPage)];
}
