import { GraphQLError, Kind } from 'graphql';
import { builder } from '../builder';
import { DATE_TIME_HINT, formatUsToIso, parseIsoToUs } from '../date-time';

function parse(value: unknown): number {
  const us = typeof value === 'string' ? parseIsoToUs(value) : undefined;
  if (us === undefined) {
    throw new GraphQLError(`DateTime ${JSON.stringify(value)} is not valid: ${DATE_TIME_HINT}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return us;
}

builder.scalarType('DateTime', {
  description: 'An instant as ISO-8601 in UTC with microseconds, e.g. 2024-05-01T12:30:00.000000Z',
  serialize: (value) => formatUsToIso(value instanceof Date ? value.getTime() * 1000 : value),
  parseValue: parse,
  parseLiteral: (node) => parse(node.kind === Kind.STRING ? node.value : undefined),
});
