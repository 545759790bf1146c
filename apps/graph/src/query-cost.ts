import {
  getNamedType,
  isObjectType,
  Kind,
  valueFromAST,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export interface CostOptions {
  /** Page size of a list field whose `first` is omitted and has no schema default (searchPosts). */
  defaultPageSize: number;
}

/**
 * An estimate of the values an operation can return: each selected field (aliases each count) counts once per
 * parent item, and a field with a `first` argument multiplies what it holds by that page size (its literal or
 * variable value, else its default). 2,000 aliased `text` fields on a page of 49 are ~98,000 values; a page of
 * 1,000 posts with every field, the replied-to post (and what it quotes) and the quoted post ~62,000. Introspection is not counted.
 * Run after validation (fragments exist and do not cycle) with the request's variables.
 */
export function estimateCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> | undefined,
  options: CostOptions,
): number {
  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!root) return 0;

  const perFragment = new Map<string, number>();
  const walk = (set: SelectionSetNode, parent: GraphQLObjectType, times: number): number => {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__schema' || name === '__type') continue;
        cost += times;
        const field = parent.getFields()[name];
        if (!field || !selection.selectionSet) continue;
        const type = getNamedType(field.type);
        if (!isObjectType(type)) continue;
        let page = 1;
        const firstArg = field.args.find((a) => a.name === 'first');
        if (firstArg) {
          const node = selection.arguments?.find((a) => a.name.value === 'first');
          const given = node ? valueFromAST(node.value, firstArg.type, variables) : undefined;
          const fallback = typeof firstArg.defaultValue === 'number' ? firstArg.defaultValue : options.defaultPageSize;
          page = typeof given === 'number' && given > 0 ? given : fallback;
        }
        cost += walk(selection.selectionSet, type, times * page);
      } else {
        const set = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments[selection.name.value];
        if (!set) continue;
        const condition = set.typeCondition ? schema.getType(set.typeCondition.name.value) : parent;
        const type = isObjectType(condition) ? condition : parent;
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          cost += walk(set.selectionSet, type, times);
          continue;
        }
        // A cost is linear in `times`: each named fragment is walked once per type, however often it is spread
        // (nested spreads would otherwise cost exponential time to estimate).
        const key = `${selection.name.value} ${type.name}`;
        let unit = perFragment.get(key);
        if (unit === undefined) perFragment.set(key, (unit = walk(set.selectionSet, type, 1)));
        cost += unit * times;
      }
    }
    return cost;
  };
  return walk(operation.selectionSet, root, 1);
}
