import { addUser, createOrg, DRIVERS, OrgFixture, startServer, TestServer } from '../support/harness';
import { HOUR, ManualClock } from '../support/clock';

const LINES = `lineItems { kind description quantity unitPrice { cents } amount { cents } peakAt } total { cents } status`;

/**
 * R9, R10, R17: the license lines of an invoice, as a table — peak below, at and above the contract, for both
 * license models; a transfer at one instant is no peak; an empty period bills nothing.
 */
describe.each(DRIVERS)('invoice math (R9, R10, R17) on %s', (driver) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-05-01T08:00:00.000Z'));
  beforeAll(async () => {
    server = await startServer(driver, { appOptions: { clock } });
  });
  afterAll(async () => {
    await server.close();
  });

  const close = async (org: OrgFixture) => {
    clock.advance(HOUR);
    const res = await server.gql(
      `mutation($id: ID!) { closeBillingPeriod(organizationId: $id) { ${LINES} } }`,
      { id: org.orgId },
      server.operatorToken,
    );
    expect(res.errors).toBeUndefined();
    return res.data.closeBillingPeriod;
  };
  const at = () => clock.now().toISOString();

  describe('USER model: 3 contracted seats at $15.00', () => {
    const contract = { licenseModel: 'USER', contractedSeats: 3, seatPriceCents: 1500 };

    it.each([
      ['below the contract', 2, []],
      ['at the contract', 3, []],
      [
        'above the contract',
        5,
        [
          {
            kind: 'SEAT_OVERAGE',
            quantity: 2,
            amount: 3000,
            description: /^Peak of 5 active users on May 1, 2026, 3 contracted: 2 additional seats$/,
          },
        ],
      ],
    ])('peak %s (%i active users)', async (_label, peak, overage) => {
      clock.current = new Date('2026-05-01T08:00:00.000Z');
      const org = await createOrg(server, contract);
      let peakAt = at();
      const added = [];
      for (let i = 1; i < peak; i++) {
        clock.advance(HOUR);
        added.push(await addUser(server, org.adminToken));
        peakAt = at();
      }
      // back down afterwards: the invoice bills the peak, not the level at the end (R9)
      for (const u of added) {
        clock.advance(HOUR);
        await server.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id: u.id }, org.adminToken);
      }
      const invoice = await close(org);
      expect(invoice.lineItems).toEqual([
        {
          kind: 'SEATS',
          quantity: 3,
          unitPrice: { cents: 1500 },
          amount: { cents: 4500 },
          peakAt,
          description: expect.stringContaining('3 contracted seats at $15.00'),
        },
        ...overage.map((o) => ({
          kind: o.kind,
          quantity: o.quantity,
          unitPrice: { cents: 1500 },
          amount: { cents: o.amount },
          peakAt,
          description: expect.stringMatching(o.description),
        })),
      ]);
      expect(invoice.total.cents).toBe(4500 + overage.reduce((sum, o) => sum + o.amount, 0));
      expect(invoice.status).toBe('OPEN');
    });

    it('R8/R9: a transfer (deactivate and add at the same instant) is no new peak; reactivation beyond it is', async () => {
      clock.current = new Date('2026-05-02T08:00:00.000Z');
      const org = await createOrg(server, contract);
      const two = await addUser(server, org.adminToken);
      const three = await addUser(server, org.adminToken);
      clock.advance(HOUR);
      await server.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id: three.id }, org.adminToken);
      await addUser(server, org.adminToken); // same instant: the seat is passed on
      const transfer = await close(org);
      expect(transfer.lineItems.map((l: { kind: string }) => l.kind)).toEqual(['SEATS']);

      clock.advance(HOUR);
      await server.gql(`mutation($id: ID!) { reactivateUser(id: $id) { id } }`, { id: three.id }, org.adminToken);
      const reactivatedAt = at();
      clock.advance(HOUR);
      await server.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id: two.id }, org.adminToken);
      const next = await close(org);
      expect(next.lineItems).toEqual([
        expect.objectContaining({ kind: 'SEATS', quantity: 3 }),
        expect.objectContaining({ kind: 'SEAT_OVERAGE', quantity: 1, amount: { cents: 1500 }, peakAt: reactivatedAt }),
      ]);
    });
  });

  describe('LOCATION model: 2 contracted locations at $99.00; users hold no license (R10)', () => {
    const contract = { licenseModel: 'LOCATION', contractedLocations: 2, locationPriceCents: 9900, contractedSeats: 0 };

    it.each([
      ['below the contract', 1, 0],
      ['at the contract', 2, 0],
      ['above the contract', 3, 1],
    ])('peak %s (%i active locations)', async (_label, locations, overage) => {
      clock.current = new Date('2026-05-03T08:00:00.000Z');
      const org = await createOrg(server, contract);
      let peakAt = '';
      for (let i = 0; i < locations; i++) {
        clock.advance(HOUR);
        await server.gql(
          `mutation($n: String!) { addLocation(input: { name: $n }) { id } }`,
          { n: `Site ${i}` },
          org.adminToken,
        );
        peakAt = at();
      }
      for (let i = 0; i < 4; i++) await addUser(server, org.adminToken); // many users: no seat lines under LOCATION
      const invoice = await close(org);
      const expected = [
        {
          kind: 'LOCATIONS',
          quantity: 2,
          unitPrice: { cents: 9900 },
          amount: { cents: 19800 },
          peakAt,
          description: expect.stringContaining('2 contracted locations at $99.00'),
        },
      ];
      if (overage) {
        expected.push({
          kind: 'LOCATION_OVERAGE',
          quantity: overage,
          unitPrice: { cents: 9900 },
          amount: { cents: 9900 * overage },
          peakAt,
          description: expect.stringMatching(
            /^Peak of 3 active locations on May 3, 2026, 2 contracted: 1 additional location$/,
          ),
        });
      }
      expect(invoice.lineItems).toEqual(expected);
      expect(invoice.total.cents).toBe(19800 + 9900 * overage);
    });
  });

  it('an empty period with nothing contracted bills nothing and is issued PAID', async () => {
    const org = await createOrg(server, { licenseModel: 'LOCATION', contractedLocations: 0, locationPriceCents: 9900 });
    const invoice = await close(org);
    expect(invoice).toEqual({ lineItems: [], total: { cents: 0 }, status: 'PAID' });
  });
});
