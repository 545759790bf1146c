import { Kind, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { PostColumnName } from '@bsky-explorer/storage';

/** The stored columns each Post field reads (replyParent and quoted need the uri they load by). */
const COLUMNS_OF_FIELD: Record<string, readonly PostColumnName[]> = {
  __typename: [],
  uri: ['uri'],
  cid: ['cid'],
  authorDid: ['did'],
  author: ['did'],
  text: ['text'],
  createdAt: ['created_at'],
  indexedAt: ['indexed_at'],
  langs: ['langs'],
  replyParentUri: ['reply_parent_uri'],
  replyRootUri: ['reply_root_uri'],
  quotedUri: ['quoted_uri'],
  embedKind: ['embed_kind'],
  externalUri: ['external_uri'],
  mentions: ['mentions'],
  tags: ['tags'],
  links: ['links'],
  labels: ['labels'],
  replyParent: ['reply_parent_uri'],
  quoted: ['quoted_uri'],
};

/** The names of the fields selected in `set`, fragments and inline fragments flattened, by response path. */
function fieldsIn(
  set: SelectionSetNode | undefined,
  fragments: Record<string, FragmentDefinitionNode>,
  name?: string,
): { name: string; set: SelectionSetNode | undefined }[] {
  if (!set) return [];
  return set.selections.flatMap((s) => {
    if (s.kind === Kind.FIELD)
      return name === undefined || s.name.value === name ? [{ name: s.name.value, set: s.selectionSet }] : [];
    if (s.kind === Kind.INLINE_FRAGMENT) return fieldsIn(s.selectionSet, fragments, name);
    const fragment = fragments[s.name.value];
    return fragment ? fieldsIn(fragment.selectionSet, fragments, name) : [];
  });
}

/**
 * The columns a searchPosts selection reads from its posts (`edges { node { … } }`), so that the store reads back
 * only those; undefined (every column) when a selected field is not known here, so a new field is never served
 * from a column that was not read.
 */
export function postColumnsOf(info: GraphQLResolveInfo): PostColumnName[] | undefined {
  const nodes = info.fieldNodes
    .flatMap((f) => fieldsIn(f.selectionSet, info.fragments, 'edges'))
    .flatMap((edges) => fieldsIn(edges.set, info.fragments, 'node'));
  const columns = new Set<PostColumnName>();
  for (const field of nodes.flatMap((node) => fieldsIn(node.set, info.fragments))) {
    const read = COLUMNS_OF_FIELD[field.name];
    if (!read) return undefined;
    for (const c of read) columns.add(c);
  }
  return [...columns];
}
