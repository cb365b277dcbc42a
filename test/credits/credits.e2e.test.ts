import {
  BillingAlert,
  CreditLot,
  CreditSource,
  IdempotencyKey,
  Organization,
  OrganizationStatus,
  Payment,
  PaymentStatus,
} from '../../entities';
import { addUser, codes, createOrg, DRIVERS, ok, startServer, TestServer } from '../support/harness';
import {
  assign,
  ASSIGN,
  BALANCE,
  CANCEL,
  creditState,
  expectLedgerBalances,
  grant,
  GRANT,
  newKey,
  PURCHASE,
  sandboxOf,
  SET_CARD,
  START,
} from './credits-support';
import { DAY, HOUR, ManualClock } from '../support/clock';

describe.each(DRIVERS)('credits on %s', (driver) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-03-01T09:00:00.000Z'));

  beforeAll(async () => {
    server = await startServer(driver, {
      appOptions: { clock },
      config: { logLevel: process.env.TEST_LOG_LEVEL ?? 'silent' },
    });
  });
  afterAll(() => server.close());

  /** A fresh organization (USER model) with its admin, a manager and an employee; optionally a card on file. */
  async function org(card?: string, contract: Record<string, unknown> = { licenseModel: 'USER', contractedSeats: 50 }) {
    const fixture = await createOrg(server, contract);
    const manager = await addUser(server, fixture.adminToken, { role: 'MANAGER' });
    const employee = await addUser(server, fixture.adminToken, { role: 'EMPLOYEE' });
    if (card) await ok(server.gql(SET_CARD, { token: card }, fixture.adminToken));
    return { ...fixture, manager, employee };
  }
  const balanceOf = async (token: string) => (await ok(server.gql(BALANCE, {}, token))).organization.creditBalance;
  const em = () => server.app.dataSource.manager;

  describe('R20: the payment method on file', () => {
    it('R20: a provider token becomes brand, last4 and expiry; card numbers never reach the API', async () => {
      const o = await org();
      expect(
        (await server.gql(`{ organization { paymentMethod { brand } } }`, {}, o.adminToken)).data!.organization
          .paymentMethod,
      ).toBeNull();
      const visa = await server.gql(SET_CARD, { token: 'tok_visa' }, o.adminToken);
      expect(visa.data!.updatePaymentMethod).toEqual({
        brand: 'Visa',
        last4: '4242',
        expMonth: 12,
        expYear: clock.now().getUTCFullYear() + 4,
      });
      await ok(server.gql(SET_CARD, { token: 'tok_mastercard' }, o.adminToken));
      const read = await server.gql(`{ organization { paymentMethod { brand last4 } } }`, {}, o.adminToken);
      expect(read.data!.organization.paymentMethod).toEqual({ brand: 'Mastercard', last4: '4444' });
    });

    it('R20: an unknown token is BAD_USER_INPUT on field token and keeps the card on file', async () => {
      const o = await org('tok_visa');
      const res = await server.gql(SET_CARD, { token: '4242424242424242' }, o.adminToken);
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
      const read = await server.gql(`{ organization { paymentMethod { last4 } } }`, {}, o.adminToken);
      expect(read.data!.organization.paymentMethod.last4).toBe('4242');
    });

    it('R1: only MANAGE_BILLING may see or change it; R5: another organization is NOT_FOUND', async () => {
      const o = await org('tok_visa');
      const other = await org();
      expect(codes(await server.gql(SET_CARD, { token: 'tok_visa' }, o.manager.token))).toEqual(['FORBIDDEN']);
      const seen = await server.gql(`{ organization { name paymentMethod { last4 } } }`, {}, o.employee.token);
      expect(seen.data!.organization).toEqual({ name: 'Org', paymentMethod: null });
      expect(codes(seen)).toEqual(['FORBIDDEN']);
      expect(
        codes(await server.gql(SET_CARD, { token: 'tok_mastercard', organizationId: other.orgId }, o.adminToken)),
      ).toEqual(['NOT_FOUND']);
      expect(await em().count(Organization, { where: { id: other.orgId } })).toBe(1);
      expect(
        (
          await server.gql(
            `query($id: ID) { organization(id: $id) { paymentMethod { last4 } } }`,
            { id: other.orgId },
            server.operatorToken,
          )
        ).data!.organization.paymentMethod,
      ).toBeNull();
      // operators name the organization
      expect(
        (await server.gql(SET_CARD, { token: 'tok_mastercard', organizationId: other.orgId }, server.operatorToken))
          .data!.updatePaymentMethod.last4,
      ).toBe('4444');
    });
  });

  describe('R12: creditQuote', () => {
    it("R12: volume tiers on the contract's list price, integer cents", async () => {
      const o = await org();
      const q = `query($n: Int!) { creditQuote(quantity: $n) { quantity discountPercent unitPrice { cents } subtotal { cents } discount { cents } total { cents formatted } } }`;
      expect((await server.gql(q, { n: 250 }, o.adminToken)).data!.creditQuote).toEqual({
        quantity: 250,
        discountPercent: 10,
        unitPrice: { cents: 900 },
        subtotal: { cents: 250_000 },
        discount: { cents: 25_000 },
        total: { cents: 225_000, formatted: '$2,250.00' },
      });
      expect((await server.gql(q, { n: 99 }, o.adminToken)).data!.creditQuote.discountPercent).toBe(0);
      expect((await server.gql(q, { n: 500 }, o.adminToken)).data!.creditQuote.total.cents).toBe(425_000);
      expect((await server.gql(q, { n: 1000 }, o.adminToken)).data!.creditQuote.total.cents).toBe(800_000);
      await ok(
        server.gql(
          `mutation($id: ID!) { updateContract(organizationId: $id, input: { licenseModel: USER, creditUnitPriceCents: 333 }) { licenseModel } }`,
          { id: o.orgId },
          server.operatorToken,
        ),
      );
      expect((await server.gql(q, { n: 101 }, o.adminToken)).data!.creditQuote).toMatchObject({
        unitPrice: { cents: 300 },
        subtotal: { cents: 33_633 },
        total: { cents: 30_270 },
      });
    });

    it('R12: quantities below 1 or above 100,000 are BAD_USER_INPUT on field quantity', async () => {
      const o = await org();
      for (const n of [0, -5, 100_001]) {
        const res = await server.gql(
          `query($n: Int!) { creditQuote(quantity: $n) { total { cents } } }`,
          { n },
          o.adminToken,
        );
        expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'quantity' });
      }
    });

    it('R1: creditQuote needs MANAGE_BILLING', async () => {
      const o = await org();
      expect(codes(await server.gql(`{ creditQuote(quantity: 5) { total { cents } } }`, {}, o.manager.token))).toEqual([
        'FORBIDDEN',
      ]);
    });
  });

  describe('R13: purchaseCredits', () => {
    it('R13: charges the card on file at the quoted price: a DASHBOARD lot that never expires, a PURCHASE entry, a SUCCEEDED payment', async () => {
      const o = await org('tok_visa');
      const chargesBefore = sandboxOf(server).charges.length;
      const res = await server.gql(PURCHASE, { quantity: 100, key: newKey() }, o.adminToken);
      expect(res.errors).toBeUndefined();
      const purchase = res.data!.purchaseCredits;
      expect(purchase).toMatchObject({
        quantity: 100,
        total: { cents: 90_000 },
        lot: { source: 'DASHBOARD', quantity: 100, remaining: 100, expiresAt: null, unitPrice: { cents: 900 } },
        payment: { status: 'SUCCEEDED', amount: { cents: 90_000 }, failureCode: null },
      });
      const charges = sandboxOf(server).charges.slice(chargesBefore);
      expect(charges).toHaveLength(1);
      expect(charges[0]).toMatchObject({ amountCents: 90_000, outcome: { status: 'succeeded' } });
      const balance = await balanceOf(o.adminToken);
      expect(balance.available).toBe(100);
      expect(balance.ledger.nodes).toEqual([
        expect.objectContaining({
          kind: 'PURCHASE',
          quantity: 100,
          balanceAfter: 100,
          lot: { id: purchase.lot.id },
          assignment: null,
        }),
      ]);
    });

    it('R19: the same key and quantity returns the first purchase and never charges twice', async () => {
      const o = await org('tok_visa');
      const key = newKey();
      const before = sandboxOf(server).charges.length;
      const first = (await ok(server.gql(PURCHASE, { quantity: 10, key }, o.adminToken))).purchaseCredits;
      const again = (await ok(server.gql(PURCHASE, { quantity: 10, key }, o.adminToken))).purchaseCredits;
      expect(again).toEqual(first);
      expect(sandboxOf(server).charges.length - before).toBe(1);
      expect(await em().count(CreditLot, { where: { organizationId: o.orgId } })).toBe(1);
      expect((await balanceOf(o.adminToken)).available).toBe(10);
    });

    it('R19: the same key with another quantity, or for another operation, is IDEMPOTENCY_KEY_REUSED and writes nothing', async () => {
      const o = await org('tok_visa');
      const key = newKey();
      await ok(server.gql(PURCHASE, { quantity: 10, key }, o.adminToken));
      const before = await creditState(server, o.orgId);
      const charges = sandboxOf(server).charges.length;
      expect(codes(await server.gql(PURCHASE, { quantity: 11, key }, o.adminToken))).toEqual([
        'IDEMPOTENCY_KEY_REUSED',
      ]);
      expect(
        codes(await server.gql(GRANT, { organizationId: o.orgId, quantity: 10, key }, server.operatorToken)),
      ).toEqual(['IDEMPOTENCY_KEY_REUSED']);
      const after = await creditState(server, o.orgId);
      expect(after.entries).toEqual(before.entries);
      expect(after.lots).toEqual(before.lots);
      expect(sandboxOf(server).charges.length).toBe(charges);
      // keys belong to one organization: another may use the same string
      const other = await org('tok_visa');
      expect((await server.gql(PURCHASE, { quantity: 11, key }, other.adminToken)).errors).toBeUndefined();
    });

    it.each([
      ['tok_chargeDeclined', 'card_declined'],
      ['tok_insufficientFunds', 'insufficient_funds'],
    ])(
      'R13: a declined charge (%s) is PAYMENT_FAILED: a FAILED payment is recorded, no lot, no entry; the same key replays it without charging',
      async (token, code) => {
        const o = await org(token);
        const key = newKey();
        const before = sandboxOf(server).charges.length;
        const res = await server.gql(PURCHASE, { quantity: 5, key }, o.adminToken);
        expect(res.data).toBeNull();
        expect(res.errors?.[0].extensions).toMatchObject({ code: 'PAYMENT_FAILED', failureCode: code });
        const payments = await em().find(Payment, { where: { organizationId: o.orgId } });
        expect(payments).toEqual([
          expect.objectContaining({ status: PaymentStatus.FAILED, failureCode: code, amountCents: 5000 }),
        ]);
        expect(res.errors?.[0].extensions?.paymentId).toBe(payments[0].id);
        const state = await creditState(server, o.orgId);
        expect(state.lots).toEqual([]);
        expect(state.entries).toEqual([]);
        // replayed, like Stripe replays a stored error for the same key
        const again = await server.gql(PURCHASE, { quantity: 5, key }, o.adminToken);
        expect(again.errors?.[0].extensions).toMatchObject({
          code: 'PAYMENT_FAILED',
          failureCode: code,
          paymentId: payments[0].id,
        });
        expect(sandboxOf(server).charges.length - before).toBe(1);
        expect(await em().count(Payment, { where: { organizationId: o.orgId } })).toBe(1);
        // a new card and a new key buy
        await ok(server.gql(SET_CARD, { token: 'tok_visa' }, o.adminToken));
        expect(
          (await server.gql(PURCHASE, { quantity: 5, key: newKey() }, o.adminToken)).data!.purchaseCredits.payment
            .status,
        ).toBe('SUCCEEDED');
      },
    );

    it('R13: without a payment method it is PAYMENT_FAILED saying so, and nothing is written or remembered', async () => {
      const o = await org();
      const key = newKey();
      const res = await server.gql(PURCHASE, { quantity: 5, key }, o.adminToken);
      expect(res.errors?.[0].extensions?.code).toBe('PAYMENT_FAILED');
      expect(res.errors?.[0].message).toMatch(/payment method/i);
      expect(await em().count(Payment, { where: { organizationId: o.orgId } })).toBe(0);
      expect(await em().count(IdempotencyKey, { where: { organizationId: o.orgId } })).toBe(0);
      await ok(server.gql(SET_CARD, { token: 'tok_visa' }, o.adminToken));
      expect((await server.gql(PURCHASE, { quantity: 5, key }, o.adminToken)).data!.purchaseCredits.quantity).toBe(5);
    });

    it('R13: validation: quantity 1..100,000 and a non-empty key; R1: MANAGE_BILLING; R5: another organization is NOT_FOUND', async () => {
      const o = await org('tok_visa');
      const other = await org('tok_visa');
      expect(
        (await server.gql(PURCHASE, { quantity: 0, key: newKey() }, o.adminToken)).errors?.[0].extensions,
      ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'quantity' });
      expect((await server.gql(PURCHASE, { quantity: 1, key: '' }, o.adminToken)).errors?.[0].extensions).toMatchObject(
        { code: 'BAD_USER_INPUT', field: 'idempotencyKey' },
      );
      expect(codes(await server.gql(PURCHASE, { quantity: 1, key: newKey() }, o.manager.token))).toEqual(['FORBIDDEN']);
      expect(
        codes(await server.gql(PURCHASE, { quantity: 1, key: newKey(), organizationId: other.orgId }, o.adminToken)),
      ).toEqual(['NOT_FOUND']);
      expect((await creditState(server, other.orgId)).lots).toEqual([]);
      expect((await creditState(server, o.orgId)).lots).toEqual([]);
    });
  });

  describe('R13: grantCredits (annual upfront purchase)', () => {
    it('R13: an ANNUAL lot at the volume tier with an optional expiry, a GRANT entry, findable for the next invoice', async () => {
      const o = await org();
      const expiresAt = new Date(clock.now().getTime() + 365 * DAY);
      const res = await server.gql(
        GRANT,
        { organizationId: o.orgId, quantity: 500, expiresAt: expiresAt.toISOString(), key: newKey() },
        server.operatorToken,
      );
      expect(res.data!.grantCredits).toMatchObject({
        source: 'ANNUAL',
        quantity: 500,
        remaining: 500,
        unitPrice: { cents: 850 },
        expiresAt: expiresAt.toISOString(),
      });
      const lot = await em().findOneByOrFail(CreditLot, { id: res.data!.grantCredits.id });
      expect(lot).toMatchObject({ totalCents: 425_000, discountPercent: 15 });
      // R17: invoices bill lots with source ANNUAL bought in the period as CREDIT_PURCHASE
      const period = await server.app.services.organizations.currentPeriod(em(), o.orgId);
      const annual = await em()
        .createQueryBuilder(CreditLot, 'l')
        .where('l.organizationId = :org AND l.source = :source AND l.purchasedAt >= :start AND l.purchasedAt < :end', {
          org: o.orgId,
          source: CreditSource.ANNUAL,
          start: period!.start,
          end: period!.end,
        })
        .getMany();
      expect(annual.map((l) => l.id)).toEqual([lot.id]);
      expect(lot.periodId).toBe(period!.id);
      const balance = await balanceOf(o.adminToken);
      expect(balance.ledger.nodes[0]).toMatchObject({ kind: 'GRANT', quantity: 500, balanceAfter: 500 });
    });

    it('R13: expiresAt must lie in the future; operators only; unknown organization NOT_FOUND; the same key returns the same lot', async () => {
      const o = await org();
      const past = new Date(clock.now().getTime() - 1000).toISOString();
      expect(
        (
          await server.gql(
            GRANT,
            { organizationId: o.orgId, quantity: 5, expiresAt: past, key: newKey() },
            server.operatorToken,
          )
        ).errors?.[0].extensions,
      ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresAt' });
      expect(
        codes(await server.gql(GRANT, { organizationId: o.orgId, quantity: 5, key: newKey() }, o.adminToken)),
      ).toEqual(['FORBIDDEN']);
      expect(
        codes(
          await server.gql(
            GRANT,
            { organizationId: '00000000-0000-0000-0000-000000000000', quantity: 5, key: newKey() },
            server.operatorToken,
          ),
        ),
      ).toEqual(['NOT_FOUND']);
      const key = newKey();
      const first = (await ok(server.gql(GRANT, { organizationId: o.orgId, quantity: 5, key }, server.operatorToken)))
        .grantCredits;
      const again = (await ok(server.gql(GRANT, { organizationId: o.orgId, quantity: 5, key }, server.operatorToken)))
        .grantCredits;
      expect(again.id).toBe(first.id);
      expect(await em().count(CreditLot, { where: { organizationId: o.orgId } })).toBe(1);
    });
  });

  describe('R14, R15: premium content', () => {
    it('R14: assigning consumes nothing; starting consumes once, however often it is called', async () => {
      const o = await org();
      await grant(server, o.orgId, 10);
      const id = await assign(server, o.adminToken, o.employee.id, 3);
      expect((await balanceOf(o.adminToken)).available).toBe(10);
      const started = (await ok(server.gql(START, { id }, o.employee.token))).startTraining;
      expect(started).toMatchObject({ status: 'STARTED', creditsFromBalance: 3, creditsOverage: 0 });
      for (const token of [o.employee.token, o.adminToken, server.operatorToken]) {
        expect((await ok(server.gql(START, { id }, token))).startTraining).toEqual(started);
      }
      const balance = await balanceOf(o.adminToken);
      expect(balance).toMatchObject({ available: 7, consumedThisPeriod: 3, overageThisPeriod: 0 });
      expect(balance.ledger.nodes.filter((e: { kind: string }) => e.kind === 'CONSUMPTION')).toEqual([
        expect.objectContaining({ quantity: -3, balanceAfter: 7, assignment: { id } }),
      ]);
      expectLedgerBalances(await creditState(server, o.orgId));
    });

    it('R15: soonest-expiring lot first, never-expiring last; one CONSUMPTION entry per lot touched', async () => {
      const o = await org('tok_visa');
      const dashboard = (await ok(server.gql(PURCHASE, { quantity: 5, key: newKey() }, o.adminToken))).purchaseCredits
        .lot.id;
      const late = await grant(server, o.orgId, 4, new Date(clock.now().getTime() + 60 * DAY));
      const soon = await grant(server, o.orgId, 2, new Date(clock.now().getTime() + 10 * DAY));
      const balance = await balanceOf(o.adminToken);
      expect(balance.lots.map((l: { id: string }) => l.id)).toEqual([soon, late, dashboard]);
      const id = await assign(server, o.adminToken, o.employee.id, 7);
      await ok(server.gql(START, { id }, o.employee.token));
      const after = await balanceOf(o.adminToken);
      const consumption = after.ledger.nodes.filter((e: { kind: string }) => e.kind === 'CONSUMPTION').reverse();
      expect(consumption).toEqual([
        expect.objectContaining({ quantity: -2, balanceAfter: 9, lot: { id: soon } }),
        expect.objectContaining({ quantity: -4, balanceAfter: 5, lot: { id: late } }),
        expect.objectContaining({ quantity: -1, balanceAfter: 4, lot: { id: dashboard } }),
      ]);
      expect(after.lots).toEqual([expect.objectContaining({ id: dashboard, remaining: 4 })]);
      expectLedgerBalances(await creditState(server, o.orgId));
    });

    it('R15: what the balance cannot cover is overage: an OVERAGE entry counting credits billed, balance unchanged, at the unit price', async () => {
      const o = await org();
      await grant(server, o.orgId, 2);
      const id = await assign(server, o.adminToken, o.employee.id, 5);
      expect((await ok(server.gql(START, { id }, o.manager.token))).startTraining).toMatchObject({
        creditsFromBalance: 2,
        creditsOverage: 3,
      });
      const balance = await balanceOf(o.adminToken);
      expect(balance).toMatchObject({
        available: 0,
        consumedThisPeriod: 5,
        overageThisPeriod: 3,
        overageCharge: { cents: 3000 },
        unitPrice: { cents: 1000 },
      });
      expect(balance.ledger.nodes[0]).toMatchObject({
        kind: 'OVERAGE',
        quantity: 3,
        balanceAfter: 0,
        lot: null,
        assignment: { id },
      });
      // at zero balance the whole assignment is overage
      const next = await assign(server, o.adminToken, o.employee.id, 2);
      expect((await ok(server.gql(START, { id: next }, o.employee.token))).startTraining).toMatchObject({
        creditsFromBalance: 0,
        creditsOverage: 2,
      });
      expect(await balanceOf(o.adminToken)).toMatchObject({
        available: 0,
        overageThisPeriod: 5,
        overageCharge: { cents: 5000 },
        consumedThisPeriod: 7,
      });
      expectLedgerBalances(await creditState(server, o.orgId));
    });

    it('R14: the assignee, ASSIGN_CONTENT holders and operators may start; other users may not; the assignee must be active', async () => {
      const o = await org();
      const colleague = await addUser(server, o.adminToken, { role: 'EMPLOYEE' });
      const id = await assign(server, o.manager.token, o.employee.id);
      expect(codes(await server.gql(START, { id }, colleague.token))).toEqual(['FORBIDDEN']);
      expect(codes(await server.gql(START, { id }, null))).toEqual(['UNAUTHENTICATED']);
      await ok(
        server.gql(`mutation($id: ID!) { deactivateUser(id: $id) { status } }`, { id: o.employee.id }, o.adminToken),
      );
      expect(codes(await server.gql(START, { id }, o.manager.token))).toEqual(['CONFLICT']);
      expect((await creditState(server, o.orgId)).entries).toEqual([]);
      await ok(
        server.gql(`mutation($id: ID!) { reactivateUser(id: $id) { status } }`, { id: o.employee.id }, o.adminToken),
      );
      expect((await ok(server.gql(START, { id }, server.operatorToken))).startTraining.status).toBe('STARTED');
    });

    it('R14: cancelling before start costs nothing; after start it is CONFLICT; a cancelled assignment cannot start', async () => {
      const o = await org();
      await grant(server, o.orgId, 5);
      const a = await assign(server, o.adminToken, o.employee.id, 2);
      expect((await ok(server.gql(CANCEL, { id: a }, o.manager.token))).cancelAssignment.status).toBe('CANCELLED');
      expect(codes(await server.gql(START, { id: a }, o.employee.token))).toEqual(['CONFLICT']);
      const b = await assign(server, o.adminToken, o.employee.id, 2);
      await ok(server.gql(START, { id: b }, o.employee.token));
      expect(codes(await server.gql(CANCEL, { id: b }, o.manager.token))).toEqual(['CONFLICT']);
      expect(codes(await server.gql(CANCEL, { id: b }, o.employee.token))).toEqual(['FORBIDDEN']);
      expect((await balanceOf(o.adminToken)).available).toBe(3);
    });

    it('R14: assignment input: credits 1..1000 (default 1), contentId 1..200 characters, an active user of the organization', async () => {
      const o = await org();
      const other = await org();
      const input = (extra: Record<string, unknown>) => ({
        input: { userId: o.employee.id, contentId: 'c', ...extra },
      });
      expect((await ok(server.gql(ASSIGN, input({}), o.adminToken))).assignPremiumContent).toMatchObject({
        credits: 1,
        status: 'ASSIGNED',
        creditsFromBalance: 0,
        creditsOverage: 0,
      });
      for (const extra of [{ credits: 0 }, { credits: 1001 }, { contentId: '' }, { contentId: 'x'.repeat(201) }]) {
        expect(codes(await server.gql(ASSIGN, input(extra), o.adminToken))).toEqual(['BAD_USER_INPUT']);
      }
      expect(codes(await server.gql(ASSIGN, input({ userId: other.employee.id }), o.adminToken))).toEqual([
        'NOT_FOUND',
      ]);
      expect(codes(await server.gql(ASSIGN, input({}), o.employee.token))).toEqual(['FORBIDDEN']);
      await ok(
        server.gql(`mutation($id: ID!) { deactivateUser(id: $id) { status } }`, { id: o.employee.id }, o.adminToken),
      );
      expect((await server.gql(ASSIGN, input({}), o.adminToken)).errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'userId',
      });
      expect((await creditState(server, o.orgId)).assignments).toHaveLength(1);
      expect((await creditState(server, other.orgId)).assignments).toHaveLength(0);
    });

    it('R14: Organization.assignments lists them newest first, by status, in pages (ASSIGN_CONTENT)', async () => {
      const o = await org();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        clock.advance(1000);
        ids.push(await assign(server, o.adminToken, o.employee.id));
      }
      await ok(server.gql(START, { id: ids[1] }, o.employee.token));
      const q = `query($status: AssignmentStatus, $after: String) { organization { assignments(status: $status, first: 2, after: $after) { totalCount nodes { id status user { id } } pageInfo { hasNextPage endCursor } } } }`;
      const page1 = (await ok(server.gql(q, {}, o.manager.token))).organization.assignments;
      expect(page1.totalCount).toBe(3);
      expect(page1.nodes.map((n: { id: string }) => n.id)).toEqual([ids[2], ids[1]]);
      expect(page1.nodes[0].user.id).toBe(o.employee.id);
      const page2 = (await ok(server.gql(q, { after: page1.pageInfo.endCursor }, o.manager.token))).organization
        .assignments;
      expect(page2.nodes.map((n: { id: string }) => n.id)).toEqual([ids[0]]);
      expect(page2.pageInfo.hasNextPage).toBe(false);
      expect(
        (await ok(server.gql(q, { status: 'STARTED' }, o.manager.token))).organization.assignments.nodes.map(
          (n: { id: string }) => n.id,
        ),
      ).toEqual([ids[1]]);
      expect(codes(await server.gql(q, {}, o.employee.token))).toEqual(['FORBIDDEN']);
    });
  });

  describe('R5: tenancy and R21: termination', () => {
    it("R5: another organization's assignment ids answer NOT_FOUND and nothing is written", async () => {
      const a = await org();
      const b = await org();
      await grant(server, b.orgId, 5);
      const theirs = await assign(server, b.adminToken, b.employee.id, 2);
      const before = await creditState(server, b.orgId);
      expect(codes(await server.gql(START, { id: theirs }, a.adminToken))).toEqual(['NOT_FOUND']);
      expect(codes(await server.gql(CANCEL, { id: theirs }, a.adminToken))).toEqual(['NOT_FOUND']);
      expect(
        codes(
          await server.gql(
            `query($id: ID) { creditQuote(quantity: 5, organizationId: $id) { total { cents } } }`,
            { id: b.orgId },
            a.adminToken,
          ),
        ),
      ).toEqual(['NOT_FOUND']);
      expect(
        codes(
          await server.gql(
            `query($id: ID) { organization(id: $id) { creditBalance { available } } }`,
            { id: b.orgId },
            a.adminToken,
          ),
        ),
      ).toEqual(['NOT_FOUND']);
      expect(await creditState(server, b.orgId)).toEqual(before);
    });

    it('R21: a terminated organization refuses purchases, grants, assignments, starts and cancels, but takes a new card', async () => {
      const o = await org('tok_visa');
      await grant(server, o.orgId, 5);
      const pending = await assign(server, o.adminToken, o.employee.id);
      const other = await assign(server, o.adminToken, o.employee.id);
      await em().update(Organization, { id: o.orgId }, { status: OrganizationStatus.TERMINATED });
      const before = await creditState(server, o.orgId);
      expect(codes(await server.gql(PURCHASE, { quantity: 1, key: newKey() }, o.adminToken))).toEqual([
        'ORGANIZATION_TERMINATED',
      ]);
      expect(
        codes(await server.gql(GRANT, { organizationId: o.orgId, quantity: 1, key: newKey() }, server.operatorToken)),
      ).toEqual(['ORGANIZATION_TERMINATED']);
      expect(
        codes(await server.gql(ASSIGN, { input: { userId: o.employee.id, contentId: 'c' } }, o.adminToken)),
      ).toEqual(['ORGANIZATION_TERMINATED']);
      expect(codes(await server.gql(START, { id: pending }, o.employee.token))).toEqual(['ORGANIZATION_TERMINATED']);
      expect(codes(await server.gql(CANCEL, { id: other }, o.adminToken))).toEqual(['ORGANIZATION_TERMINATED']);
      expect(await creditState(server, o.orgId)).toEqual(before);
      expect(
        (await ok(server.gql(SET_CARD, { token: 'tok_mastercard' }, o.adminToken))).updatePaymentMethod.last4,
      ).toBe('4444');
    });
  });

  describe('expiry', () => {
    it('lots past expiresAt stop counting at once; expireLots writes one EXPIRY entry per lot, once', async () => {
      const o = await org();
      const lot = await grant(server, o.orgId, 8, new Date(clock.now().getTime() + 5 * DAY));
      await grant(server, o.orgId, 3);
      const used = await assign(server, o.adminToken, o.employee.id, 2);
      await ok(server.gql(START, { id: used }, o.employee.token)); // takes 2 from the expiring lot
      clock.advance(6 * DAY);
      expect((await balanceOf(o.adminToken)).available).toBe(3);
      const ctx = { em: em() };
      const runs = await Promise.all([0, 1, 2].map(() => server.app.services.credits.expireLots(ctx, clock.now())));
      expect(runs.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
      expect(await server.app.services.credits.expireLots(ctx, clock.now())).toBe(0);
      const state = await creditState(server, o.orgId);
      expect(state.entries.filter((e) => e.kind === 'EXPIRY')).toEqual([
        expect.objectContaining({ quantity: -6, balanceAfter: 3, lotId: lot }),
      ]);
      expectLedgerBalances(state);
      expect((await balanceOf(o.adminToken)).available).toBe(3);
    });

    it('consumption never takes from an expired lot, even before expireLots ran', async () => {
      const o = await org();
      await grant(server, o.orgId, 5, new Date(clock.now().getTime() + DAY));
      clock.advance(2 * DAY);
      const id = await assign(server, o.adminToken, o.employee.id, 2);
      expect((await ok(server.gql(START, { id }, o.employee.token))).startTraining).toMatchObject({
        creditsFromBalance: 0,
        creditsOverage: 2,
      });
      const state = await creditState(server, o.orgId);
      expect(state.entries.map((e) => [e.kind, e.quantity, e.balanceAfter])).toEqual([
        ['GRANT', 5, 5],
        ['EXPIRY', -5, 0],
        ['OVERAGE', 2, 0],
      ]);
      expectLedgerBalances(state);
    });
  });

  describe('R16: alerts', () => {
    it('R16: CREDITS_LOW at or below 10% of the last purchase, CREDITS_DEPLETED at 0, once per crossing', async () => {
      const o = await org('tok_visa');
      await ok(server.gql(PURCHASE, { quantity: 100, key: newKey() }, o.adminToken));
      const kinds = async () =>
        (await em().find(BillingAlert, { where: { organizationId: o.orgId }, order: { sequence: 'ASC' } })).map(
          (a) => a.kind,
        );
      const startWith = async (credits: number) =>
        ok(server.gql(START, { id: await assign(server, o.adminToken, o.employee.id, credits) }, o.employee.token));
      await startWith(89); // 11 left
      expect(await kinds()).toEqual([]);
      await startWith(1); // 10 left: crosses 10 %
      expect(await kinds()).toEqual(['CREDITS_LOW']);
      await startWith(5); // 5 left: still low, no new alert
      expect(await kinds()).toEqual(['CREDITS_LOW']);
      await startWith(7); // 0 left, 2 overage: depleted
      expect(await kinds()).toEqual(['CREDITS_LOW', 'CREDITS_DEPLETED']);
      await startWith(1); // overage only: nothing new
      expect(await kinds()).toEqual(['CREDITS_LOW', 'CREDITS_DEPLETED']);
      await grant(server, o.orgId, 20); // back above: threshold now 2 (R25: both end with CREDITS_RECOVERED)
      await startWith(17); // 3 left
      expect(await kinds()).toEqual(['CREDITS_LOW', 'CREDITS_DEPLETED', 'CREDITS_RECOVERED']);
      await startWith(1); // 2 left: low again
      await startWith(5); // 0: depleted again
      expect(await kinds()).toEqual([
        'CREDITS_LOW',
        'CREDITS_DEPLETED',
        'CREDITS_RECOVERED',
        'CREDITS_LOW',
        'CREDITS_DEPLETED',
      ]);
      const alerts = await em().find(BillingAlert, { where: { organizationId: o.orgId }, order: { sequence: 'ASC' } });
      expect(alerts[0].message).toMatch(/10%/);
    });
  });

  describe('R19: idempotency keys', () => {
    it('R19: keys are kept 24 hours, then purged', async () => {
      const o = await org('tok_visa');
      const key = newKey();
      await ok(server.gql(PURCHASE, { quantity: 1, key }, o.adminToken));
      const idempotency = server.app.services.idempotency;
      const ctx = { em: em() };
      clock.advance(23 * HOUR);
      await idempotency.purgeExpired(ctx, clock.now());
      expect(await em().count(IdempotencyKey, { where: { organizationId: o.orgId } })).toBe(1);
      expect(codes(await server.gql(PURCHASE, { quantity: 2, key }, o.adminToken))).toEqual(['IDEMPOTENCY_KEY_REUSED']);
      clock.advance(2 * HOUR);
      expect(await idempotency.purgeExpired(ctx, clock.now())).toBeGreaterThanOrEqual(1);
      expect(await em().count(IdempotencyKey, { where: { organizationId: o.orgId } })).toBe(0);
    });
  });
});
