import { buildSchema, getIntrospectionQuery, parse } from 'graphql';
import { liveContractSdl } from '../support/contract';
import { COMPUTED_FIELD_COSTS, createQueryLimits, QUERY_LIMITS } from '../../src/server/query-limits';

const schema = buildSchema(liveContractSdl());
const limits = createQueryLimits(schema);
const refusals = (document: string) => limits(parse(document)).map((e) => e.message);
const aliased = (count: number, selection: string) =>
  Array.from({ length: count }, (_, i) => `a${i}: ${selection}`).join(' ');

/** A user row: 14 fields with its location. */
const USER_ROW =
  'nodes { id email name role status permissions activatedAt deactivatedAt location { id name status createdAt } }';

describe('§6 query limits, before validation', () => {
  it('§6: a computed field costs COMPUTED_FIELD_COSTS, a plain field 1', () => {
    const found = 1 + 10 * (COMPUTED_FIELD_COSTS.upcomingInvoice + 1);
    expect(found).toBeGreaterThan(QUERY_LIMITS.cost);
    expect(refusals(`{ organization { ${aliased(10, 'upcomingInvoice { id }')} } }`)).toEqual([
      `Syntax Error: Query Cost limit of ${QUERY_LIMITS.cost} exceeded, found ${found}.`,
    ]);
    expect(
      refusals(
        `{ organization { ${aliased(3, 'upcomingInvoice { id }')} license { inUse } creditBalance { available } } }`,
      ),
    ).toEqual([]);
  });

  it('§6: a page costs its rows: `first` as written, 20 without it, 100 for a variable', () => {
    const pages = (first: string) =>
      `query($n: Int) { organization { ${aliased(8, `users${first} { ${USER_ROW} }`)} } }`;
    expect(refusals(pages('(first: $n)'))).toEqual([
      `Syntax Error: Query Cost limit of ${QUERY_LIMITS.cost} exceeded, found ${1 + 8 * (1 + 100 * 14)}.`,
    ]);
    expect(refusals(pages('(first: 100)'))).toHaveLength(1);
    expect(refusals(pages(''))).toEqual([]);
    expect(refusals(pages('(first: 30)'))).toEqual([]);
  });

  it('§6: a fragment counts wherever it is spread; a cycle of fragments ends (validation reports it)', () => {
    const spreads = `{ organization { ${'...Upcoming '.repeat(11)}} } fragment Upcoming on Organization { upcomingInvoice { id } }`;
    expect(refusals(spreads)).toEqual([
      `Syntax Error: Query Cost limit of ${QUERY_LIMITS.cost} exceeded, found ${1 + 11 * 1001}.`,
    ]);
    expect(
      refusals(`{ ...A } fragment A on Query { ...B } fragment B on Query { ...A viewer { isOperator } }`),
    ).toEqual([]);
    const deepThroughFragments = `{ ...F0 } ${Array.from({ length: 13 }, (_, i) => `fragment F${i} on Viewer { organization { id } viewer: user { id } ...F${i + 1} }`).join(' ')}`;
    expect(refusals(deepThroughFragments)).toEqual([]); // fragments themselves add no depth
  });

  it('§6: depth and aliases, and introspection counts no depth or cost', () => {
    const deep = `{ ${'viewer { organization { '.repeat(7)} id ${'} } '.repeat(7)} }`;
    expect(refusals(deep)).toEqual([`Syntax Error: Query depth limit of ${QUERY_LIMITS.depth} exceeded, found 15.`]);
    expect(refusals(`{ viewer { ${aliased(16, 'isOperator')} } }`)).toEqual([
      `Syntax Error: Aliases limit of ${QUERY_LIMITS.aliases} exceeded, found 16.`,
    ]);
    expect(refusals(`{ viewer { ${aliased(15, 'isOperator')} t: __typename } }`)).toEqual([]);
    expect(refusals(getIntrospectionQuery())).toEqual([]);
  });

  it('§6: a wide selection set ends the walk at once, with one refusal', () => {
    expect(refusals(`{ viewer { ${'isOperator '.repeat(QUERY_LIMITS.sameNameFields + 1)}} }`)).toEqual([
      `"isOperator" is selected more than ${QUERY_LIMITS.sameNameFields} times in one selection set; select it once (or under different aliases)`,
    ]);
    expect(refusals(`{ ${'viewer { '.repeat(1500)}isOperator${' }'.repeat(1500)} }`)).toEqual([
      `The document has more than ${QUERY_LIMITS.selections} selections (fields and fragments); split it into smaller operations`,
    ]);
  });

  it('§6: a computed-field cost names a field of the schema', () => {
    expect(() => createQueryLimits(buildSchema('type Query { viewer: Int }'))).toThrow(/upcomingInvoice/);
  });
});
