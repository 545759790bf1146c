import type { JetstreamEvent } from '@bsky-explorer/schema';

/**
 * Identity of an event that is the same on every Jetstream host and every replay (time_us and the v2 cursor
 * are not: they are per host). A commit is identified by repo, record and revision: rev is a TID that is unique
 * per commit of a repo, so create, update and delete of one post get different keys. Account events carry the
 * relay's seq (or its time); time_us is the last resort.
 */
export function dedupKey(event: JetstreamEvent): string {
  switch (event.kind) {
    case 'commit':
      return `c:${event.did}:${event.commit.collection}:${event.commit.rkey}:${event.commit.rev}`;
    case 'account': {
      const a = event.account;
      const id =
        a.seq !== undefined
          ? `s${a.seq}`
          : a.time !== undefined
            ? `t${a.time}:${a.active}:${a.status ?? ''}`
            : `u${event.time_us}`;
      return `a:${event.did}:${id}`;
    }
    case 'identity':
      return `i:${event.did}:${event.identity.seq ?? event.time_us}`;
  }
}
