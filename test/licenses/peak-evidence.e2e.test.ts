import { addUser, codes, createOrg, DRIVERS, ok, startServer, TestServer } from '../support/harness';
import { HOUR, ManualClock } from '../support/clock';
import { StatementLog } from '../support/statement-log';
import { ADD_LOCATION } from './support';

const EVIDENCE_FIELDS = `totalCount pageInfo { hasNextPage endCursor } edges { cursor } nodes { activeSince user { id } location { id name } }`;

const PEAK_EVIDENCE = /* GraphQL */ `
  query PeakEvidence($id: ID, $first: Int, $after: String) {
    organization(id: $id) {
      license {
        kind
        peakThisPeriod
        peakAt
        peakEvidence(first: $first, after: $after) { ${EVIDENCE_FIELDS} }
      }
    }
  }
`;

const LINES = `lineItems { kind quantity peakAt evidence(first: $first, after: $after) { ${EVIDENCE_FIELDS} } }`;

const UPCOMING = /* GraphQL */ `
  query Upcoming($id: ID, $first: Int, $after: String) {
    organization(id: $id) { upcomingInvoice { status ${LINES} } }
  }
`;

const INVOICE = /* GraphQL */ `
  query Invoice($id: ID, $invoiceId: ID!, $first: Int, $after: String) {
    organization(id: $id) { invoice(id: $invoiceId) { id number ${LINES} } }
  }
`;

const CLOSE = /* GraphQL */ `
  mutation Close($id: ID!) {
    closeBillingPeriod(organizationId: $id) {
      id
    }
  }
`;

const DEACTIVATE_USER = `mutation($id: ID!) { deactivateUser(id: $id) { id } }`;
const REACTIVATE_USER = `mutation($id: ID!) { reactivateUser(id: $id) { id } }`;
const DEACTIVATE_LOCATION = `mutation($id: ID!) { deactivateLocation(id: $id) { id } }`;
const GRANT = `mutation($id: ID!, $key: String!) { grantCredits(organizationId: $id, quantity: 5, idempotencyKey: $key) { id } }`;

interface EvidenceNode {
  activeSince: string;
  user: { id: string } | null;
  location: { id: string; name: string } | null;
}

/** Who, in the API's order: by activation, then by id. */
const ordered = (entries: Array<[string, string]>) =>
  [...entries].sort(([a, x], [b, y]) => (x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0));

describe.each(DRIVERS)('R30: peak evidence over HTTP on %s', (driver) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-06-01T08:00:00.000Z'));
  const statements = new StatementLog();

  beforeAll(async () => {
    server = await startServer(driver, {
      appOptions: { clock, databaseLogger: statements },
      config: { logLevel: process.env.TEST_LOG_LEVEL ?? 'silent' },
    });
  });
  afterAll(() => server.close());

  const at = () => clock.now().toISOString();

  /** Every page of a connection read `first` at a time through `read`. */
  async function allPages(
    read: (after: string | null) => Promise<{ totalCount: number; pageInfo: any; nodes: EvidenceNode[] }>,
  ): Promise<EvidenceNode[]> {
    const nodes: EvidenceNode[] = [];
    let after: string | null = null;
    for (let i = 0; i < 20; i++) {
      const page = await read(after);
      nodes.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) return nodes;
      after = page.pageInfo.endCursor;
    }
    throw new Error('too many pages');
  }

  it('R30: USER — the users active at peakAt, exactly peakThisPeriod, with when each became active; paged; frozen on every license line at issue', async () => {
    clock.set('2026-06-01T08:00:00.000Z');
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 2, seatPriceCents: 1500 });
    const t0 = at(); // the admin
    clock.advance(HOUR);
    const a = await addUser(server, org.adminToken);
    const b = await addUser(server, org.adminToken);
    const t1 = at(); // 3 in use
    clock.advance(HOUR);
    // A transfer at one instant: b out, c in — still 3, no new peak (R9)
    await ok(server.gql(DEACTIVATE_USER, { id: b.id }, org.adminToken));
    const c = await addUser(server, org.adminToken);
    const t2 = at();
    clock.advance(HOUR);
    const d = await addUser(server, org.adminToken); // 4: the peak
    const t3 = at();
    clock.advance(HOUR);
    await ok(server.gql(DEACTIVATE_USER, { id: a.id }, org.adminToken)); // back to 3: the peak stays at t3
    await ok(server.gql(GRANT, { id: org.orgId, key: `g-${driver}` }, server.operatorToken)); // a credit line
    clock.advance(HOUR); // the preview bills what happened before now

    const expected = ordered([
      [org.adminId, t0],
      [a.id, t1],
      [c.id, t2],
      [d.id, t3],
    ]).map(([id, since]) => ({ activeSince: since, user: { id }, location: null }));

    const license = (await ok(server.gql(PEAK_EVIDENCE, { first: 3 }, org.adminToken))).organization.license;
    expect(license).toMatchObject({ kind: 'USER', peakThisPeriod: 4, peakAt: t3 });
    expect(license.peakEvidence.totalCount).toBe(4);
    expect(license.peakEvidence.nodes).toEqual(expected.slice(0, 3));
    expect(license.peakEvidence.pageInfo.hasNextPage).toBe(true);
    expect(license.peakEvidence.edges.map((e: { cursor: string }) => e.cursor).at(-1)).toBe(
      license.peakEvidence.pageInfo.endCursor,
    );
    const rest = (
      await ok(server.gql(PEAK_EVIDENCE, { first: 3, after: license.peakEvidence.pageInfo.endCursor }, org.adminToken))
    ).organization.license.peakEvidence;
    expect(rest.nodes).toEqual(expected.slice(3));
    expect(rest.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });
    expect(rest.totalCount).toBe(4);
    // b was transferred out before the peak: not evidence; every one listed was active at peakAt
    expect(expected.map((e) => e.user.id)).not.toContain(b.id);

    // The DRAFT preview's license lines show the live evidence; the credit line has none
    const upcoming = (await ok(server.gql(UPCOMING, { first: 100 }, org.adminToken))).organization.upcomingInvoice;
    expect(upcoming.lineItems.map((l: { kind: string }) => l.kind)).toEqual([
      'SEATS',
      'SEAT_OVERAGE',
      'CREDIT_PURCHASE',
    ]);
    for (const line of upcoming.lineItems.slice(0, 2)) {
      expect(line.evidence).toMatchObject({ totalCount: 4, nodes: expected });
    }
    expect(upcoming.lineItems[2].evidence).toBeNull();

    // Issue the invoice: every license line carries the full evidence of the billed peak
    clock.advance(HOUR);
    const invoiceId = (await ok(server.gql(CLOSE, { id: org.orgId }, server.operatorToken))).closeBillingPeriod.id;
    const readInvoice = async (first: number, after: string | null = null) =>
      (await ok(server.gql(INVOICE, { invoiceId, first, after }, org.adminToken))).organization.invoice;
    const issued = await readInvoice(100);
    expect(issued.lineItems.map((l: { kind: string; quantity: number }) => [l.kind, l.quantity])).toEqual([
      ['SEATS', 2],
      ['SEAT_OVERAGE', 2],
      ['CREDIT_PURCHASE', 5],
    ]);
    for (const line of issued.lineItems.slice(0, 2)) {
      expect(line.peakAt).toBe(t3);
      expect(line.evidence.totalCount).toBe(4);
      expect(line.evidence.nodes).toEqual(expected);
    }
    expect(issued.lineItems[2].evidence).toBeNull();
    // Paged one at a time, through the same cursors
    const paged = await allPages(async (after) => (await readInvoice(1, after)).lineItems[1].evidence);
    expect(paged).toEqual(expected);

    // Frozen: later activity (in the next period) changes the live evidence, never the issued invoice's
    clock.advance(HOUR);
    await ok(server.gql(REACTIVATE_USER, { id: a.id }, org.adminToken));
    await ok(server.gql(REACTIVATE_USER, { id: b.id }, org.adminToken));
    await addUser(server, org.adminToken);
    const live = (await ok(server.gql(PEAK_EVIDENCE, { first: 100 }, org.adminToken))).organization.license;
    expect(live.peakThisPeriod).toBe(6);
    expect(live.peakEvidence.totalCount).toBe(6);
    expect(live.peakEvidence.nodes.map((n: EvidenceNode) => n.user!.id)).toEqual(
      expect.arrayContaining([a.id, b.id, org.adminId, c.id, d.id]),
    );
    const after = await readInvoice(100);
    for (const line of after.lineItems.slice(0, 2)) expect(line.evidence.nodes).toEqual(expected);

    // One frozen set per invoice, which the database refuses to change or remove
    const db = server.app.dataSource;
    const rows = () =>
      db.query('SELECT userId, locationId, position FROM invoice_line_evidence WHERE invoiceId = ? ORDER BY position', [
        invoiceId,
      ]);
    const before = await rows();
    expect(before.map((r: { userId: string }) => r.userId)).toEqual(expected.map((e) => e.user.id));
    expect(before.map((r: { position: number }) => Number(r.position))).toEqual([1, 2, 3, 4]);
    await expect(
      db.query('UPDATE invoice_line_evidence SET userId = ? WHERE invoiceId = ?', [b.id, invoiceId]),
    ).rejects.toThrow(/immutable/);
    await expect(db.query('DELETE FROM invoice_line_evidence WHERE invoiceId = ?', [invoiceId])).rejects.toThrow(
      /immutable/,
    );
    expect(await rows()).toEqual(before);
  });

  it('R30: LOCATION — the locations active at the first moment of the peak, on the LOCATIONS and LOCATION_OVERAGE lines', async () => {
    clock.set('2026-07-01T08:00:00.000Z');
    const org = await createOrg(server, {
      licenseModel: 'LOCATION',
      contractedLocations: 1,
      locationPriceCents: 5000,
    });
    clock.advance(HOUR);
    const add = async (name: string) =>
      (await ok(server.gql(ADD_LOCATION, { name }, org.adminToken))).addLocation as { id: string; name: string };
    const north = await add('North');
    const south = await add('South'); // 2 in use: the peak, first reached here
    const t1 = at();
    await addUser(server, org.adminToken); // users hold no seats under LOCATION (R10)
    clock.advance(HOUR);
    await ok(server.gql(DEACTIVATE_LOCATION, { id: north.id }, org.adminToken));
    clock.advance(HOUR);
    await add('East'); // 2 again: not a new peak, the first moment stays t1

    const expected = ordered([
      [north.id, t1],
      [south.id, t1],
    ]).map(([id]) => ({
      activeSince: t1,
      user: null,
      location: { id, name: id === north.id ? 'North' : 'South' },
    }));
    const license = (await ok(server.gql(PEAK_EVIDENCE, {}, org.adminToken))).organization.license;
    expect(license).toMatchObject({ kind: 'LOCATION', peakThisPeriod: 2, peakAt: t1 });
    expect(license.peakEvidence).toMatchObject({ totalCount: 2, nodes: expected });

    clock.advance(HOUR);
    const invoiceId = (await ok(server.gql(CLOSE, { id: org.orgId }, server.operatorToken))).closeBillingPeriod.id;
    const issued = (await ok(server.gql(INVOICE, { invoiceId }, org.adminToken))).organization.invoice;
    expect(issued.lineItems.map((l: { kind: string }) => l.kind)).toEqual(['LOCATIONS', 'LOCATION_OVERAGE']);
    for (const line of issued.lineItems) expect(line.evidence).toMatchObject({ totalCount: 2, nodes: expected });
    const stored = await server.app.dataSource.query(
      'SELECT userId, locationId FROM invoice_line_evidence WHERE invoiceId = ? ORDER BY position',
      [invoiceId],
    );
    expect(stored).toEqual(expected.map((e) => ({ userId: null, locationId: e.location.id })));
  });

  it('R30: no peak yet — an empty connection (totalCount 0), also on the invoice of a period with nothing in use', async () => {
    clock.set('2026-08-01T08:00:00.000Z');
    const org = await createOrg(server, { licenseModel: 'LOCATION', contractedLocations: 2, locationPriceCents: 100 });
    const license = (await ok(server.gql(PEAK_EVIDENCE, {}, org.adminToken))).organization.license;
    expect(license).toMatchObject({ peakThisPeriod: 0, peakAt: null });
    expect(license.peakEvidence).toEqual({
      totalCount: 0,
      pageInfo: { hasNextPage: false, endCursor: null },
      edges: [],
      nodes: [],
    });
    clock.advance(HOUR);
    const invoiceId = (await ok(server.gql(CLOSE, { id: org.orgId }, server.operatorToken))).closeBillingPeriod.id;
    const issued = (await ok(server.gql(INVOICE, { invoiceId }, org.adminToken))).organization.invoice;
    expect(issued.lineItems).toHaveLength(1); // LOCATIONS: the contracted ones, nothing in use
    expect(issued.lineItems[0]).toMatchObject({
      kind: 'LOCATIONS',
      peakAt: null,
      evidence: { totalCount: 0, nodes: [] },
    });
  });

  it("R30/R5: another organization's license and invoice are NOT_FOUND; a malformed cursor or page size is BAD_USER_INPUT", async () => {
    clock.set('2026-09-01T08:00:00.000Z');
    const mine = await createOrg(server);
    const theirs = await createOrg(server);
    clock.advance(HOUR);
    const theirInvoice = (await ok(server.gql(CLOSE, { id: theirs.orgId }, server.operatorToken))).closeBillingPeriod
      .id;

    const foreignLicense = await server.gql(PEAK_EVIDENCE, { id: theirs.orgId }, mine.adminToken);
    expect(codes(foreignLicense)).toContain('NOT_FOUND');
    expect(JSON.stringify(foreignLicense.data ?? {})).not.toContain(theirs.adminId);
    const foreignInvoice = await server.gql(INVOICE, { invoiceId: theirInvoice }, mine.adminToken);
    expect(codes(foreignInvoice)).toEqual(['NOT_FOUND']);
    expect(foreignInvoice.data?.organization?.invoice ?? null).toBeNull();
    // Their own admin sees it
    const own = (await ok(server.gql(INVOICE, { invoiceId: theirInvoice }, theirs.adminToken))).organization.invoice;
    expect(own.lineItems[0].evidence.nodes).toEqual([
      { activeSince: '2026-09-01T08:00:00.000Z', user: { id: theirs.adminId }, location: null },
    ]);

    for (const after of ['not-a-cursor', Buffer.from('[1,2]').toString('base64url')]) {
      const bad = await server.gql(PEAK_EVIDENCE, { after }, mine.adminToken);
      expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
      expect(bad.errors![0].extensions?.field).toBe('after');
      const badLine = await server.gql(INVOICE, { invoiceId: theirInvoice, after }, theirs.adminToken);
      expect(codes(badLine)).toContain('BAD_USER_INPUT');
    }
    // A live cursor is not one of the frozen list, nor the other way round
    const liveCursor = (await ok(server.gql(PEAK_EVIDENCE, { first: 1 }, theirs.adminToken))).organization.license
      .peakEvidence.pageInfo.endCursor;
    expect(
      codes(await server.gql(INVOICE, { invoiceId: theirInvoice, after: liveCursor }, theirs.adminToken)),
    ).toContain('BAD_USER_INPUT');
    const frozenCursor = own.lineItems[0].evidence.pageInfo.endCursor;
    expect(codes(await server.gql(PEAK_EVIDENCE, { after: frozenCursor }, theirs.adminToken))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(codes(await server.gql(PEAK_EVIDENCE, { first: 101 }, mine.adminToken))).toEqual(['BAD_USER_INPUT']);
  });

  it('R30: an invoice list reads the frozen evidence of all its license lines in one statement (and their totals in one more)', async () => {
    clock.set('2026-10-01T08:00:00.000Z');
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 1, seatPriceCents: 1500 });
    clock.advance(HOUR);
    const extra = await addUser(server, org.adminToken); // 2 in use: SEATS and SEAT_OVERAGE lines on every invoice
    for (let i = 0; i < 3; i++) {
      clock.advance(HOUR);
      await ok(server.gql(CLOSE, { id: org.orgId }, server.operatorToken));
    }
    clock.advance(server.app.config.readCacheMs + 1); // no answer kept from earlier
    const LIST = `query List($first: Int) { organization { invoices(first: 5) { nodes { number lineItems { kind evidence(first: $first) { totalCount pageInfo { hasNextPage } nodes { user { id } } } } } } } }`;
    const { result, statements: sent } = await statements.during(() => server.gql(LIST, { first: 1 }, org.adminToken));
    expect(result.errors).toBeUndefined();
    const invoices = result.data.organization.invoices.nodes;
    expect(invoices).toHaveLength(3);
    for (const invoice of invoices) {
      expect(invoice.lineItems.map((l: { kind: string }) => l.kind)).toEqual(['SEATS', 'SEAT_OVERAGE']);
      for (const line of invoice.lineItems) {
        expect(line.evidence).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true } });
        expect(line.evidence.nodes).toHaveLength(1);
        expect([org.adminId, extra.id]).toContain(line.evidence.nodes[0].user.id);
      }
    }
    expect(sent.filter((sql) => /invoice_line_evidence/.test(sql))).toHaveLength(2);
  });
});
