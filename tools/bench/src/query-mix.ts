// The fixed search mix of the scale issue, instantiated from sample posts: words and an author are picked by rank
// so that "rare" and "common" mean what they say whatever the generator's vocabulary. The sample itself, and the
// one mix per run every system runs, come from run-mix.ts.

export type QueryName =
  | 'rare'
  | 'common'
  | 'twoWords'
  | 'phrase'
  | 'author'
  | 'authorText'
  | 'oneDay'
  | 'fullRange'
  | 'page20'
  | 'totalCount';

export interface SearchArgs {
  text?: string;
  author?: string;
  dateRange?: { from: string; to: string };
  first: number;
}

export interface QuerySpec {
  name: QueryName;
  description: string;
  args: SearchArgs;
  /** Substrings that must all occur (case-insensitively) — what peers translate into LIKE. */
  terms: string[];
  /** Page to measure (1 = first); earlier pages are walked once, untimed, to get the cursor. */
  page: number;
  totalCount: boolean;
}

export interface MixInput {
  rareWord: string;
  commonWord: string;
  twoWords: [string, string];
  phrase: string;
  author: string;
  /** First and last partition date of the data ('YYYY-MM-DD'). */
  firstDate: string;
  lastDate: string;
  pageSize?: number;
}

const nextDay = (date: string): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const iso = (date: string) => `${date}T00:00:00.000Z`;

export function buildMix(m: MixInput): QuerySpec[] {
  const first = m.pageSize ?? 50;
  const full = { from: iso(m.firstDate), to: iso(nextDay(m.lastDate)) };
  const lastDay = { from: iso(m.lastDate), to: iso(nextDay(m.lastDate)) };
  const q = (
    name: QueryName,
    description: string,
    args: Omit<SearchArgs, 'first'>,
    terms: string[],
    page = 1,
    totalCount = false,
  ): QuerySpec => ({
    name,
    description,
    args: { ...args, first },
    terms,
    page,
    totalCount,
  });
  return [
    q('rare', 'a rare word', { text: m.rareWord }, [m.rareWord]),
    q('common', 'a common word', { text: m.commonWord }, [m.commonWord]),
    q('twoWords', 'two words, both must match', { text: `${m.twoWords[0]} ${m.twoWords[1]}` }, [...m.twoWords]),
    q('phrase', 'a quoted phrase', { text: `"${m.phrase}"` }, [m.phrase]),
    q('author', 'an active author, no text', { author: m.author }, []),
    q('authorText', 'that author and a common word', { author: m.author, text: m.commonWord }, [m.commonWord]),
    q('oneDay', 'a common word in the last day', { text: m.commonWord, dateRange: lastDay }, [m.commonWord]),
    q('fullRange', 'a common word over the whole range', { text: m.commonWord, dateRange: full }, [m.commonWord]),
    q('page20', 'page 20 of a common word, by cursor', { text: m.commonWord }, [m.commonWord], 20),
    q('totalCount', 'totalCount of a common word', { text: m.commonWord }, [m.commonWord], 1, true),
  ];
}

const WORD_RE = /[\p{L}\p{N}]+/gu;

/** Words and phrases from sample texts: ranks, so that the choice is deterministic for a given sample. */
export function pickTerms(samples: { text: string; did: string }[]): Omit<MixInput, 'firstDate' | 'lastDate'> {
  const words = new Map<string, number>();
  const bigrams = new Map<string, number>();
  const authors = new Map<string, number>();
  for (const { text, did } of samples) {
    authors.set(did, (authors.get(did) ?? 0) + 1);
    const lower = text.toLowerCase();
    const seen = new Set<string>();
    let prev: { w: string; end: number } | undefined;
    for (const m of lower.matchAll(WORD_RE)) {
      const w = m[0];
      const start = m.index ?? 0;
      if (!seen.has(w)) {
        seen.add(w);
        words.set(w, (words.get(w) ?? 0) + 1);
      }
      // A phrase is two words separated by exactly one space, as a user would type it.
      if (prev && prev.end + 1 === start && lower[prev.end] === ' ' && prev.w.length >= 3 && w.length >= 3) {
        const b = `${prev.w} ${w}`;
        bigrams.set(b, (bigrams.get(b) ?? 0) + 1);
      }
      prev = { w, end: start + w.length };
    }
  }
  const byCount = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const latinish = (w: string) => w.length >= 5 && !/^\d+$/.test(w);
  const ranked = byCount(words).filter(([w]) => latinish(w));
  if (ranked.length < 30)
    throw new Error(`too few distinct words in the sample (${ranked.length}) to build the query mix`);
  const commonWord = ranked[0][0];
  // Rare: seen once in the sample, not a number, long enough to be a word rather than a fragment.
  // Latin letters only: in scripts written without spaces a "word" is a whole run of text, not a word.
  const rare = ranked.filter(([w, c]) => c === 1 && w.length >= 7 && /^\p{Script=Latin}+$/u.test(w));
  const rareWord = (rare.length ? rare[Math.floor(rare.length / 2)] : ranked[ranked.length - 1])[0];
  const twoWords: [string, string] = [ranked[5][0], ranked[12][0]];
  const phrases = byCount(bigrams).filter(([b, c]) => c >= 2 && !b.split(' ').includes(commonWord));
  const phrase = (phrases[Math.min(10, phrases.length - 1)] ?? [`${ranked[1][0]} ${ranked[2][0]}`])[0];
  const author = byCount(authors)[0][0];
  return { rareWord, commonWord, twoWords, phrase, author };
}
