import {
  DocumentNode,
  GraphQLError,
  Kind,
  parse,
  Source,
  specifiedRules,
  ValidationContext,
  ValidationRule,
  visit,
  BREAK,
} from 'graphql';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';

/**
 * DESIGN §6: queries are bounded before execution — depth, aliases, tokens and cost; and, before validation itself,
 * the number of selections (R36: graphql-js compares the fields of a selection set pairwise, so a few KB of
 * same-name fields would cost a fifth of a second of CPU to refuse).
 */
export const QUERY_LIMITS = {
  depth: 12,
  aliases: 15,
  tokens: 5000,
  cost: 20000,
  selections: 200,
  sameNameFields: 20,
} as const;

/** Report a refused document as a validation error (the rules' default is to throw, which reads as a crash). */
const asValidationError = {
  propagateOnRejection: false,
  onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(error)],
};

export const limitRules: ValidationRule[] = [
  maxDepthRule({
    n: QUERY_LIMITS.depth,
    ignoreIntrospection: true,
    exposeLimits: true,
    ...asValidationError,
  }) as unknown as ValidationRule,
  maxAliasesRule({ n: QUERY_LIMITS.aliases, exposeLimits: true, ...asValidationError }) as unknown as ValidationRule,
  costLimitRule({
    maxCost: QUERY_LIMITS.cost,
    ignoreIntrospection: true,
    exposeLimits: true,
    ...asValidationError,
  }) as unknown as ValidationRule,
];

export const allValidationRules: ValidationRule[] = [...specifiedRules, ...limitRules];

/**
 * The cheap check that runs before validation (one linear walk): at most QUERY_LIMITS.selections fields, fragment
 * spreads and inline fragments in the document, and at most QUERY_LIMITS.sameNameFields fields answering under one
 * name in one selection set. Null when the document may go on to validation.
 */
export function documentShapeError(document: DocumentNode): GraphQLError | null {
  let selections = 0;
  let refusal: GraphQLError | null = null;
  visit(document, {
    SelectionSet(node) {
      const perName = new Map<string, number>();
      for (const selection of node.selections) {
        if (selection.kind !== Kind.FIELD) continue;
        const name = (selection.alias ?? selection.name).value;
        const count = (perName.get(name) ?? 0) + 1;
        if (count > QUERY_LIMITS.sameNameFields) {
          refusal = validationError(
            `"${name}" is selected more than ${QUERY_LIMITS.sameNameFields} times in one selection set; select it once (or under different aliases)`,
          );
          return BREAK;
        }
        perName.set(name, count);
      }
      selections += node.selections.length;
      if (selections > QUERY_LIMITS.selections) {
        refusal = validationError(
          `The document has more than ${QUERY_LIMITS.selections} selections (fields and fragments); split it into smaller operations`,
        );
        return BREAK;
      }
      return undefined;
    },
  });
  return refusal;
}

const validationError = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } });

/** graphql-js stops parsing past this many tokens, so a huge document is refused before it is even built. */
export const parseOptions = { maxTokens: QUERY_LIMITS.tokens };

export function parseWithTokenLimit(source: string | Source): DocumentNode {
  return parse(source, parseOptions);
}

const PARSED_CACHE_SIZE = 500;
const parsed = new Map<string, DocumentNode>();

/**
 * parseWithTokenLimit with the documents of recent query strings kept: thousands of dashboards subscribe with the
 * same text, and each subscription keeps its document for its whole life, so they share one (graphql-js never
 * changes a document). A document over the limit still throws every time (errors are not cached).
 */
export function parseCached(source: string | Source): DocumentNode {
  if (typeof source !== 'string') return parseWithTokenLimit(source);
  let document = parsed.get(source);
  if (!document) {
    document = parseWithTokenLimit(source);
    if (parsed.size >= PARSED_CACHE_SIZE) parsed.delete(parsed.keys().next().value!);
    parsed.set(source, document);
  }
  return document;
}
