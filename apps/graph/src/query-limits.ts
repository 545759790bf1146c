import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import { GraphQLError, Kind, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  /** Root fields per operation, aliases included: each searchPosts is a scan of the data. */
  maxRootFields: number;
}

// graphql-armor throws a bare "Syntax Error: …" without a code; report it as a validation error clients can branch on.
const reject =
  (hint: string): GraphQLArmorRejectCallback =>
  (ctx, error) =>
    ctx?.reportError(
      new GraphQLError(`${error.message.replace(/^Syntax Error: /, '')} ${hint}`, {
        extensions: { code: QUERY_TOO_COMPLEX },
      }),
    );

function maxRootFieldsRule(max: number): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      const count = node.selectionSet.selections.filter(
        (s) => s.kind !== Kind.FIELD || s.name.value !== '__typename',
      ).length;
      if (count > max) {
        context.reportError(
          new GraphQLError(
            `an operation may select at most ${max} root fields (got ${count}); send separate requests`,
            {
              nodes: node,
              extensions: { code: QUERY_TOO_COMPLEX },
            },
          ),
        );
      }
    },
  });
}

/** Depth, cost and root-field limits, checked at validation, before any resolver runs. */
export function queryLimitPlugins(limits: QueryLimits): Plugin[] {
  return [
    maxDepthPlugin({
      n: limits.maxDepth,
      ignoreIntrospection: true,
      propagateOnRejection: false,
      onReject: [reject('Nest replyParent/quoted less deeply.')],
    }),
    // Cost scales with `first` (a literal); a full 1000-post page with nested posts fits, repeated aliases do not.
    costLimitPlugin({
      maxCost: limits.maxCost,
      ignoreIntrospection: true,
      propagateOnRejection: false,
      onReject: [reject('Select fewer fields, smaller pages or less nesting.')],
    }),
    {
      onValidate({ addValidationRule }) {
        addValidationRule(maxRootFieldsRule(limits.maxRootFields));
      },
    },
  ];
}
