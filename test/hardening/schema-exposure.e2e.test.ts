import { createOrg, DRIVERS, GqlResult, startServer, TestServer, wsOnce } from '../support/harness';
import { ChildTestServer, startChild } from './support';

const SCHEMA = `{ __schema { types { name } } }`;
const TYPE = `{ __type(name: "Organization") { fields { name } } }`;
const HIDDEN_IN_FRAGMENT = `query { ...Peek } fragment Peek on Query { __schema { queryType { name } } }`;

/** Documents that graphql-js would answer with "Did you mean …": a field, an argument, a type and enum values. */
const MISSPELLED: Array<[string, string, Record<string, unknown>?]> = [
  ['field', `{ organizatio { id } }`],
  ['argument', `{ organization(idd: "x") { id } }`],
  ['type', `query($id: Organizaton) { viewer { isOperator } }`],
  ['enum literal', `mutation { setUserPermission(userId: "x", permission: MANAGE_BILLIN, granted: true) { id } }`],
  [
    'enum variable',
    `mutation($p: Permission!) { setUserPermission(userId: "x", permission: $p, granted: true) { id } }`,
    { p: 'MANAGE_BILLIN' },
  ],
];

type Caller = 'anonymous' | 'signed-in';
type Send = (query: string, variables?: Record<string, unknown>) => Promise<GqlResult>;

function transports(server: Pick<TestServer, 'gql' | 'ws'>, token: string | null): Record<'HTTP' | 'graphql-ws', Send> {
  return {
    HTTP: (query, variables) => server.gql(query, variables ?? {}, token),
    'graphql-ws': (query, variables) => wsOnce(server.ws(token), query, variables ?? {}),
  };
}

describe.each(DRIVERS)('R36: production tells anonymous callers nothing about the schema, on %s', (driver) => {
  let server: ChildTestServer;
  let tokens: Record<Caller, string | null>;
  beforeAll(async () => {
    server = await startChild(driver);
    const org = await createOrg(server.asTestServer);
    tokens = { anonymous: null, 'signed-in': org.adminToken };
  });
  afterAll(async () => {
    await server?.close();
  });

  it.each(['HTTP', 'graphql-ws'] as const)('R36: an anonymous caller may not introspect over %s', async (transport) => {
    const send = transports(server, null)[transport];
    for (const query of [SCHEMA, TYPE, HIDDEN_IN_FRAGMENT]) {
      const res = await send(query);
      expect(res.data ?? null).toBeNull();
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(JSON.stringify(res)).not.toMatch(/"Organization"|"Query"|fields/);
      if (transport === 'HTTP') expect(res.status).toBe(401);
    }
    // __typename is no introspection of the schema
    expect((await send(`{ __typename }`)).data).toEqual({ __typename: 'Query' });
  });

  it.each(['HTTP', 'graphql-ws'] as const)(
    "R36: a signed-in caller (user or operator) may introspect over %s, so the IDE's Docs work",
    async (transport) => {
      for (const token of [tokens['signed-in'], server.operatorToken]) {
        const res = await transports(server, token)[transport](SCHEMA);
        expect(res.errors).toBeUndefined();
        expect(res.data.__schema.types.map((t: { name: string }) => t.name)).toEqual(
          expect.arrayContaining(['Organization', 'Invoice']),
        );
      }
    },
  );

  it.each(['HTTP', 'graphql-ws'] as const)(
    'R36: no "did you mean" suggestion reaches anyone over %s',
    async (transport) => {
      for (const caller of ['anonymous', 'signed-in'] as const) {
        const send = transports(server, tokens[caller])[transport];
        for (const [what, query, variables] of MISSPELLED) {
          const res = await send(query, variables);
          expect({ caller, what, errors: res.errors?.length ?? 0 }).toEqual({
            caller,
            what,
            errors: expect.any(Number),
          });
          expect(res.errors?.length).toBeGreaterThan(0);
          const text = JSON.stringify(res.errors);
          expect({ caller, what, text }).toEqual({
            caller,
            what,
            text: expect.not.stringMatching(/did you mean|"organization"|MANAGE_BILLING"|"Organization"/i),
          });
        }
      }
    },
  );
});

describe.each(DRIVERS)(
  'R36: outside production the schema stays explorable (the same checks, NODE_ENV=test), on %s',
  (driver) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(driver);
    });
    afterAll(async () => {
      await server?.close();
    });

    it('anonymous introspection and suggestions are answered in development and tests', async () => {
      expect((await server.gql(SCHEMA)).data.__schema.types.length).toBeGreaterThan(10);
      expect((await wsOnce(server.ws(null), SCHEMA)).data.__schema.types.length).toBeGreaterThan(10);
      // each misspelled document of the production test does draw a suggestion here, so that test proves something
      for (const [what, query, variables] of MISSPELLED) {
        const res = await server.gql(query, variables ?? {});
        expect({ what, text: JSON.stringify(res.errors) }).toEqual({
          what,
          text: expect.stringMatching(/Did you mean/),
        });
      }
    });
  },
);
