import { codes, createOrg, DRIVERS, OrgFixture, startServer, TestServer } from '../support/harness';
import { ASSIGN, GRANT, sandboxOf, SET_CARD, START } from '../credits/credits-support';
import { addUser } from '../support/harness';
import { DAY, ManualClock } from '../support/clock';

const PAY = /* GraphQL */ `
  mutation Pay($id: ID!, $key: String!) {
    payInvoice(invoiceId: $id, idempotencyKey: $key) {
      id
      number
      status
      total {
        cents
      }
      amountPaid {
        cents
      }
      amountDue {
        cents
      }
      payments {
        status
        amount {
          cents
        }
        failureCode
      }
      notifications {
        kind
        recipients
      }
    }
  }
`;

const INVOICE_FIELDS = `id number status periodStart periodEnd currency lineItems { kind description quantity unitPrice { cents } amount { cents } peakAt } subtotal { cents } total { cents } amountPaid { cents } amountDue { cents }`;

describe.each(DRIVERS)('invoice lines and payments (R15, R17–R19) on %s', (driver) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-03-01T00:00:00.000Z'));
  beforeAll(async () => {
    server = await startServer(driver, { appOptions: { clock } });
  });
  afterAll(async () => {
    await server.close();
  });

  /** An organization whose period holds an annual grant and two overage credits, closed into an OPEN invoice. */
  async function issuedInvoice(): Promise<{ org: OrgFixture; invoice: any }> {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 0, creditUnitPriceCents: 1000 });
    clock.advance(DAY);
    const grant = await server.gql(
      GRANT,
      { organizationId: org.orgId, quantity: 100, key: `g-${org.orgId}` },
      server.operatorToken,
    );
    expect(grant.errors).toBeUndefined();
    const learner = await addUser(server, org.adminToken);
    for (const credits of [60, 42]) {
      const a = await server.gql(
        ASSIGN,
        { input: { userId: learner.id, contentId: `course-${credits}`, credits } },
        org.adminToken,
      );
      await server.gql(START, { id: a.data.assignPremiumContent.id }, learner.token);
    }
    clock.advance(DAY);
    const closed = await server.gql(
      `mutation($id: ID!) { closeBillingPeriod(organizationId: $id) { ${INVOICE_FIELDS} } }`,
      { id: org.orgId },
      server.operatorToken,
    );
    expect(closed.errors).toBeUndefined();
    return { org, invoice: closed.data.closeBillingPeriod };
  }

  it('R9/R13/R15/R17: the invoice bills the seats, the annual grant at its volume price and the overage at the unit price; the preview equals it', async () => {
    const org = await createOrg(server, {
      licenseModel: 'USER',
      contractedSeats: 2,
      seatPriceCents: 1500,
      creditUnitPriceCents: 1000,
    });
    clock.advance(DAY);
    await server.gql(GRANT, { organizationId: org.orgId, quantity: 100, key: `g-${org.orgId}` }, server.operatorToken);
    await server.gql(`mutation { updatePaymentMethod(token: "tok_visa") { last4 } }`, {}, org.adminToken);
    await server.gql(`mutation { purchaseCredits(quantity: 10, idempotencyKey: "dash-1") { id } }`, {}, org.adminToken);
    const learner = await addUser(server, org.adminToken);
    const a = await server.gql(
      ASSIGN,
      { input: { userId: learner.id, contentId: 'forklift', credits: 112 } },
      org.adminToken,
    );
    const started = await server.gql(START, { id: a.data.assignPremiumContent.id }, learner.token);
    expect(started.data.startTraining).toMatchObject({ creditsFromBalance: 110, creditsOverage: 2 });
    clock.advance(DAY);
    const preview = await server.gql(`{ organization { upcomingInvoice { ${INVOICE_FIELDS} } } }`, {}, org.adminToken);
    const closed = await server.gql(
      `mutation($id: ID!) { closeBillingPeriod(organizationId: $id) { ${INVOICE_FIELDS} } }`,
      { id: org.orgId },
      server.operatorToken,
    );
    const invoice = closed.data.closeBillingPeriod;
    expect(invoice.lineItems).toEqual([
      {
        kind: 'SEATS',
        description: '2 contracted seats at $15.00 (peak of 2 active users on Mar 2, 2026)',
        quantity: 2,
        unitPrice: { cents: 1500 },
        amount: { cents: 3000 },
        peakAt: expect.any(String),
      },
      {
        kind: 'CREDIT_PURCHASE',
        description: expect.stringContaining('Annual purchase of 100 credits'),
        quantity: 100,
        unitPrice: { cents: 900 },
        amount: { cents: 90000 },
        peakAt: null,
      },
      {
        kind: 'CREDIT_OVERAGE',
        description: '2 credits used at zero balance, at $10.00 each',
        quantity: 2,
        unitPrice: { cents: 1000 },
        amount: { cents: 2000 },
        peakAt: null,
      },
    ]);
    expect(invoice).toMatchObject({
      status: 'OPEN',
      subtotal: { cents: 95000 },
      total: { cents: 95000 },
      amountPaid: { cents: 0 },
      amountDue: { cents: 95000 },
    });
    const {
      id: _pid,
      number: _pn,
      status: _ps,
      periodEnd: _pe,
      ...previewRest
    } = preview.data.organization.upcomingInvoice;
    const { id: _iid, number: _in, status: _is, periodEnd: _ie, ...issuedRest } = invoice;
    expect(previewRest).toEqual(issuedRest);
    // the next period starts empty
    const next = await server.gql(
      `{ organization { upcomingInvoice { lineItems { kind quantity } total { cents } } } }`,
      {},
      org.adminToken,
    );
    expect(next.data.organization.upcomingInvoice).toEqual({
      lineItems: [{ kind: 'SEATS', quantity: 2 }],
      total: { cents: 3000 },
    });
  });

  it('R19: no card, a declined card, then a good one; keys replay, a paid invoice is ALREADY_PAID', async () => {
    const { org, invoice } = await issuedInvoice();
    const sandbox = sandboxOf(server);
    const chargesBefore = sandbox.charges.length;

    const noCard = await server.gql(PAY, { id: invoice.id, key: 'pay-0' }, org.adminToken);
    expect(noCard.errors?.[0].extensions).toMatchObject({ code: 'PAYMENT_FAILED', failureCode: 'no_payment_method' });
    expect(noCard.errors?.[0].message).toMatch(/payment method/i);

    await server.gql(SET_CARD, { token: 'tok_chargeDeclined' }, org.adminToken);
    clock.advance(1000);
    const declined = await server.gql(PAY, { id: invoice.id, key: 'pay-1' }, org.adminToken);
    expect(declined.errors?.[0].extensions).toMatchObject({ code: 'PAYMENT_FAILED', failureCode: 'card_declined' });
    const replayed = await server.gql(PAY, { id: invoice.id, key: 'pay-1' }, org.adminToken);
    expect(replayed.errors?.[0].extensions).toMatchObject({ code: 'PAYMENT_FAILED', failureCode: 'card_declined' });
    expect(sandbox.charges.length).toBe(chargesBefore + 1);

    const open = await server.gql(
      `query($id: ID!) { organization { invoice(id: $id) { status amountDue { cents } payments { status failureCode amount { cents } } notifications { kind } } } }`,
      { id: invoice.id },
      org.adminToken,
    );
    expect(open.data.organization.invoice).toMatchObject({
      status: 'OPEN',
      amountDue: invoice.amountDue,
      payments: [{ status: 'FAILED', failureCode: 'card_declined', amount: invoice.amountDue }],
    });
    expect(open.data.organization.invoice.notifications.map((n: { kind: string }) => n.kind)).toEqual([
      'INVOICE_ISSUED',
      'PAYMENT_FAILED',
    ]);
    const alerts = await server.app.dataSource.query(
      `SELECT kind, message FROM billing_alert WHERE organizationId = ? AND kind = 'PAYMENT_FAILED'`,
      [org.orgId],
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0].message).toContain(invoice.number);

    await server.gql(SET_CARD, { token: 'tok_visa' }, org.adminToken);
    clock.advance(1000);
    const paid = await server.gql(PAY, { id: invoice.id, key: 'pay-2' }, org.adminToken);
    expect(paid.errors).toBeUndefined();
    expect(paid.data.payInvoice).toMatchObject({
      status: 'PAID',
      amountPaid: invoice.total,
      amountDue: { cents: 0 },
      payments: [
        { status: 'FAILED', failureCode: 'card_declined' },
        { status: 'SUCCEEDED', failureCode: null, amount: invoice.total },
      ],
    });
    expect(paid.data.payInvoice.notifications.map((n: { kind: string }) => n.kind)).toEqual([
      'INVOICE_ISSUED',
      'PAYMENT_FAILED',
      'PAYMENT_RECEIPT',
    ]);
    const again = await server.gql(PAY, { id: invoice.id, key: 'pay-2' }, org.adminToken);
    expect(again.data.payInvoice.status).toBe('PAID');
    const other = await server.gql(PAY, { id: invoice.id, key: 'pay-3' }, org.adminToken);
    expect(codes(other)).toEqual(['ALREADY_PAID']);
    expect(
      sandbox
        .successfulCharges()
        .filter((c) => c.amountCents === invoice.total.cents && c.idempotencyKey.includes(org.orgId)),
    ).toHaveLength(1);
  });

  it('R19: the same key with other arguments is IDEMPOTENCY_KEY_REUSED', async () => {
    const first = await issuedInvoice();
    await server.gql(SET_CARD, { token: 'tok_visa' }, first.org.adminToken);
    clock.advance(DAY);
    await server.gql(
      GRANT,
      { organizationId: first.org.orgId, quantity: 5, key: `g2-${first.org.orgId}` },
      server.operatorToken,
    );
    clock.advance(DAY);
    const second = (
      await server.gql(
        `mutation($id: ID!) { closeBillingPeriod(organizationId: $id) { id } }`,
        { id: first.org.orgId },
        server.operatorToken,
      )
    ).data.closeBillingPeriod;
    await server.gql(PAY, { id: first.invoice.id, key: 'shared' }, first.org.adminToken);
    const reused = await server.gql(PAY, { id: second.id, key: 'shared' }, first.org.adminToken);
    expect(codes(reused)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    const still = await server.gql(
      `query($id: ID!) { organization { invoice(id: $id) { status payments { id } } } }`,
      { id: second.id },
      first.org.adminToken,
    );
    expect(still.data.organization.invoice).toEqual({ status: 'OPEN', payments: [] });
  });

  it('R19: concurrent payments — different keys or one key — charge exactly once', async () => {
    const sandbox = sandboxOf(server);
    for (const sameKey of [false, true]) {
      const { org, invoice } = await issuedInvoice();
      await server.gql(SET_CARD, { token: 'tok_mastercard' }, org.adminToken);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          server.gql(PAY, { id: invoice.id, key: sameKey ? 'one-key' : `key-${i}` }, org.adminToken),
        ),
      );
      const ok = results.filter((r) => !r.errors);
      if (sameKey) expect(ok).toHaveLength(6);
      else {
        expect(ok).toHaveLength(1);
        expect(results.filter((r) => r.errors).flatMap(codes)).toEqual(Array(5).fill('ALREADY_PAID'));
      }
      expect(
        sandbox.successfulCharges().filter((c) => c.idempotencyKey.startsWith(`${org.orgId}:payInvoice`)),
      ).toHaveLength(1);
      const payments = await server.app.dataSource.query(`SELECT status FROM payment WHERE invoiceId = ?`, [
        invoice.id,
      ]);
      expect(payments).toEqual([{ status: 'SUCCEEDED' }]);
    }
  });

  it("R5/R21: another organization's invoice is NOT_FOUND; a terminated organization can still pay", async () => {
    const { org, invoice } = await issuedInvoice();
    const stranger = await createOrg(server);
    await server.gql(SET_CARD, { token: 'tok_visa' }, stranger.adminToken);
    const foreign = await server.gql(PAY, { id: invoice.id, key: 'steal' }, stranger.adminToken);
    expect(codes(foreign)).toEqual(['NOT_FOUND']);
    clock.advance(DAY);
    const terminated = await server.gql(
      `mutation($id: ID!) { finalizeTermination(organizationId: $id) { status } }`,
      { id: org.orgId },
      server.operatorToken,
    );
    expect(terminated.data.finalizeTermination.status).toBe('TERMINATED');
    const card = await server.gql(SET_CARD, { token: 'tok_visa' }, org.adminToken);
    expect(card.errors).toBeUndefined();
    const paid = await server.gql(PAY, { id: invoice.id, key: 'after-the-end' }, org.adminToken);
    expect(paid.data.payInvoice.status).toBe('PAID');
  });
});
