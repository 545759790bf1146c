// Regenerates apps/graph/schema.graphql: `npx tsx apps/graph/src/print-schema.ts`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSortedSchema } from './graphql-schema';

export const SCHEMA_FILE = join(__dirname, '..', 'schema.graphql');

if (require.main === module) {
  writeFileSync(SCHEMA_FILE, printSortedSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
