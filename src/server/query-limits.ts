import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLSchema,
  isObjectType,
  isInterfaceType,
  Kind,
  parse,
  SelectionSetNode,
  Source,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../db/paginate';

/**
 * docs/rules.md (Conventions): queries are bounded before execution — depth, aliases, tokens and cost; and the number of selections
 * and of same-name fields in one selection set (graphql-js compares the fields of a selection set pairwise, so a few
 * KB of same-name fields would cost a fifth of a second of CPU to validate).
 */
export const QUERY_LIMITS = {
  depth: 12,
  aliases: 15,
  tokens: 5000,
  cost: 10000,
  selections: 200,
  sameNameFields: 20,
} as const;

/**
 * The largest request body (HTTP, 413 beyond it) and graphql-ws message (the socket closes with 1009), refused before
 * a byte of it is parsed. The largest documents the tests, the docs and the IDE send are about 2 KB (the IDE's
 * introspection, the dashboard), the largest variables about 10 KB (ten-thousand-character hostile strings), and a
 * document just past the token limit about 66 KB, which must still be read to be refused with its own message.
 */
export const BODY_LIMIT_BYTES = 100 * 1024;

/**
 * What one resolved field costs, in units of one plain field (a few µs of CPU; a page's fields count once per row).
 * The computed fields read and fold the period's timeline, ledger or invoice lines: one `upcomingInvoice` took about
 * 4 ms of CPU on a 1,000-user organization (15 aliases of it, 63 ms), a third of a whole dashboard; `license` computes
 * the period's peak, `creditBalance` runs the balance statements. So a few aliases of them are refused (ten
 * `upcomingInvoice`s are past QUERY_LIMITS.cost), while a Billing dashboard (about 2,000) and 100-row pages pass.
 */
export const COMPUTED_FIELD_COSTS: Readonly<Record<string, number>> = {
  upcomingInvoice: 1000,
  license: 500,
  creditBalance: 300,
  /** R28: the upcoming invoice and the balance, plus the trailing credit use. */
  forecast: 1300,
  /** R29: a window over the period's timeline, up to 800 points. */
  series: 1000,
};

/** Introspection is answered from the schema in memory: its (deep) selections cost nothing and count no depth. */
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

interface Tally {
  depth: number;
  aliases: number;
  cost: number;
}

const NOTHING: Tally = { depth: 0, aliases: 0, cost: 0 };

/** Ends the walk at the first document-wide refusal (a selection set too wide). */
class Refused {
  constructor(readonly error: GraphQLError) {}
}

/**
 * §6 query limits, checked before graphql-js validates the document: in one walk of each definition (a fragment is
 * walked once, however often it is spread) it counts the selections and same-name fields of each selection set
 * (refused as soon as one is too wide), and sums each operation's depth, aliases and cost. Linear in the size of
 * the document, which the token limit bounds — so even an abusive document is refused in microseconds, before the
 * pairwise comparisons of validation. `schema` says which fields are pages (a `first` argument: their selections
 * cost once per row, DEFAULT_PAGE_SIZE without one, MAX_PAGE_SIZE for a variable). Returns the refusals (empty when
 * the document may go on to validation), each a GRAPHQL_VALIDATION_FAILED error with the message clients know.
 */
export function createQueryLimits(schema: GraphQLSchema): (document: DocumentNode) => GraphQLError[] {
  const pagedFields = new Set<string>();
  const fieldNames = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      fieldNames.add(field.name);
      if (field.args.some((arg) => arg.name === 'first')) pagedFields.add(field.name);
    }
  }
  for (const name of Object.keys(COMPUTED_FIELD_COSTS)) {
    if (!fieldNames.has(name)) throw new Error(`COMPUTED_FIELD_COSTS names "${name}", which no type of the schema has`);
  }

  const rowsOf = (field: FieldNode): number => {
    if (!pagedFields.has(field.name.value)) return 1;
    const first = field.arguments?.find((arg) => arg.name.value === 'first')?.value;
    if (!first) return DEFAULT_PAGE_SIZE;
    if (first.kind === Kind.INT) return Math.min(Math.max(Number(first.value), 0), MAX_PAGE_SIZE);
    return MAX_PAGE_SIZE;
  };

  return (document) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    /** A fragment's tally, walked on first use; null while it is being walked (a cycle, which validation reports). */
    const fragmentTallies = new Map<string, Tally | null>();
    let selections = 0;

    const fragmentTally = (name: string): Tally => {
      if (fragmentTallies.has(name)) return fragmentTallies.get(name) ?? NOTHING;
      const fragment = fragments.get(name);
      if (!fragment) return NOTHING; // an unknown fragment: validation reports it
      fragmentTallies.set(name, null);
      const tally = walk(fragment.selectionSet);
      fragmentTallies.set(name, tally);
      return tally;
    };

    const walk = (selectionSet: SelectionSetNode): Tally => {
      const perName = new Map<string, number>();
      for (const selection of selectionSet.selections) {
        if (selection.kind !== Kind.FIELD) continue;
        const name = (selection.alias ?? selection.name).value;
        const sameName = (perName.get(name) ?? 0) + 1;
        if (sameName > QUERY_LIMITS.sameNameFields) {
          throw new Refused(
            validationError(
              `"${name}" is selected more than ${QUERY_LIMITS.sameNameFields} times in one selection set; select it once (or under different aliases)`,
            ),
          );
        }
        perName.set(name, sameName);
      }
      selections += selectionSet.selections.length;
      if (selections > QUERY_LIMITS.selections) {
        throw new Refused(
          validationError(
            `The document has more than ${QUERY_LIMITS.selections} selections (fields and fragments); split it into smaller operations`,
          ),
        );
      }
      let depth = 0;
      let aliases = 0;
      let cost = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.alias && selection.alias.value !== '__typename' && selection.name.value !== '__typename')
            aliases += 1;
          const below = selection.selectionSet ? walk(selection.selectionSet) : NOTHING;
          aliases += below.aliases;
          if (INTROSPECTION_ROOTS.has(selection.name.value)) continue;
          depth = Math.max(depth, 1 + below.depth);
          cost += (COMPUTED_FIELD_COSTS[selection.name.value] ?? 1) + rowsOf(selection) * below.cost;
          continue;
        }
        const inner =
          selection.kind === Kind.INLINE_FRAGMENT ? walk(selection.selectionSet) : fragmentTally(selection.name.value);
        depth = Math.max(depth, inner.depth);
        aliases += inner.aliases;
        cost += inner.cost;
      }
      return { depth, aliases, cost };
    };

    try {
      const refusals: GraphQLError[] = [];
      for (const definition of document.definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) {
          fragmentTally(definition.name.value); // an unused fragment's selections count too
          continue;
        }
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        const { depth, aliases, cost } = walk(definition.selectionSet);
        if (depth > QUERY_LIMITS.depth)
          refusals.push(
            validationError(`Syntax Error: Query depth limit of ${QUERY_LIMITS.depth} exceeded, found ${depth}.`),
          );
        if (aliases > QUERY_LIMITS.aliases)
          refusals.push(
            validationError(`Syntax Error: Aliases limit of ${QUERY_LIMITS.aliases} exceeded, found ${aliases}.`),
          );
        if (cost > QUERY_LIMITS.cost)
          refusals.push(
            validationError(`Syntax Error: Query Cost limit of ${QUERY_LIMITS.cost} exceeded, found ${cost}.`),
          );
      }
      return refusals;
    } catch (error) {
      if (error instanceof Refused) return [error.error];
      throw error;
    }
  };
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
