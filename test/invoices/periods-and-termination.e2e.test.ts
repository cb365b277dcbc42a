import type { Viewer } from '../../src/auth/viewer';
import { ManualClock } from '../support/clock';
import { addUser, codes, createOrg, DRIVERS, startServer, TestServer } from '../support/harness';
import { operatorViewer } from '../support/viewers';

const SYSTEM: Viewer = operatorViewer('scheduler');

describe.each(DRIVERS)('billing periods, numbering and termination (R17, R21, R22) on %s', (driver) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-01-31T09:00:00.000Z'));
  beforeAll(async () => {
    server = await startServer(driver, { appOptions: { clock } });
  });
  afterAll(async () => {
    await server.close();
  });

  const periods = async (orgId: string) =>
    (
      await server.app.dataSource.query(
        `SELECT start, end, closedAt FROM billing_period WHERE organizationId = ? ORDER BY start, end`,
        [orgId],
      )
    ).map((p: { start: string | Date; end: string | Date; closedAt: unknown }) => ({
      start: new Date(p.start as string).toISOString(),
      end: new Date(p.end as string).toISOString(),
      open: p.closedAt === null,
    }));

  it('R17: closing due periods follows the anchor day (Jan 31 → Feb 28 → Mar 31) and chains periods without gaps', async () => {
    clock.set('2026-01-31T09:00:00.000Z');
    const org = await createOrg(server);
    clock.set('2026-04-01T00:00:00.000Z');
    const closed = await server.app.services.invoices.closeDuePeriods(
      { viewer: SYSTEM, em: server.app.dataSource.manager },
      clock.now(),
    );
    expect(closed).toBe(2);
    const expected = [
      '2026-01-31T09:00:00.000Z',
      '2026-02-28T09:00:00.000Z',
      '2026-03-31T09:00:00.000Z',
      '2026-04-30T09:00:00.000Z',
    ];
    const ps = await periods(org.orgId);
    expect(ps.map((p: { start: string }) => p.start)).toEqual(expected.slice(0, 3));
    expect(ps.map((p: { end: string }) => p.end)).toEqual(expected.slice(1));
    expect(ps.map((p: { open: boolean }) => p.open)).toEqual([false, false, true]);
    const invoices = await server.gql(
      `{ organization { invoices { nodes { number periodStart periodEnd issuedAt dueAt } } currentPeriod { start end } } }`,
      {},
      org.adminToken,
    );
    expect(invoices.data.organization.invoices.nodes).toEqual([
      {
        number: 'INV-000002',
        periodStart: expected[1],
        periodEnd: expected[2],
        issuedAt: '2026-04-01T00:00:00.000Z',
        dueAt: '2026-05-01T00:00:00.000Z',
      },
      {
        number: 'INV-000001',
        periodStart: expected[0],
        periodEnd: expected[1],
        issuedAt: '2026-04-01T00:00:00.000Z',
        dueAt: '2026-05-01T00:00:00.000Z',
      },
    ]);
    expect(invoices.data.organization.currentPeriod).toEqual({ start: expected[2], end: expected[3] });
    // a second run has nothing left to close
    expect(
      await server.app.services.invoices.closeDuePeriods(
        { viewer: SYSTEM, em: server.app.dataSource.manager },
        clock.now(),
      ),
    ).toBe(0);
  });

  it('R17: concurrent closes give unique, gapless numbers and contiguous periods', async () => {
    clock.set('2026-06-01T00:00:00.000Z');
    const org = await createOrg(server);
    clock.set('2026-06-02T00:00:00.000Z', true);
    const settled = await Promise.all(
      Array.from({ length: 5 }, () =>
        server.gql(
          `mutation($id: ID!) { closeBillingPeriod(organizationId: $id) { number } }`,
          { id: org.orgId },
          server.operatorToken,
        ),
      ),
    );
    clock.set('2026-06-03T00:00:00.000Z');
    expect(settled.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(settled.map((r) => r.data.closeBillingPeriod.number).sort()).toEqual([
      'INV-000001',
      'INV-000002',
      'INV-000003',
      'INV-000004',
      'INV-000005',
    ]);
    const ps = await periods(org.orgId);
    expect(ps).toHaveLength(6);
    for (let i = 1; i < ps.length; i++) expect(ps[i].start).toBe(ps[i - 1].end);
    expect(ps.filter((p: { open: boolean }) => p.open)).toHaveLength(1);
  });

  it('R17: a period that has only just started cannot be closed (no zero-length invoice)', async () => {
    clock.set('2026-06-20T00:00:00.000Z');
    const org = await createOrg(server);
    const res = await server.gql(
      `mutation($id: ID!) { closeBillingPeriod(organizationId: $id) { number } }`,
      { id: org.orgId },
      server.operatorToken,
    );
    expect(codes(res)).toEqual(['CONFLICT']);
    const none = await server.gql(`{ organization { invoices { totalCount } } }`, {}, org.adminToken);
    expect(none.data.organization.invoices.totalCount).toBe(0);
  });

  it('R17: issued invoices never change their lines or totals — the database refuses it', async () => {
    clock.set('2026-07-01T00:00:00.000Z');
    const org = await createOrg(server);
    clock.set('2026-07-15T00:00:00.000Z');
    const closed = await server.gql(
      `mutation($id: ID!) { closeBillingPeriod(organizationId: $id) { id total { cents } } }`,
      { id: org.orgId },
      server.operatorToken,
    );
    const id = closed.data.closeBillingPeriod.id;
    await expect(
      server.app.dataSource.query(`UPDATE invoice SET totalCents = totalCents + 100 WHERE id = ?`, [id]),
    ).rejects.toThrow(/immutable/);
    await expect(
      server.app.dataSource.query(`UPDATE invoice SET number = 'INV-999999' WHERE id = ?`, [id]),
    ).rejects.toThrow(/immutable/);
    await server.app.dataSource
      .query(
        `INSERT INTO invoice_line_item (id, invoiceId, position, kind, description, quantity, unitPriceCents, amountCents) VALUES ('11111111-1111-1111-1111-111111111111', ?, 99, 'SEATS', 'x', 1, 1, 1)`,
        [id],
      )
      .catch(() => undefined);
    await expect(
      server.app.dataSource.query(`UPDATE invoice_line_item SET amountCents = 0 WHERE invoiceId = ?`, [id]),
    ).rejects.toThrow(/immutable/);
    const after = await server.gql(
      `query($id: ID!) { organization { invoice(id: $id) { total { cents } number } } }`,
      { id },
      org.adminToken,
    );
    expect(after.data.organization.invoice).toEqual({
      total: closed.data.closeBillingPeriod.total,
      number: 'INV-000001',
    });
  });

  it('R18: the upcoming invoice is a DRAFT preview that is never stored', async () => {
    const org = await createOrg(server);
    const res = await server.gql(
      `{ organization { upcomingInvoice { id number status issuedAt dueAt currency lineItems { kind } total { cents } amountDue { cents } notifications { id } } invoices { totalCount } } }`,
      {},
      org.adminToken,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.organization.upcomingInvoice).toMatchObject({
      number: null,
      status: 'DRAFT',
      issuedAt: null,
      dueAt: null,
      currency: 'USD',
      notifications: [],
    });
    expect(res.data.organization.invoices.totalCount).toBe(0);
    const missing = await server.gql(
      `query($id: ID!) { organization { invoice(id: $id) { id } } }`,
      { id: res.data.organization.upcomingInvoice.id },
      org.adminToken,
    );
    expect(codes(missing)).toEqual(['NOT_FOUND']);
  });

  it('R22: recipients are the point of contact, additional emails and active billing managers — lower-cased, each once', async () => {
    const org = await createOrg(server);
    const admin = (await server.gql(`{ viewer { user { email } } }`, {}, org.adminToken)).data.viewer.user.email;
    const employee = await addUser(server, org.adminToken, { email: `Billing.Clerk.${Date.now()}@Example.test` });
    await server.gql(
      `mutation($u: ID!) { setUserPermission(userId: $u, permission: MANAGE_BILLING, granted: true) { id } }`,
      { u: employee.id },
      org.adminToken,
    );
    const secondAdmin = await addUser(server, org.adminToken, { role: 'ADMIN' });
    await server.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id: secondAdmin.id }, org.adminToken);
    const res = await server.gql(
      `mutation($input: BillingContactsInput!) { updateBillingContacts(input: $input) { pointOfContactEmail additionalEmails recipients } }`,
      {
        input: {
          pointOfContactEmail: 'AP@Customer.test',
          additionalEmails: ['finance@customer.test', 'ap@customer.test', admin.toUpperCase()],
        },
      },
      org.adminToken,
    );
    expect(res.errors).toBeUndefined();
    const c = res.data.updateBillingContacts;
    expect(c.pointOfContactEmail).toBe('ap@customer.test');
    expect(c.additionalEmails).toEqual(['finance@customer.test', 'ap@customer.test', admin]);
    expect(c.recipients.sort()).toEqual(
      [
        'ap@customer.test',
        'finance@customer.test',
        admin,
        (await server.gql(`{ viewer { user { email } } }`, {}, employee.token)).data.viewer.user.email,
      ].sort(),
    );
    expect(new Set(c.recipients).size).toBe(c.recipients.length);
  });

  it('R22: a bad address is BAD_USER_INPUT naming the field, and nothing changes', async () => {
    const org = await createOrg(server);
    await server.gql(
      `mutation { updateBillingContacts(input: { pointOfContactEmail: "keep@customer.test" }) { recipients } }`,
      {},
      org.adminToken,
    );
    const bad = await server.gql(
      `mutation { updateBillingContacts(input: { pointOfContactEmail: "new@customer.test", additionalEmails: ["ok@customer.test", "nope"] }) { recipients } }`,
      {},
      org.adminToken,
    );
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'additionalEmails.1' });
    const badPoc = await server.gql(
      `mutation { updateBillingContacts(input: { pointOfContactEmail: "not an email" }) { recipients } }`,
      {},
      org.adminToken,
    );
    expect(badPoc.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'pointOfContactEmail' });
    const now = await server.gql(
      `{ organization { billingContacts { pointOfContactEmail additionalEmails } } }`,
      {},
      org.adminToken,
    );
    expect(now.data.organization.billingContacts).toEqual({
      pointOfContactEmail: 'keep@customer.test',
      additionalEmails: [],
    });
    const manager = await addUser(server, org.adminToken, { role: 'MANAGER' });
    const forbidden = await server.gql(
      `mutation { updateBillingContacts(input: { pointOfContactEmail: "x@customer.test" }) { recipients } }`,
      {},
      manager.token,
    );
    expect(codes(forbidden)).toEqual(['FORBIDDEN']);
  });

  it('R21: request, finalize; afterwards only payments and contacts change, queries still answer', async () => {
    clock.set('2026-08-01T00:00:00.000Z');
    const org = await createOrg(server);
    const requested = await server.gql(
      `mutation { requestTermination(reason: "Moving on") { status } }`,
      {},
      org.adminToken,
    );
    expect(requested.data.requestTermination.status).toBe('TERMINATION_REQUESTED');
    const twice = await server.gql(`mutation { requestTermination { status } }`, {}, org.adminToken);
    expect(codes(twice)).toEqual(['CONFLICT']);
    const rows = await server.app.dataSource.query(
      `SELECT kind, recipients, subject FROM notification WHERE organizationId = ?`,
      [org.orgId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].kind).toBe('TERMINATION_REQUESTED');
    expect(JSON.parse(rows[0].recipients)).toContain('support@opus.so');
    const notOperator = await server.gql(
      `mutation($id: ID!) { finalizeTermination(organizationId: $id) { status } }`,
      { id: org.orgId },
      org.adminToken,
    );
    expect(codes(notOperator)).toEqual(['FORBIDDEN']);
    clock.set('2026-08-10T00:00:00.000Z');
    const final = await server.gql(
      `mutation($id: ID!) { finalizeTermination(organizationId: $id) { status } }`,
      { id: org.orgId },
      server.operatorToken,
    );
    expect(final.data.finalizeTermination.status).toBe('TERMINATED');

    const refused: Array<[string, string]> = [
      ['addUser', `mutation { addUser(input: { email: "late-${Date.now()}@example.test", name: "Late" }) { id } }`],
      ['addLocation', `mutation { addLocation(input: { name: "Late" }) { id } }`],
      [
        'setRolePermission',
        `mutation { setRolePermission(role: EMPLOYEE, permission: ASSIGN_CONTENT, granted: true) { granted } }`,
      ],
      ['deactivateUser', `mutation { deactivateUser(id: "${org.adminId}") { id } }`],
      ['requestTermination', `mutation { requestTermination { status } }`],
    ];
    for (const [name, query] of refused) {
      const res = await server.gql(query, {}, org.adminToken);
      expect({ name, codes: codes(res) }).toEqual({ name, codes: ['ORGANIZATION_TERMINATED'] });
    }
    const closeAgain = await server.gql(
      `mutation($id: ID!) { closeBillingPeriod(organizationId: $id) { id } }`,
      { id: org.orgId },
      server.operatorToken,
    );
    expect(codes(closeAgain)).toEqual(['ORGANIZATION_TERMINATED']);
    const finalizeAgain = await server.gql(
      `mutation($id: ID!) { finalizeTermination(organizationId: $id) { id } }`,
      { id: org.orgId },
      server.operatorToken,
    );
    expect(codes(finalizeAgain)).toEqual(['ORGANIZATION_TERMINATED']);
    const contacts = await server.gql(
      `mutation { updateBillingContacts(input: { pointOfContactEmail: "after@customer.test" }) { pointOfContactEmail } }`,
      {},
      org.adminToken,
    );
    expect(contacts.data.updateBillingContacts.pointOfContactEmail).toBe('after@customer.test');
    const state = await server.gql(
      `{ organization { status currentPeriod { start } upcomingInvoice { id } invoices { nodes { number periodEnd } } } }`,
      {},
      org.adminToken,
    );
    expect(state.errors).toBeUndefined();
    expect(state.data.organization).toEqual({
      status: 'TERMINATED',
      currentPeriod: null,
      upcomingInvoice: null,
      invoices: { nodes: [{ number: 'INV-000001', periodEnd: '2026-08-10T00:00:00.000Z' }] },
    });
  });
});
