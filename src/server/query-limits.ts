import { DocumentNode, GraphQLError, parse, Source, specifiedRules, ValidationContext, ValidationRule } from 'graphql';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';

/** DESIGN §6: queries are bounded before execution — depth, aliases, tokens and cost. */
export const QUERY_LIMITS = { depth: 12, aliases: 15, tokens: 5000, cost: 20000 } as const;

/** Report a refused document as a validation error (the rules' default is to throw, which reads as a crash). */
const asValidationError = { propagateOnRejection: false, onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(error)] };

export const limitRules: ValidationRule[] = [
  maxDepthRule({ n: QUERY_LIMITS.depth, ignoreIntrospection: true, exposeLimits: true, ...asValidationError }) as unknown as ValidationRule,
  maxAliasesRule({ n: QUERY_LIMITS.aliases, exposeLimits: true, ...asValidationError }) as unknown as ValidationRule,
  costLimitRule({ maxCost: QUERY_LIMITS.cost, ignoreIntrospection: true, exposeLimits: true, ...asValidationError }) as unknown as ValidationRule,
];

export const allValidationRules: ValidationRule[] = [...specifiedRules, ...limitRules];

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
