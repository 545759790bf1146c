/** A search text split into the terms every matching post must contain, and the terms none may contain. */
export interface SearchTerms {
  include: string[];
  exclude: string[];
}

/** The text cannot be searched as given (too many terms). */
export class SearchSyntaxError extends Error {
  override name = 'SearchSyntaxError';
}

/** Each term is one more substring scan of every candidate post: keep a query's cost bounded. */
export const MAX_SEARCH_TERMS = 16;

// Opening and closing quotes are interchangeable: "…", “…”, „…“, „…”, «…», »…« all delimit a phrase. Straight and
// typographic single quotes are NOT delimiters (they are apostrophes inside words: don't, l’eau).
const QUOTES = new Set(['"', '\u201C', '\u201D', '\u201E', '\u201F', '\u00AB', '\u00BB', '\uFF02']);
const isSpace = (ch: string) => /\s/u.test(ch);

/**
 * Parses the search syntax:
 * - words separated by white space must all occur (substring match, case-insensitive);
 * - a phrase in straight or typographic double quotes must occur as written, inner spaces kept;
 * - `-word` and `-"phrase"` (a minus at the start of a term) must not occur;
 * - everything else, `%` `_` `\` `*` included, is literal.
 * An unbalanced quote is not an error: the phrase runs to the end of the text (what a user typing a phrase
 * mid-way means). A lone `-` or an empty phrase is ignored. Duplicate terms are dropped. A text with only
 * exclusions is allowed (it filters everything else).
 * Throws SearchSyntaxError past MAX_SEARCH_TERMS terms.
 */
export function parseSearchText(text: string): SearchTerms {
  const include: string[] = [];
  const exclude: string[] = [];
  const chars = Array.from(text); // code points, so an emoji is never split
  let i = 0;
  while (i < chars.length) {
    if (isSpace(chars[i])) {
      i++;
      continue;
    }
    let negate = false;
    if (chars[i] === '-' && i + 1 < chars.length && !isSpace(chars[i + 1])) {
      negate = true;
      i++;
    }
    let term: string;
    if (QUOTES.has(chars[i])) {
      const start = ++i;
      while (i < chars.length && !QUOTES.has(chars[i])) i++;
      term = chars.slice(start, i).join('');
      i++; // past the closing quote (or the end)
      if (term.trim() === '') continue;
    } else {
      const start = i;
      while (i < chars.length && !isSpace(chars[i]) && !QUOTES.has(chars[i])) i++;
      term = chars.slice(start, i).join('');
      if (term === '-') continue;
    }
    const list = negate ? exclude : include;
    if (!list.includes(term)) list.push(term);
  }
  if (include.length + exclude.length > MAX_SEARCH_TERMS) {
    throw new SearchSyntaxError(`at most ${MAX_SEARCH_TERMS} search terms are allowed`);
  }
  return { include, exclude };
}
