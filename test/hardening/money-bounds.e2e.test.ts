import fc from 'fast-check';
import { ASSIGN, GRANT, newKey, PURCHASE, SET_CARD, START } from '../credits/credits-support';
import { safeInteger, safeIntegerTransformer } from '../../entities/columns';
import { sqlInstant } from '../../src/db/sql';
import {
  addUser,
  codes,
  CREATE_ORG,
  createOrg,
  DRIVERS,
  ok,
  OrgFixture,
  startServer,
  TestServer,
  uniqueEmail,
} from '../support/harness';
import {
  MAX_ASSIGNMENT_CREDITS,
  MAX_BILLED_CREDITS_PER_PERIOD,
  MAX_CONTRACTED_LICENSES,
  MAX_CREDIT_BALANCE,
  MAX_CREDIT_QUANTITY,
  MAX_INVOICE_TOTAL_CENTS,
  MAX_PAYMENT_TERMS_DAYS,
  MAX_UNIT_PRICE_CENTS,
} from '../../src/services/bounds';
import { DAY, HOUR, ManualClock } from '../support/clock';

const INVOICE = `id status lineItems { kind quantity unitPrice { cents } amount { cents } } subtotal { cents } total { cents } amountPaid { cents } amountDue { cents }`;
const CLOSE = `mutation($id: ID!) { closeBillingPeriod(organizationId: $id) { ${INVOICE} } }`;
const PAY = `mutation($id: ID!, $key: String!) { payInvoice(invoiceId: $id, idempotencyKey: $key) { ${INVOICE} payments { status amount { cents } } } }`;
const ALERTS = `{ organization { alerts(first: 50) { nodes { kind inUse contracted estimatedAdditionalCharge { cents formatted } } } } }`;
const UPDATE_CONTRACT = `mutation($id: ID!, $input: ContractInput!) { updateContract(organizationId: $id, input: $input) { licenseModel } }`;

const MAX_CONTRACT = {
  licenseModel: 'USER',
  seatPriceCents: MAX_UNIT_PRICE_CENTS,
  contractedSeats: MAX_CONTRACTED_LICENSES,
  locationPriceCents: MAX_UNIT_PRICE_CENTS,
  contractedLocations: MAX_CONTRACTED_LICENSES,
  creditUnitPriceCents: MAX_UNIT_PRICE_CENTS,
  paymentTermsDays: MAX_PAYMENT_TERMS_DAYS,
};

describe('R34: the cents transformer', () => {
  it('passes safe integers and nulls, refuses anything else both ways', () => {
    expect(safeIntegerTransformer.to(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(safeIntegerTransformer.from('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(safeIntegerTransformer.from(null)).toBeNull();
    for (const bad of [2 ** 53, -(2 ** 53), 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => safeIntegerTransformer.to(bad)).toThrow(RangeError);
    for (const bad of ['9007199254740993', '9007199254740992', '12.5', 'abc', 2 ** 53])
      expect(() => safeIntegerTransformer.from(bad)).toThrow(RangeError);
    expect(safeInteger('-42')).toBe(-42);
  });
});

/** The tables a refused input must leave untouched. */
const TABLES = [
  'organization',
  'user',
  'contract',
  'billing_period',
  'credit_lot',
  'credit_ledger_entry',
  'credit_purchase',
  'payment',
  'training_assignment',
  'idempotency_key',
  'invoice',
];

/**
 * R34 (money that fits): money columns are 64-bit, so the largest contract the API accepts can be invoiced and paid
 * to the cent on both drivers; every money and quantity input has a bound (src/services/bounds.ts) and one unit above
 * it is BAD_USER_INPUT, naming the field, writing nothing.
 */
describe.each(DRIVERS)('R34: money that fits on %s', (driver) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-07-01T00:00:00.000Z'));
  beforeAll(async () => {
    server = await startServer(driver, { appOptions: { clock } });
  });
  afterAll(async () => {
    await server?.close();
  });

  const rowCounts = async () => {
    const counts: Record<string, number> = {};
    for (const table of TABLES)
      counts[table] = Number((await server.app.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
    return counts;
  };
  const sumOfLines = (invoice: any) => invoice.lineItems.reduce((sum: number, line: any) => sum + line.amount.cents, 0);

  it('R34: an invoice at the largest contract, grant and overage is issued and paid to the cent', async () => {
    const org = await createOrg(server, MAX_CONTRACT);
    await ok(server.gql(SET_CARD, { token: 'tok_visa' }, org.adminToken));
    clock.advance(DAY);
    // 1,000 credits used at zero balance (CREDIT_OVERAGE), then the largest annual grant (CREDIT_PURCHASE).
    const learner = await addUser(server, org.adminToken);
    const assignment = await ok(
      server.gql(
        ASSIGN,
        { input: { userId: learner.id, contentId: 'c-max', credits: MAX_ASSIGNMENT_CREDITS } },
        org.adminToken,
      ),
    );
    expect(
      (await ok(server.gql(START, { id: assignment.assignPremiumContent.id }, learner.token))).startTraining
        .creditsOverage,
    ).toBe(MAX_ASSIGNMENT_CREDITS);
    await ok(
      server.gql(
        GRANT,
        { organizationId: org.orgId, quantity: MAX_CREDIT_QUANTITY, key: newKey('grant') },
        server.operatorToken,
      ),
    );
    clock.advance(DAY);
    const res = await server.gql(CLOSE, { id: org.orgId }, server.operatorToken);
    expect(res.errors).toBeUndefined();
    const invoice = res.data.closeBillingPeriod;
    const seats = MAX_CONTRACTED_LICENSES * MAX_UNIT_PRICE_CENTS; // 10^14
    const grantTotal = (MAX_CREDIT_QUANTITY * MAX_UNIT_PRICE_CENTS * 80) / 100; // 20% volume discount
    const overage = MAX_ASSIGNMENT_CREDITS * MAX_UNIT_PRICE_CENTS;
    expect(invoice.lineItems).toEqual([
      {
        kind: 'SEATS',
        quantity: MAX_CONTRACTED_LICENSES,
        unitPrice: { cents: MAX_UNIT_PRICE_CENTS },
        amount: { cents: seats },
      },
      {
        kind: 'CREDIT_PURCHASE',
        quantity: MAX_CREDIT_QUANTITY,
        unitPrice: { cents: 80_000_000 },
        amount: { cents: grantTotal },
      },
      {
        kind: 'CREDIT_OVERAGE',
        quantity: MAX_ASSIGNMENT_CREDITS,
        unitPrice: { cents: MAX_UNIT_PRICE_CENTS },
        amount: { cents: overage },
      },
    ]);
    expect(invoice.total.cents).toBe(108_100_000_000_000);
    expect(invoice.subtotal.cents).toBe(invoice.total.cents);
    expect(sumOfLines(invoice)).toBe(invoice.total.cents);

    const paid = await server.gql(PAY, { id: invoice.id, key: newKey('pay') }, org.adminToken);
    expect(paid.errors).toBeUndefined();
    expect(paid.data.payInvoice).toMatchObject({
      status: 'PAID',
      amountPaid: { cents: 108_100_000_000_000 },
      amountDue: { cents: 0 },
      payments: [{ status: 'SUCCEEDED', amount: { cents: 108_100_000_000_000 } }],
    });
  });

  it('R34: the largest dashboard purchase is charged to the cent', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', creditUnitPriceCents: MAX_UNIT_PRICE_CENTS });
    await ok(server.gql(SET_CARD, { token: 'tok_visa' }, org.adminToken));
    const bought = (
      await ok(server.gql(PURCHASE, { quantity: MAX_CREDIT_QUANTITY, key: newKey('buy') }, org.adminToken))
    ).purchaseCredits;
    expect(bought).toMatchObject({
      total: { cents: 8_000_000_000_000 },
      payment: { status: 'SUCCEEDED', amount: { cents: 8_000_000_000_000 } },
    });
  });

  it('R34/R11: addUser beyond the contract at the largest seat price raises an exact overage estimate above 32 bits', async () => {
    const org = await createOrg(server, {
      licenseModel: 'USER',
      contractedSeats: 0,
      seatPriceCents: MAX_UNIT_PRICE_CENTS,
    });
    for (let i = 0; i < 22; i++) {
      clock.advance(1000);
      const res = await server.gql(
        `mutation($input: AddUserInput!) { addUser(input: $input) { id } }`,
        { input: { email: uniqueEmail(), name: 'Seat' } },
        org.adminToken,
      );
      expect(codes(res)).toEqual([]);
    }
    const alerts = (await ok(server.gql(ALERTS, {}, org.adminToken))).organization.alerts.nodes;
    const largest = alerts.find((a: any) => a.inUse === 23);
    expect(largest).toMatchObject({
      kind: 'SEAT_OVERAGE',
      contracted: 0,
      estimatedAdditionalCharge: { cents: 2_300_000_000, formatted: '$23,000,000.00' },
    });
    clock.advance(DAY);
    const invoice = (await ok(server.gql(CLOSE, { id: org.orgId }, server.operatorToken))).closeBillingPeriod;
    expect(invoice.lineItems).toEqual([
      {
        kind: 'SEAT_OVERAGE',
        quantity: 23,
        unitPrice: { cents: MAX_UNIT_PRICE_CENTS },
        amount: { cents: 2_300_000_000 },
      },
    ]);
    expect(invoice.total.cents).toBe(2_300_000_000);
  });

  it('R34: a stored amount beyond SafeInt is refused when read, never rounded', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', seatPriceCents: 1500 });
    const query = `query($id: ID) { organization(id: $id) { contract { seatPrice { cents } } } }`;
    expect(
      (await ok(server.gql(query, { id: org.orgId }, server.operatorToken))).organization.contract.seatPrice.cents,
    ).toBe(1500);
    // Only a hand-edited database holds such a value: the API never writes one (bounds.ts).
    await server.app.dataSource.query(
      'UPDATE contract SET seatPriceCents = 9007199254740993 WHERE organizationId = ?',
      [org.orgId],
    );
    const res = await server.gql(query, { id: org.orgId }, server.operatorToken);
    expect(codes(res)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(JSON.stringify(res)).not.toMatch(/900719925474099/);
  });

  describe('R34: one unit above each bound is BAD_USER_INPUT and writes nothing', () => {
    let org: OrgFixture;
    let learnerId: string;
    beforeAll(async () => {
      org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 5 });
      await ok(server.gql(SET_CARD, { token: 'tok_visa' }, org.adminToken));
      learnerId = (await addUser(server, org.adminToken)).id;
    });

    const contractFields: Array<[string, number]> = [
      ['seatPriceCents', MAX_UNIT_PRICE_CENTS],
      ['locationPriceCents', MAX_UNIT_PRICE_CENTS],
      ['creditUnitPriceCents', MAX_UNIT_PRICE_CENTS],
      ['contractedSeats', MAX_CONTRACTED_LICENSES],
      ['contractedLocations', MAX_CONTRACTED_LICENSES],
      ['paymentTermsDays', MAX_PAYMENT_TERMS_DAYS],
    ];

    it.each(contractFields)('createOrganization and updateContract with %s = bound + 1', async (field, bound) => {
      const before = await rowCounts();
      const created = await server.gql(
        CREATE_ORG,
        {
          input: {
            name: 'Too big',
            admin: { email: uniqueEmail(), name: 'A' },
            contract: { licenseModel: 'USER', [field]: bound + 1 },
          },
        },
        server.operatorToken,
      );
      expect(codes(created)).toEqual(['BAD_USER_INPUT']);
      expect(created.errors![0].extensions!.field).toBe(`contract.${field}`);
      const updated = await server.gql(
        UPDATE_CONTRACT,
        { id: org.orgId, input: { licenseModel: 'USER', [field]: bound + 1 } },
        server.operatorToken,
      );
      expect(codes(updated)).toEqual(['BAD_USER_INPUT']);
      expect(updated.errors![0].extensions!.field).toBe(field);
      expect(await rowCounts()).toEqual(before);
    });

    it('credit quantities: creditQuote, purchaseCredits and grantCredits with bound + 1', async () => {
      const before = await rowCounts();
      const quantity = MAX_CREDIT_QUANTITY + 1;
      const quote = await server.gql(
        `query($q: Int!) { creditQuote(quantity: $q) { total { cents } } }`,
        { q: quantity },
        org.adminToken,
      );
      const purchase = await server.gql(PURCHASE, { quantity, key: newKey('too-many') }, org.adminToken);
      const granted = await server.gql(
        GRANT,
        { organizationId: org.orgId, quantity, key: newKey('too-many') },
        server.operatorToken,
      );
      for (const res of [quote, purchase, granted]) {
        expect(codes(res)).toEqual(['BAD_USER_INPUT']);
        expect(res.errors![0].extensions!.field).toBe('quantity');
      }
      expect(await rowCounts()).toEqual(before);
    });

    it('assignPremiumContent with credits = bound + 1', async () => {
      const before = await rowCounts();
      const res = await server.gql(
        ASSIGN,
        { input: { userId: learnerId, contentId: 'too-many', credits: MAX_ASSIGNMENT_CREDITS + 1 } },
        org.adminToken,
      );
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].extensions!.field).toBe('credits');
      expect(await rowCounts()).toEqual(before);
    });
  });

  it('R34: credits billed in one period (grants and overage) stop at their bound: a further grant is BAD_USER_INPUT, a further overage start CONFLICT', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', creditUnitPriceCents: MAX_UNIT_PRICE_CENTS });
    const learner = await addUser(server, org.adminToken);
    const assignment = (
      await ok(server.gql(ASSIGN, { input: { userId: learner.id, contentId: 'over', credits: 1 } }, org.adminToken))
    ).assignPremiumContent.id;
    // Grants that expire within the hour fill the period's bound and leave no balance behind.
    const expiresAt = new Date(clock.now().getTime() + HOUR).toISOString();
    for (let billed = 0; billed < MAX_BILLED_CREDITS_PER_PERIOD; billed += MAX_CREDIT_QUANTITY) {
      await ok(
        server.gql(
          GRANT,
          { organizationId: org.orgId, quantity: MAX_CREDIT_QUANTITY, expiresAt, key: newKey('fill') },
          server.operatorToken,
        ),
      );
    }
    clock.advance(2 * HOUR);
    // The first write after the expiry instant expires the lots (lazy expiry, R15): the start is refused, nothing billed.
    expect(codes(await server.gql(START, { id: assignment }, learner.token))).toEqual(['CONFLICT']);
    expect(
      await server.app.dataSource.query('SELECT id FROM credit_ledger_entry WHERE assignmentId = ?', [assignment]),
    ).toEqual([]);
    const before = await rowCounts();
    const granted = await server.gql(
      GRANT,
      { organizationId: org.orgId, quantity: 1, key: newKey('beyond') },
      server.operatorToken,
    );
    expect(codes(granted)).toEqual(['BAD_USER_INPUT']);
    expect(granted.errors![0].extensions!.field).toBe('quantity');
    expect(codes(await server.gql(START, { id: assignment }, learner.token))).toEqual(['CONFLICT']);
    expect(await rowCounts()).toEqual(before);
    clock.advance(DAY);
    const invoice = (await ok(server.gql(CLOSE, { id: org.orgId }, server.operatorToken))).closeBillingPeriod;
    expect(invoice.total.cents).toBe(sumOfLines(invoice));
    expect(invoice.total.cents).toBe((100 * (MAX_CREDIT_QUANTITY * MAX_UNIT_PRICE_CENTS * 80)) / 100);
  });

  it('R34: a purchase beyond the largest balance is BAD_USER_INPUT and charges nothing', async () => {
    const org = await createOrg(server, { licenseModel: 'USER' });
    await ok(server.gql(SET_CARD, { token: 'tok_visa' }, org.adminToken));
    // 10,000 purchases reach the bound through the API; the ledger head is written directly instead (the ledger takes inserts).
    await server.app.dataSource.query(
      'INSERT INTO credit_ledger_entry (id, organizationId, sequence, kind, quantity, balanceAfter, createdAt) VALUES (?, ?, 1, ?, ?, ?, ?)',
      [
        `seed-${org.orgId.slice(0, 20)}`,
        org.orgId,
        'GRANT',
        MAX_CREDIT_BALANCE - 10,
        MAX_CREDIT_BALANCE - 10,
        sqlInstant(server.app.dataSource.manager, clock.now()),
      ],
    );
    const before = await rowCounts();
    const res = await server.gql(PURCHASE, { quantity: 11, key: newKey('full') }, org.adminToken);
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe('quantity');
    expect(await rowCounts()).toEqual(before);
    expect(
      (await ok(server.gql(PURCHASE, { quantity: 10, key: newKey('fits') }, org.adminToken))).purchaseCredits.quantity,
    ).toBe(10);
  });

  it('R34 (property): any contract, grant and overage within the bounds issues an invoice whose total is the exact sum of its lines', async () => {
    const bounded = (max: number) => fc.oneof(fc.constant(max), fc.constant(0), fc.integer({ min: 0, max }));
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          licenseModel: fc.constantFrom('USER', 'LOCATION'),
          seatPriceCents: bounded(MAX_UNIT_PRICE_CENTS),
          contractedSeats: bounded(MAX_CONTRACTED_LICENSES),
          locationPriceCents: bounded(MAX_UNIT_PRICE_CENTS),
          contractedLocations: bounded(MAX_CONTRACTED_LICENSES),
          creditUnitPriceCents: bounded(MAX_UNIT_PRICE_CENTS),
        }),
        fc.option(fc.integer({ min: 1, max: MAX_CREDIT_QUANTITY }), { nil: null }),
        fc.integer({ min: 0, max: MAX_ASSIGNMENT_CREDITS }),
        async (contract, granted, overageCredits) => {
          const org = await createOrg(server, contract);
          clock.advance(1000);
          if (overageCredits > 0) {
            const a = await ok(
              server.gql(
                ASSIGN,
                { input: { userId: org.adminId, contentId: 'p', credits: overageCredits } },
                org.adminToken,
              ),
            );
            await ok(server.gql(START, { id: a.assignPremiumContent.id }, org.adminToken));
          }
          if (granted)
            await ok(
              server.gql(
                GRANT,
                { organizationId: org.orgId, quantity: granted, key: newKey('p') },
                server.operatorToken,
              ),
            );
          clock.advance(1000);
          const invoice = (await ok(server.gql(CLOSE, { id: org.orgId }, server.operatorToken))).closeBillingPeriod;
          for (const line of invoice.lineItems) expect(Number.isSafeInteger(line.amount.cents)).toBe(true);
          expect(invoice.total.cents).toBe(sumOfLines(invoice));
          expect(invoice.subtotal.cents).toBe(invoice.total.cents);
          expect(invoice.total.cents).toBeLessThanOrEqual(MAX_INVOICE_TOTAL_CENTS);
          const contracted = contract.licenseModel === 'USER' ? contract.contractedSeats : contract.contractedLocations;
          const price = contract.licenseModel === 'USER' ? contract.seatPriceCents : contract.locationPriceCents;
          // One admin (USER) or no location is in use: the contracted licenses are billed, plus an admin beyond 0 seats.
          const licensed = contract.licenseModel === 'USER' ? Math.max(contracted, 1) : contracted;
          const discounted = granted
            ? Math.floor(
                (granted *
                  contract.creditUnitPriceCents *
                  (100 - (granted >= 1000 ? 20 : granted >= 500 ? 15 : granted >= 100 ? 10 : 0)) +
                  50) /
                  100,
              )
            : 0;
          expect(invoice.total.cents).toBe(
            licensed * price + discounted + overageCredits * contract.creditUnitPriceCents,
          );
        },
      ),
      { numRuns: driver === 'sqlite' ? 60 : 40 },
    );
  });
});
