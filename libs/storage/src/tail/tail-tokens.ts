// The text index of one tail generation: which of its posts rows hold each token, so that a search whose text has
// a rare part reads only those rows of the tail instead of testing the text of every row (at 2,000 posts/s a full
// tail holds ~500k rows: ~50–100 ms of text tests per query).
//
// The tokens come from DuckDB (tailTokensSql in tail-sql.ts: text-tokens.ts's tokenListSql, the very SQL compaction
// builds its vocabulary with), so they are split and case folded exactly as compaction's; this class only keeps
// them. Like by-token it only narrows where to look: the rows it names go through the exact text predicate and
// the visibility rules, so an answer is the scan's answer.

import { ASCII_ALNUM } from '../text-tokens';

/**
 * Posts a token may be in and keep its postings (default); past that it is common (as `posted = false` in
 * compaction's token files): its postings are dropped, and a part held by it is not looked up (the tail is scanned
 * for it). Also the most candidate rows a lookup returns. This bounds the index at about this many postings per
 * token, and the cost of reading candidates back: 2,000 scattered rows of a 500k-row tail ~15 ms against ~50–100 ms
 * for the text test of every row.
 */
export const TAIL_MAX_POSTINGS = 2_000;

/** The candidate rows of a text in one generation: every posts row that can match it is among `rows`. */
export interface TailTextCandidates {
  /** The part (a letter/digit run of a lower-cased include term) they were found by. */
  part: string;
  /** rowids in the generation's posts table, ascending, each once. */
  rows: number[];
}

export interface TailTokenStats {
  tokens: number;
  /** Tokens past maxPostings (no postings kept). */
  common: number;
  postings: number;
  /** Estimated JS heap bytes of the index (strings, map entries, postings). */
  bytes: number;
}

/**
 * Heap bytes per token besides its characters (map entry, string and array headers), and per posting: fitted to
 * the heap measured with and without the index (500k synthetic posts: 253k tokens, 679k postings, +46 MB).
 */
const TOKEN_BYTES = 120;
const POSTING_BYTES = 8;

/** A token's rows (rowids, ascending), or null once it is common. */
type Postings = number[] | null;

const foldSigma = (token: string) => token.replaceAll('ς', 'σ');

/** Parts whose tokens are remembered per generation (the walk over every token is ~3–5 ms at a full tail). */
const MAX_REMEMBERED_PARTS = 1_000;

/**
 * What a walk over the vocabulary found for a part: the postings of the tokens holding it (the arrays themselves:
 * they grow with their token) up to `walked` tokens of each map, valid while no token turned common since `epoch`.
 */
interface Found {
  walked: [number, number];
  epoch: number;
  lists: number[][];
}

export class TailTokens {
  constructor(private readonly maxPostings = TAIL_MAX_POSTINGS) {}

  // Split as compaction's vocabulary is (`ascii` section first): a part holding an ASCII letter or digit can only
  // lie in a token holding one, so its lookup walks that map only.
  private readonly ascii = new Map<string, Postings>();
  private readonly other = new Map<string, Postings>();
  /** The tokens of each map in the order they came (a walk resumes where the last one stopped). */
  private readonly asciiOrder: string[] = [];
  private readonly otherOrder: string[] = [];
  /** Tokens turned common so far: a remembered walk that may hold one of them is walked again. */
  private epoch = 0;
  /** Per part: its tokens' postings as far as walked, or null when a common token holds it (for good). */
  private readonly found = new Map<string, Found | null>();
  private postings = 0;
  private common = 0;
  private bytes = 0;

  /** Adds rows' tokens: each token with the rowids (ascending, newer than any added before) of the rows holding it. */
  add(token: string, rows: readonly number[]): void {
    const isAscii = ASCII_ALNUM.test(token);
    const map = isAscii ? this.ascii : this.other;
    const held = map.get(token);
    if (held === null) return;
    if (held === undefined) {
      this.bytes += TOKEN_BYTES + 2 * token.length;
      (isAscii ? this.asciiOrder : this.otherOrder).push(token);
    }
    const kept = held?.length ?? 0;
    if (kept + rows.length > this.maxPostings) {
      map.set(token, null);
      this.epoch++;
      this.postings -= kept;
      this.bytes -= kept * POSTING_BYTES;
      this.common++;
      return;
    }
    // A new token's array holds exactly its rows: most tokens are in one or two posts, and an array grown by push
    // reserves room for 17 (the index took twice the heap).
    if (held === undefined) map.set(token, rows.slice());
    else for (const r of rows) held.push(r);
    this.postings += rows.length;
    this.bytes += rows.length * POSTING_BYTES;
  }

  /**
   * The rows that can match a text whose include terms have these parts (termPartsSql: lower-cased, sigma folded),
   * through the part with the fewest postings; undefined when no part narrows (none given, or each is inside a
   * common token or inside tokens of more than maxPostings rows together). A part that no token holds gives
   * no rows: no post of the generation matches.
   */
  candidates(parts: readonly string[]): TailTextCandidates | undefined {
    let best: { part: string; lists: number[][]; size: number } | undefined;
    for (const part of parts) {
      const found = this.tokensHolding(part);
      if (found && found.size <= this.maxPostings && (!best || found.size < best.size)) best = { part, ...found };
    }
    if (!best) return undefined;
    const rows = best.lists.length === 1 ? [...best.lists[0]] : [...new Set(best.lists.flat())].sort((a, b) => a - b);
    return { part: best.part, rows };
  }

  stats(): TailTokenStats {
    return {
      tokens: this.ascii.size + this.other.size,
      common: this.common,
      postings: this.postings,
      bytes: this.bytes,
    };
  }

  /**
   * The postings of the tokens containing `part` and their total, or undefined when one of them is common. The walk
   * is remembered: the next one for that part walks only the tokens added since (the postings arrays grow with their
   * tokens), unless a token turned common meanwhile (then it walks them all again).
   */
  private tokensHolding(part: string): { lists: number[][]; size: number } | undefined {
    const ascii = ASCII_ALNUM.test(part);
    // A common word is itself a common token: no need to walk the vocabulary to rule it out.
    if ((ascii ? this.ascii : this.other).get(part) === null) return undefined;
    let found = this.found.get(part);
    if (found === null) return undefined;
    if (found === undefined || found.epoch !== this.epoch) found = { walked: [0, 0], epoch: this.epoch, lists: [] };
    // Parts are sigma folded (ς → σ): tokens are compared folded too, as the vocabulary lookup does.
    const fold = part.includes('σ');
    const walks: [Map<string, Postings>, string[], 0 | 1][] = [[this.ascii, this.asciiOrder, 0]];
    if (!ascii) walks.push([this.other, this.otherOrder, 1]);
    for (const [map, order, i] of walks) {
      for (let k = found.walked[i]; k < order.length; k++) {
        const token = order[k];
        if (!(fold ? foldSigma(token) : token).includes(part)) continue;
        const rows = map.get(token) as Postings;
        if (rows === null) {
          this.remember(part, null);
          return undefined;
        }
        found.lists.push(rows);
      }
      found.walked[i] = order.length;
    }
    this.remember(part, found);
    let size = 0;
    for (const rows of found.lists) size += rows.length;
    return { lists: found.lists, size };
  }

  private remember(part: string, found: Found | null): void {
    if (!this.found.has(part) && this.found.size >= MAX_REMEMBERED_PARTS) this.found.clear();
    this.found.set(part, found);
  }
}
