// The event source of the data phase: the simulator's deterministic generator, without its server. Only what a
// Jetstream subscriber with wantedCollections=app.bsky.feed.post receives is kept (post commits, identity and
// account events); other collections are skipped from their metadata, without building them.
import type { JetstreamEvent } from '@bsky-explorer/schema';
import { POST_COLLECTION, SyntheticFirehose, type EventMeta } from '@bsky-explorer/jetstream-sim';

export interface SyntheticDayOptions {
  seed: number;
  /** Post creates to produce (updates, deletes and account events come in the generator's share around them). */
  posts: number;
  startUs: number;
  endUs: number;
}

/** Share of all firehose events that are post creates in the generator (P_POST − P_UPDATE_SLOT, ≈ 29 %). */
export const POST_SHARE = 0.29;

export interface DayEvent {
  event: JetstreamEvent;
  json: string;
}

/** Spreads `posts` post creates over [startUs, endUs) (2 % slack so that the day is not overrun). */
export function stepUsFor(o: SyntheticDayOptions): number {
  return Math.max(1, Math.floor(((o.endUs - o.startUs) * POST_SHARE * 0.98) / o.posts));
}

/** The day's events as the generator's cheap metadata (event built on demand): the one rule for where a day ends. */
export function* syntheticDayMeta(o: SyntheticDayOptions): Generator<{ fh: SyntheticFirehose; meta: EventMeta }> {
  const fh = new SyntheticFirehose({ seed: o.seed, startTimeUs: o.startUs, stepUs: stepUsFor(o) });
  let posts = 0;
  for (let i = 0; posts < o.posts; i++) {
    const m = fh.meta(i);
    if (m.timeUs >= o.endUs) break;
    if (m.kind === 'commit' && m.collection !== POST_COLLECTION) continue;
    if (m.type === 'post') posts++;
    yield { fh, meta: m };
  }
}

export function* syntheticDay(o: SyntheticDayOptions): Generator<DayEvent> {
  for (const { fh, meta } of syntheticDayMeta(o)) {
    const e = fh.event(meta.index);
    yield { event: e.event as JetstreamEvent, json: e.json };
  }
}
