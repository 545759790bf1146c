// How many candidates an index read takes per round (token-reads.ts, indexed-reads.ts): each candidate costs the
// read of its row group, so a round asks for about what the page still needs at the share that matched so far.

/**
 * Candidates per round beyond what the page still needs: most candidates of a token-shaped term do match, and each
 * costs the read of its row group (~0.8 ms at 8.1M posts a day), so the first round reads few spare ones.
 */
export const SEARCH_SLACK = 4;
/** The most candidates of one round (terms whose candidates mostly fail the exact predicate). */
const MAX_SEARCH_BATCH = 4096;

/**
 * The candidates of the next round: what is still needed at the share of the last round's candidates that matched
 * (×1.25, plus the slack), ×4 after a round where none did; at most MAX_SEARCH_BATCH.
 */
export function nextSearchBatch(candidates: number, matched: number, stillNeeded: number): number {
  const next = matched === 0 ? candidates * 4 : Math.ceil((1.25 * stillNeeded * candidates) / matched) + SEARCH_SLACK;
  return Math.min(next, MAX_SEARCH_BATCH);
}
