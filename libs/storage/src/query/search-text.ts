/** A search text split into the terms every matching post must contain, and the terms none may contain. */
export interface SearchTerms {
  include: string[];
  exclude: string[];
  /**
   * Bluesky's search operators found in the text (unquoted, not negated), raw as written: `lang:xx`, `#tag`,
   * `domain:host`, `from:DID` or `from:handle`. They are filters, not text (see filter.ts, which validates and merges them).
   */
  operators: TextOperators;
}

export interface TextOperators {
  langs: string[];
  tags: string[];
  domains: string[];
  from: string[];
}

/** `lang:` `domain:` `from:` (any case) followed by a value, or `#` followed by a tag. */
const OPERATOR = /^(lang|domain|from):(.+)$/i;

function operatorOf(term: string): [keyof TextOperators, string] | undefined {
  const m = OPERATOR.exec(term);
  if (m) {
    const key = m[1].toLowerCase();
    return [key === 'lang' ? 'langs' : key === 'domain' ? 'domains' : 'from', m[2]];
  }
  if (term.length > 1 && term.startsWith('#')) return ['tags', term.slice(1)];
  return undefined;
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
 * - unquoted, not negated `lang:xx`, `#tag`, `domain:host` and `from:did-or-handle` are operators (as in Bluesky's search),
 *   returned apart: they are not searched as text (quote them to search them as text: `"#tag"`);
 * - everything else, `%` `_` `\` `*` included, is literal.
 * An unbalanced quote is not an error: the phrase runs to the end of the text (what a user typing a phrase
 * mid-way means). A lone `-` or an empty phrase is ignored. Duplicate terms are dropped. A text with only
 * exclusions is allowed (it filters everything else).
 * Throws SearchSyntaxError past MAX_SEARCH_TERMS terms.
 */
export function parseSearchText(text: string): SearchTerms {
  const include: string[] = [];
  const exclude: string[] = [];
  const operators: TextOperators = { langs: [], tags: [], domains: [], from: [] };
  let count = 0;
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
    const quoted = QUOTES.has(chars[i]);
    if (quoted) {
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
    const operator = quoted || negate ? undefined : operatorOf(term);
    const list = operator ? operators[operator[0]] : negate ? exclude : include;
    const value = operator ? operator[1] : term;
    if (!list.includes(value)) {
      list.push(value);
      count++;
    }
  }
  if (count > MAX_SEARCH_TERMS) {
    throw new SearchSyntaxError(`at most ${MAX_SEARCH_TERMS} search terms are allowed`);
  }
  return { include, exclude, operators };
}
