import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codes, createOrg, DRIVERS, OrgFixture, startServer, TestServer, wsOnce } from '../support/harness';
import { BODY_LIMIT_BYTES, QUERY_LIMITS } from '../../src/server/query-limits';

/** The README's BillingDashboard, as a frontend sends it all day. */
const README_DASHBOARD = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8').match(
  /query BillingDashboard \{[\s\S]*?\n {3}\}\n/,
)![0];

/** Abusive documents, each under the token limit, and the guard that refuses it before graphql-js validates it. */
const ABUSIVE: Array<[string, string, RegExp]> = [
  [
    'depth 1,500',
    `{ ${'viewer { '.repeat(1500)}isOperator${' }'.repeat(1500)} }`,
    new RegExp(`more than ${QUERY_LIMITS.selections} selections`),
  ],
  [
    '500 aliases',
    `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: viewer { isOperator }`).join(' ')} }`,
    new RegExp(`more than ${QUERY_LIMITS.selections} selections`),
  ],
  [
    '450 conflicting fields answering as one name',
    `{ viewer { user { ${Array.from({ length: 450 }, (_, i) => `id: ${i % 2 ? 'email' : 'name'}`).join(' ')} } } }`,
    /"id" is selected more than/,
  ],
  [
    '25 aliases of one field, under the selection limit',
    `{ viewer { ${Array.from({ length: 25 }, (_, i) => `a${i}: isOperator`).join(' ')} } }`,
    /Aliases limit of 15 exceeded, found 25/,
  ],
  [
    '15 aliases of upcomingInvoice',
    `{ organization { ${Array.from({ length: 15 }, (_, i) => `u${i}: upcomingInvoice { total { formatted } }`).join(' ')} } }`,
    /Query Cost limit of \d+ exceeded/,
  ],
];

describe.each(DRIVERS)('§6: abusive documents are refused before validation, on %s', (driver) => {
  let server: TestServer;
  let org: OrgFixture;
  beforeAll(async () => {
    server = await startServer(driver);
    org = await createOrg(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  it.each(ABUSIVE)('§6: %s is refused over HTTP and graphql-ws', async (_label, document, message) => {
    const http = await server.gql(document, {}, org.adminToken);
    expect(http.status).toBe(400);
    expect(codes(http)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(http.errors![0].message).toMatch(message);
    expect(http.data).toBeUndefined();
    const ws = await wsOnce(server.ws(org.adminToken), document);
    expect(ws.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(message),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      }),
    ]);
  });

  it('§6: the README dashboard and a 100-row page stay inside every limit, over HTTP and graphql-ws', async () => {
    const dashboard = await server.gql(README_DASHBOARD, {}, org.adminToken);
    expect(dashboard.errors).toBeUndefined();
    expect(dashboard.data.organization.upcomingInvoice.total.formatted).toEqual(expect.any(String));
    expect((await wsOnce(server.ws(org.adminToken), README_DASHBOARD)).errors).toBeUndefined();
    const page = await server.gql(
      `{ organization { users(first: 100) { totalCount nodes { id email name role status permissions activatedAt location { id name } } } } }`,
      {},
      org.adminToken,
    );
    expect(page.errors).toBeUndefined();
    // a few of the computed fields side by side pass; it is fifteen of them that are refused above
    const three = await server.gql(
      `{ organization { a: upcomingInvoice { total { cents } } b: upcomingInvoice { total { cents } } c: upcomingInvoice { total { cents } } } }`,
      {},
      org.adminToken,
    );
    expect(three.errors).toBeUndefined();
  });

  it('§6: a body past the limit is refused with 413 before it is parsed; a graphql-ws message past it closes the socket (1009)', async () => {
    const huge = `{ viewer { ${'isOperator '.repeat(Math.ceil(1_000_000 / 11))}} }`;
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
      body: JSON.stringify({ query: huge }),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close'); // answered from Content-Length: the body is never read
    expect(await res.json()).toEqual({
      errors: [
        {
          message: `The request body is larger than ${BODY_LIMIT_BYTES / 1024} KB`,
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });

    const client = server.ws(org.adminToken);
    let closed: number | undefined;
    client.on('closed', (event) => (closed = (event as { code: number }).code));
    await expect(wsOnce(client, huge)).rejects.toBeDefined();
    expect(closed).toBe(1009);

    // just under the limit, the document is read and refused by the token limit, with its own message
    const pastTokens = `{ viewer { ${'isOperator '.repeat(QUERY_LIMITS.tokens + 100)}} }`;
    expect(pastTokens.length).toBeLessThan(BODY_LIMIT_BYTES);
    const tokens = await server.gql(pastTokens, {}, org.adminToken);
    expect(tokens.status).toBe(400);
    expect(codes(tokens)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(tokens.errors![0].message).toMatch(/more tha[nt] 5000 tokens/);
  });
});
