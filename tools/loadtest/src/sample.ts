import type { Sample } from './mix';

interface Node {
  uri: string;
  authorDid: string;
  text: string;
  indexedAt: string;
}

/** Words of a text the search treats as words: letters only, at least 4 of them, lower-cased. */
function words(text: string): string[] {
  return (text.toLowerCase().match(/\p{L}{4,}/gu) ?? []).filter((w) => w.length <= 20);
}

/**
 * Picks the profile's values from the newest posts: the most frequent word, a word seen once, the busiest author,
 * the newest hour. Fails when the data has too few posts to load-test anything.
 */
export async function sampleData(endpoint: string): Promise<Sample> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: '{ searchPosts(first: 500) { edges { node { uri authorDid text indexedAt } } } }' }),
  });
  const body = (await res.json()) as { data?: { searchPosts: { edges: { node: Node }[] } }; errors?: unknown };
  if (!body.data) throw new Error(`sampling the data failed: HTTP ${res.status} ${JSON.stringify(body.errors)}`);
  const nodes = body.data.searchPosts.edges.map((e) => e.node);
  if (nodes.length < 20)
    throw new Error(`the data holds ${nodes.length} posts; load-test a data set of at least a day`);
  const freq = new Map<string, number>();
  for (const n of nodes) for (const w of new Set(words(n.text))) freq.set(w, (freq.get(w) ?? 0) + 1);
  const ranked = [...freq].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const authors = new Map<string, number>();
  for (const n of nodes) authors.set(n.authorDid, (authors.get(n.authorDid) ?? 0) + 1);
  const newestMs = Date.parse(nodes[0].indexedAt);
  return {
    commonWord: ranked[0][0],
    rareWord: ranked.filter(([w, n]) => n === 1 && /^[a-z]{7,}$/.test(w)).at(-1)?.[0] ?? ranked.at(-1)![0],
    author: [...authors].sort((a, b) => b[1] - a[1])[0][0],
    newest: new Date(newestMs + 1000).toISOString(),
    hourBefore: new Date(newestMs - 3_600_000).toISOString(),
    uris: nodes.slice(0, 5).map((n) => n.uri),
  };
}
