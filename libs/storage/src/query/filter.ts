import { isHandle } from '@bsky-explorer/schema';
import type { PostFilter } from './post-sql';
import { SearchSyntaxError, parseSearchText } from './search-text';

// Validation and normal form of the post filters, shared by the API arguments and the operators of the search text
// (`lang:` `#` `domain:` `from:`), so both mean the same and fail the same way.

/** A filter value that cannot be used; `argument` names the API argument (or `text` for an operator in it). */
export class FilterError extends SearchSyntaxError {
  override name = 'FilterError';
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(message);
  }
}

/** A handle that no identity event has carried: the filter cannot name anyone (not an empty result). */
export class UnknownHandleError extends FilterError {
  override name = 'UnknownHandleError';
  constructor(
    argument: string,
    label: string,
    readonly handle: string,
  ) {
    super(argument, `unknown handle "${handle}" in ${label}: not seen in identity events; give the DID instead`);
  }
}

/** Handle (normal form) → the DID that holds it, as PostStore looked them up (see identities.ts). */
export type HandleMap = ReadonlyMap<string, string>;

/** At most this many values in a list filter (each one is one more predicate on every row read). */
export const MAX_FILTER_VALUES = 16;

const LANG_RE = /^[a-z]{2,8}(-[a-z0-9]{1,8})*$/;
const HOST_RE = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const DID_PLC_RE = /^did:plc:[a-z0-9]{1,64}$/;
const DID_WEB_RE = /^did:web:[a-zA-Z0-9.-]+(?:%3[aA]\d{1,5})?(?::[a-zA-Z0-9._~-]+)*$/;
const SCHEME_HOST_RE = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/i;

export function isDid(value: string): boolean {
  return value.length <= 2048 && (DID_PLC_RE.test(value) || DID_WEB_RE.test(value));
}

/** A handle in the form identity rows store it (lower-cased, no leading "@"), or undefined if it is not one. */
export function normalizeHandle(value: string): string | undefined {
  const h = value.trim().replace(/^@/, '').toLowerCase();
  return isHandle(h) ? h : undefined;
}

/**
 * An account given as a DID (kept as given, trimmed) or a handle. With `handles` a handle becomes the DID holding
 * it (UnknownHandleError when it was never seen); without, it is only checked and kept in normal form.
 */
export function normalizeActor(value: string, argument: string, label = argument, handles?: HandleMap): string {
  const v = value.trim();
  if (isDid(v)) return v;
  const handle = normalizeHandle(v);
  if (handle === undefined) {
    throw new FilterError(
      argument,
      `${label} must be a DID such as did:plc:z72i7hdynmk6r22z27h6tvur or did:web:example.com, or a handle such as alice.bsky.social`,
    );
  }
  if (!handles) return handle;
  const did = handles.get(handle);
  if (did === undefined) throw new UnknownHandleError(argument, label, handle);
  return did;
}

/** The handles (normal form) that the filter names in author, mentions or from: — what PostStore must look up. */
export function handlesIn(filter: PostFilter): string[] {
  const from = filter.text === undefined ? [] : parseSearchText(filter.text).operators.from;
  const out = new Set<string>();
  for (const v of [filter.author, filter.mentions, ...from]) {
    if (v === undefined || isDid(v.trim())) continue;
    const h = normalizeHandle(v);
    if (h !== undefined) out.add(h);
  }
  return [...out].sort();
}

/** A BCP-47 language tag, lower-cased ("en", "pt-BR"): it matches itself and its subtags ("en" matches "en-US"). */
export function normalizeLang(value: string, argument = 'lang', label = argument): string {
  const v = value.trim().toLowerCase();
  if (!LANG_RE.test(v)) {
    throw new FilterError(argument, `${label} "${value}" is not a BCP-47 language tag such as en, pt-BR or zh-Hant`);
  }
  return v;
}

/** A hashtag without its "#", lower-cased (tags match case-insensitively). */
export function normalizeTag(value: string, argument = 'tag', label = argument): string {
  const v = value.trim().replace(/^#+/, '').toLowerCase();
  if (v === '' || /\s/u.test(v) || [...v].length > 640) {
    throw new FilterError(argument, `${label} "${value}" is not a hashtag: one word, with or without "#"`);
  }
  return v;
}

/** A host name, lower-cased, without "www.", scheme, port or path ("https://www.Example.com/x" → "example.com"). */
export function normalizeDomain(value: string, argument = 'domain', label = argument): string {
  let v = value.trim().toLowerCase();
  const withScheme = SCHEME_HOST_RE.exec(v);
  if (withScheme) v = withScheme[2].replace(/^[^@]*@/, '');
  v = v
    .replace(/[/?#].*$/, '')
    .replace(/:\d+$/, '')
    .replace(/\.$/, '')
    .replace(/^www\./, '');
  if (!HOST_RE.test(v)) {
    throw new FilterError(argument, `${label} "${value}" is not a host name such as example.com`);
  }
  return v;
}

/**
 * A URL in the normal form links are compared in (urlNormalSql): scheme and host lower-cased, trailing slashes
 * dropped; the rest as written.
 */
export function normalizeUrl(value: string, argument = 'url'): string {
  const m = SCHEME_HOST_RE.exec(value.trim());
  if (!m || m[2] === '' || /\s/u.test(value.trim()) || value.length > 2048) {
    throw new FilterError(argument, `${argument} "${value}" is not an absolute URL such as https://example.com/page`);
  }
  return `${m[1].toLowerCase()}${m[2].toLowerCase()}${m[3]}`.replace(/\/+$/, '');
}

function checkCount(values: readonly string[], argument: string): void {
  if (values.length > MAX_FILTER_VALUES) {
    throw new FilterError(argument, `${argument} takes at most ${MAX_FILTER_VALUES} values (got ${values.length})`);
  }
}

/** The search terms back as text, each quoted, so that no term is read as an operator again. */
function termsText(include: readonly string[], exclude: readonly string[]): string | undefined {
  const parts = [...include.map((t) => `"${t}"`), ...exclude.map((t) => `-"${t}"`)];
  return parts.length ? parts.join(' ') : undefined;
}

/**
 * The filter in normal form: every value validated and normalised, the text's operators moved into the filter
 * fields (the text keeps only its search terms). An operator and the argument of the same filter cannot both be
 * given unless they agree (`from:` and `author`, `domain:` and `domain`, `lang:` and `lang`); `#tags` add to `tag`
 * (every tag must be present). Handles in author, mentions and from: become DIDs through `handles`; without it they
 * are only checked (the syntax pass before any I/O). Throws FilterError / SearchSyntaxError.
 */
export function resolveFilter(filter: PostFilter, handles?: HandleMap): PostFilter {
  const out: PostFilter = { fromUs: filter.fromUs, toUs: filter.toUs };
  let langs = filter.langs?.map((l) => normalizeLang(l));
  let tags = filter.tags?.map((t) => normalizeTag(t));
  // The author argument is compared exactly as given (the API checks it), unless it is a handle to resolve.
  let author =
    filter.author === undefined || normalizeHandle(filter.author) === undefined || isDid(filter.author.trim())
      ? filter.author
      : normalizeActor(filter.author, 'author', 'author', handles);
  let domain = filter.domain === undefined ? undefined : normalizeDomain(filter.domain);
  if (filter.text !== undefined) {
    const { include, exclude, operators } = parseSearchText(filter.text);
    out.text = termsText(include, exclude);
    if (operators.langs.length) {
      if (langs) throw new FilterError('text', 'give languages either as lang: in text or as the lang argument');
      langs = operators.langs.map((l) => normalizeLang(l, 'text', 'lang:'));
    }
    if (operators.tags.length) tags = [...(tags ?? []), ...operators.tags.map((t) => normalizeTag(t, 'text', '#tag'))];
    for (const d of operators.domains.map((v) => normalizeDomain(v, 'text', 'domain:'))) {
      if (domain !== undefined && domain !== d) {
        throw new FilterError('text', `domain:${d} in text disagrees with domain ${domain}; give one domain`);
      }
      domain = d;
    }
    for (const did of operators.from.map((v) => normalizeActor(v, 'text', 'from:', handles))) {
      // Before resolution a handle and a DID cannot be compared: the resolved pass checks them.
      const comparable = handles !== undefined || (isDid(author ?? did) && isDid(did));
      if (author !== undefined && author !== did && comparable) {
        throw new FilterError('text', `from:${did} in text disagrees with author ${author}; give one author`);
      }
      author = did;
    }
  }
  if (langs) {
    checkCount(langs, 'lang');
    if (langs.length) out.langs = [...new Set(langs)].sort();
  }
  if (tags) {
    checkCount(tags, 'tag');
    if (tags.length) out.tags = [...new Set(tags)].sort();
  }
  if (author !== undefined) out.author = author;
  if (filter.mentions !== undefined) out.mentions = normalizeActor(filter.mentions, 'mentions', 'mentions', handles);
  if (domain !== undefined) out.domain = domain;
  if (filter.url !== undefined) out.url = normalizeUrl(filter.url);
  for (const k of Object.keys(out) as (keyof PostFilter)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** Whether the filter has a filter beyond text, author and range (one that token dfs and by-author cannot see). */
export function hasFieldFilters(filter: PostFilter): boolean {
  return Boolean(filter.langs?.length || filter.tags?.length || filter.mentions || filter.domain || filter.url);
}
