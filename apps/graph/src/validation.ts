import { badInput, clientError, ErrorCode } from './errors';

// Argument checks shared by searchPosts and exportPosts. Each error names the argument and says what to send.

export const MAX_TEXT_LENGTH = 512;

// did:plc identifiers are base32 (a-z, 2-7); synthetic data uses other lower-case alphanumerics, so accept those.
const DID_PLC_RE = /^did:plc:[a-z0-9]{1,64}$/;
// did:web: a host name, optionally a %3A-encoded port and colon-separated path segments.
const DID_WEB_RE = /^did:web:[a-zA-Z0-9.-]+(?:%3[aA]\d{1,5})?(?::[a-zA-Z0-9._~-]+)*$/;

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
}

/** What the store receives: µs bounds, a DID, the raw search text (parsed by the store). */
export interface SearchFilter {
  text?: string;
  fromUs?: number;
  toUs?: number;
  author?: string;
}

export function isDid(value: string): boolean {
  return value.length <= 2048 && (DID_PLC_RE.test(value) || DID_WEB_RE.test(value));
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
  if (args.author != null) {
    const author = args.author.trim();
    if (!isDid(author)) {
      throw badInput(
        'author',
        'author must be a DID such as did:plc:z72i7hdynmk6r22z27h6tvur or did:web:example.com (handles are not accepted)',
      );
    }
    filter.author = author;
  }
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
