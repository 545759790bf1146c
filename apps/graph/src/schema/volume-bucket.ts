import type { VolumeBucket as StoredBucket } from '@bsky-explorer/storage';
import { builder } from '../builder';
import { storeCall } from '../store-calls';
import { validateFilter } from '../validation';
import { postFilterArgs } from './post-filters';

export const VolumeInterval = builder.enumType('VolumeInterval', {
  description: 'Width of a postVolume bucket, aligned to UTC',
  values: {
    MINUTE: { description: 'One UTC minute (needs a dateRange with from and to)' },
    HOUR: { description: 'One UTC hour' },
    DAY: { description: 'One UTC day' },
  } as const,
});

export const VolumeBucket = builder.objectRef<StoredBucket>('VolumeBucket').implement({
  description: 'The posts of one time bucket',
  fields: (t) => ({
    start: t.field({ type: 'DateTime', description: 'Start of the bucket (UTC-aligned)', resolve: (b) => b.startUs }),
    count: t.exposeInt('count', { description: 'Visible posts matching the filters in the bucket, each once' }),
    exact: t.exposeBoolean('exact', {
      description:
        'Whether count is exact; false when it is estimated from the per-day samples kept at compaction (~1 % of ' +
        "each day's posts, scaled to the day), which happens when the exact count would read more rows than a " +
        'query may; count is then rounded to an integer',
    }),
  }),
});

builder.queryField('postVolume', (t) =>
  t.field({
    type: [VolumeBucket],
    description:
      'Posts matching the filters (same filters and visibility as searchPosts) per minute, hour or day, oldest bucket ' +
      'first; empty buckets are included from dateRange.from (or the first match) to dateRange.to (or the last match). ' +
      "Exact where an index or a small scan gives it; otherwise the closed days' buckets are estimated from their " +
      'samples (exact: false; the buckets of days not yet compacted stay exact, and an open range then spans the ' +
      'estimated days whole). At most 10,080 buckets: BAD_USER_INPUT beyond.',
    args: {
      ...postFilterArgs,
      interval: t.arg({ type: VolumeInterval, required: true, description: 'Bucket width' }),
    },
    resolve: (_root, args, ctx) => {
      const filter = validateFilter(args);
      return storeCall(() => ctx.store.postVolume(filter, args.interval));
    },
  }),
);
