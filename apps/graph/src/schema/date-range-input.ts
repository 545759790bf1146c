import { builder } from '../builder';

export const DateRangeInput = builder.inputType('DateRangeInput', {
  description:
    'A range of indexedAt (when the firehose saw the post): from inclusive, to exclusive; either end may be open',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', description: 'Inclusive lower bound' }),
    to: t.field({ type: 'DateTime', description: 'Exclusive upper bound' }),
  }),
});
