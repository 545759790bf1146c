// The tokens of the token side files (compaction/token-files.ts) and of search terms looked up in them (query/
// token-reads.ts): one definition, so both sides split text the same way.
//
// A token is a maximal run of letters and digits of lower(text). Why a term can be looked up through tokens at all
// (search is by substring, not by word): every maximal letter/digit run of lower(term) ("part") lies inside one
// token of any lower(text) that contains lower(term). So the posts holding a token that contains the part are a
// superset of the matches, and the exact text predicate decides. Greek final sigma is folded on the lookup side
// (the text predicate folds it too).

/** Characters of a token kept as its lookup key (compaction/token-files.ts says why). */
export const TOKEN_KEY_CHARS = 32;

/** What makes a vocabulary token `ascii` (term parts are lower-cased like the tokens). */
export const ASCII_ALNUM = /[a-z0-9]/;

/** Token separators: anything but a letter or a digit (RE2 Unicode classes). */
const SEPARATORS = "'[^\\p{L}\\p{N}]+'";

/** SQL: the distinct non-empty tokens of the VARCHAR expression `expr`, as a VARCHAR[]. */
export function tokenListSql(expr: string): string {
  return `list_filter(list_distinct(string_split_regex(lower(${expr}), ${SEPARATORS})), t -> t <> '')`;
}

/** SQL: the distinct parts of a search term (bound as `expr`) to look up in the token vocabulary, sigma folded. */
export function termPartsSql(expr: string): string {
  return tokenListSql(`replace(lower(${expr}), 'ς', 'σ')`);
}

/** SQL: a vocabulary token as compared with term parts (sigma folded like them). */
export function foldedTokenSql(expr: string): string {
  return `replace(${expr}, 'ς', 'σ')`;
}

/** Characters of a gram of the vocabulary's gram index (compaction/token-grams.ts). */
export const GRAM_CHARS = 3;

/**
 * SQL: the distinct substrings of GRAM_CHARS characters (code points) of the VARCHAR expression `expr`, as a
 * VARCHAR[]; empty when it is shorter. A string containing a part holds every gram of the part.
 */
export function gramsSql(expr: string): string {
  return `list_distinct(list_transform(range(1, length(${expr}) - ${GRAM_CHARS - 2}), i -> substring(${expr}, i, ${GRAM_CHARS})))`;
}

/** Whether a term part has grams (its characters counted as gramsSql counts them: code points). */
export const hasGrams = (part: string): boolean => [...part].length >= GRAM_CHARS;
