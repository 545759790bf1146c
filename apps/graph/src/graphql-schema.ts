import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder';
import './schema';

export const schema: GraphQLSchema = builder.toSchema({ sortSchema: true });

/** The SDL committed as apps/graph/schema.graphql (sorted, so diffs show real changes only). */
export function printSortedSchema(): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
