import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { GraphContext } from './context';

// Builder configuration only; types live in schema/<type>.ts.
export const builder = new SchemaBuilder<{
  Context: GraphContext;
  // DateTime travels as integer µs inside the server (the storage unit); Date is accepted on output.
  Scalars: { DateTime: { Input: number; Output: number | Date } };
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  // Fields are non-null unless declared nullable (the contract's PostConnection!, ExportResult!, …).
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [RelayPlugin],
  relay: {
    cursorType: 'String',
    clientMutationId: 'omit',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
  },
});
