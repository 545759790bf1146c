import { builder } from '../builder';
import { validateExportLimit, validateFilter } from '../validation';
import { PostSort, postFilterArgs } from './post-filters';

export interface ExportResultShape {
  url: string;
  expiresAtUs: number;
  rowCount: number;
}

export const ExportResult = builder.objectRef<ExportResultShape>('ExportResult').implement({
  description: 'A CSV export ready for download through a signed link',
  fields: (t) => ({
    url: t.exposeString('url', { description: 'Signed download link; anyone holding it can download until expiresAt' }),
    expiresAt: t.field({ type: 'DateTime', resolve: (r) => r.expiresAtUs }),
    rowCount: t.exposeInt('rowCount', { description: 'Rows in the CSV (header excluded)' }),
  }),
});

builder.mutationField('exportPosts', (t) =>
  t.field({
    type: ExportResult,
    description:
      'Write the posts matching the filters (same rules as searchPosts, in `sort` order) to a CSV file and return a signed, ' +
      'expiring link. Fails with EXPORT_TOO_LARGE past the configured maximum of rows.',
    args: {
      ...postFilterArgs,
      sort: t.arg({
        type: PostSort,
        defaultValue: 'LATEST',
        description: 'Which posts a limit keeps, and their order',
      }),
      limit: t.arg.int({ description: 'At most this many rows (default and maximum: the configured export maximum)' }),
    },
    resolve: (_root, args, ctx) => {
      const limit = validateExportLimit(args.limit, ctx.config.exportMaxRows);
      return ctx.exports.create(validateFilter(args), limit, ctx.clientKey, ctx.log);
    },
  }),
);
