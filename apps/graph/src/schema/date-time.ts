import { formatDatetimeUs, parseDateBoundUs } from '@bsky-explorer/schema';
import { GraphQLError, Kind } from 'graphql';
import { builder } from '../builder';

const DATE_TIME_HINT =
  'use ISO-8601 with a time zone and seconds (RFC 3339), e.g. 2024-05-01T00:00:00Z or 2024-05-01T02:00:00+02:00, or a plain date (2024-05-01, UTC midnight)';

function parse(value: unknown): number {
  // Far bounds (`9999-12-31`) come back inexact: validation.ts clamps them (open-ended).
  const us = typeof value === 'string' ? parseDateBoundUs(value) : null;
  if (us === null) {
    throw new GraphQLError(`DateTime ${JSON.stringify(value)} is not valid: ${DATE_TIME_HINT}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return us;
}

builder.scalarType('DateTime', {
  description: 'An instant as ISO-8601 in UTC with microseconds, e.g. 2024-05-01T12:30:00.000000Z',
  serialize: (value) => formatDatetimeUs(value instanceof Date ? value.getTime() * 1000 : value),
  parseValue: parse,
  parseLiteral: (node) => parse(node.kind === Kind.STRING ? node.value : undefined),
});
