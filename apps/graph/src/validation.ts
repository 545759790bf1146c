import {
  FilterError,
  SearchSyntaxError,
  isDid as isStoredDid,
  normalizeActor,
  resolveFilter,
  type PostSort,
} from '@bsky-explorer/storage';
import { badInput, clientError, ErrorCode } from './errors';

// Argument checks shared by searchPosts and exportPosts. Each error names the argument and says what to send.

export const MAX_TEXT_LENGTH = 512;

/**
 * indexedAt is when the firehose saw a post, so no post lies outside [1970, 2200). Bounds outside that window are
 * valid DateTimes that users write to mean "open-ended" (`to: "9999-12-31"`): a `to` past it is dropped, a `from`
 * before it dropped, and the others are clamped to it (they select nothing). Clamping also keeps every bound an
 * exact integer µs (Number.MAX_SAFE_INTEGER µs is in 2255), which the storage layer requires.
 */
export const MIN_BOUND_US = 0;
export const MAX_BOUND_US = Date.UTC(2200, 0, 1) * 1000;

export interface DateRangeArg {
  from?: number | null;
  to?: number | null;
}

export interface FilterArgs {
  text?: string | null;
  dateRange?: DateRangeArg | null;
  author?: string | null;
  lang?: readonly string[] | null;
  tag?: readonly string[] | null;
  mentions?: string | null;
  domain?: string | null;
  url?: string | null;
  sort?: PostSort | null;
}

/**
 * What the store receives: µs bounds, DIDs or handles, the field filters as given and the raw search text (the store brings
 * them to normal form with resolveFilter, which validateFilter has already run once to report bad input).
 */
export interface SearchFilter {
  text?: string;
  fromUs?: number;
  toUs?: number;
  author?: string;
  langs?: string[];
  tags?: string[];
  mentions?: string;
  domain?: string;
  url?: string;
  sort?: PostSort;
}

/** did:plc (base32; synthetic data uses other lower-case alphanumerics) or did:web (host, %3A port, path). */
export const isDid = isStoredDid;

/** Runs a storage check, turning its FilterError (or syntax error) into BAD_USER_INPUT naming the argument. */
function checked<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof FilterError) throw badInput(err.argument, err.message);
    if (err instanceof SearchSyntaxError) throw badInput('text', `text cannot be searched: ${err.message}`);
    throw err;
  }
}

export function validateFilter(args: FilterArgs): SearchFilter {
  const filter: SearchFilter = {};
  if (args.text != null) {
    const length = [...args.text].length;
    if (length > MAX_TEXT_LENGTH) {
      throw badInput('text', `text is ${length} characters long; shorten it to at most ${MAX_TEXT_LENGTH}`);
    }
    if (args.text.trim() !== '') filter.text = args.text;
  }
  if (args.dateRange) {
    const { from, to } = args.dateRange;
    if (from != null && to != null && from >= to) {
      throw badInput(
        'dateRange',
        'dateRange.from must be earlier than dateRange.to (from is inclusive, to is exclusive)',
      );
    }
    if (from != null && from > MIN_BOUND_US) filter.fromUs = Math.min(from, MAX_BOUND_US);
    if (to != null && to < MAX_BOUND_US) filter.toUs = Math.max(to, MIN_BOUND_US);
  }
  // A handle stays a handle here (syntax checked): the store resolves it, refusing one never seen.
  if (args.author != null) filter.author = checked(() => normalizeActor(args.author as string, 'author'));
  if (args.mentions != null) filter.mentions = checked(() => normalizeActor(args.mentions as string, 'mentions'));
  if (args.lang != null) filter.langs = [...args.lang];
  if (args.tag != null) filter.tags = [...args.tag];
  if (args.domain != null) filter.domain = args.domain;
  if (args.url != null) filter.url = args.url;
  if (args.sort != null) filter.sort = args.sort;
  // Every value and the text's operators (lang: #tag domain: from:) checked now, with the same rules the store uses.
  checked(() => resolveFilter(filter));
  return filter;
}

export function validateFirst(first: number | null | undefined, defaultSize: number, maxSize: number): number {
  if (first == null) return defaultSize;
  if (!Number.isInteger(first) || first < 1 || first > maxSize) {
    throw badInput('first', `first must be between 1 and ${maxSize} (got ${first}); page with \`after\` for more`);
  }
  return first;
}

/** Returns the row limit of an export, or throws EXPORT_TOO_LARGE / BAD_USER_INPUT. */
export function validateExportLimit(limit: number | null | undefined, maxRows: number): number | undefined {
  if (limit == null) return undefined;
  if (!Number.isInteger(limit) || limit < 1) {
    throw badInput('limit', `limit must be a positive integer of at most ${maxRows} (got ${limit})`);
  }
  if (limit > maxRows) {
    throw clientError(
      ErrorCode.EXPORT_TOO_LARGE,
      `limit ${limit} is over the export maximum of ${maxRows} rows; lower the limit or narrow text, dateRange or author`,
      { maxRows },
    );
  }
  return limit;
}
