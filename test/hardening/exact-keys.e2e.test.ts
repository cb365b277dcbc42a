import { BALANCE, newKey, PURCHASE, SET_CARD } from '../credits/credits-support';
import {
  addUser,
  codes,
  createOrg,
  DRIVERS,
  ok,
  OrgFixture,
  startServer,
  TestServer,
  uniqueEmail,
} from '../support/harness';
import { ManualClock } from '../support/clock';

const ADD_LOCATION = `mutation($name: String!) { addLocation(input: { name: $name }) { id name } }`;
const ADD_USER = `mutation($email: String!) { addUser(input: { email: $email, name: "Same person" }) { id email } }`;

/**
 * R34 (exact keys): idempotency keys, ids and every other identifier compare byte for byte on both drivers. On
 * MariaDB the tables are utf8mb4_nopad_bin (utf8mb4_bin would still equate 'k ' and 'k'): keys that differ only
 * in case, in a trailing space or in a titlecase digraph (ǅ / ǆ) are different keys. Emails stay case-insensitive
 * (lower-cased on write and on lookup).
 */
describe.each(DRIVERS)('R34: exact keys on %s', (driver) => {
  let server: TestServer;
  let org: OrgFixture;
  const clock = new ManualClock(new Date('2026-08-01T00:00:00.000Z'));
  beforeAll(async () => {
    server = await startServer(driver, { appOptions: { clock } });
    org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 10, creditUnitPriceCents: 1000 });
    await ok(server.gql(SET_CARD, { token: 'tok_visa' }, org.adminToken));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('R19/R34: keys differing only by case, a trailing space or ǅ/ǆ are distinct purchases; the exact key replays', async () => {
    const base = newKey('CaseKey-X');
    const keys = [base, base.toLowerCase(), `${base} `, `${base}  `, `ǅ${base}`, `ǆ${base}`, `Dž${base}`];
    const available = async () =>
      (await ok(server.gql(BALANCE, {}, org.adminToken))).organization.creditBalance.available;
    const before = await available();
    const purchases = [];
    for (const [i, key] of keys.entries()) {
      purchases.push((await ok(server.gql(PURCHASE, { quantity: i + 1, key }, org.adminToken))).purchaseCredits);
    }
    // Each one charged and granted its own credits.
    expect(new Set(purchases.map((p) => p.id)).size).toBe(keys.length);
    expect(new Set(purchases.map((p) => p.payment.id)).size).toBe(keys.length);
    purchases.forEach((p, i) =>
      expect(p).toMatchObject({ quantity: i + 1, total: { cents: (i + 1) * 1000 }, payment: { status: 'SUCCEEDED' } }),
    );
    const total = keys.reduce((sum, _k, i) => sum + i + 1, 0);
    expect(await available()).toBe(before + total);

    // The same exact key with the same arguments returns the first result and charges nothing.
    for (const [i, key] of keys.entries()) {
      const again = (await ok(server.gql(PURCHASE, { quantity: i + 1, key }, org.adminToken))).purchaseCredits;
      expect(again.id).toBe(purchases[i].id);
    }
    expect(await available()).toBe(before + total);
    const stored = await server.app.dataSource.query(
      'SELECT idempotencyKey FROM idempotency_key WHERE organizationId = ?',
      [org.orgId],
    );
    expect(stored.map((r: { idempotencyKey: string }) => r.idempotencyKey).sort()).toEqual([...keys].sort());
  });

  it('R5/R34: an id with another case or a trailing space is NOT_FOUND, not the row', async () => {
    const user = await addUser(server, org.adminToken);
    const query = `query($id: ID) { organization(id: $id) { id } }`;
    expect((await ok(server.gql(query, { id: org.orgId }, server.operatorToken))).organization.id).toBe(org.orgId);
    for (const id of [org.orgId.toUpperCase(), `${org.orgId} `]) {
      expect(codes(await server.gql(query, { id }, server.operatorToken))).toEqual(['NOT_FOUND']);
    }
    for (const id of [user.id.toUpperCase(), `${user.id} `]) {
      const res = await server.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id }, org.adminToken);
      expect(codes(res)).toEqual(['NOT_FOUND']);
    }
    const still = await server.gql(`query { organization { users { nodes { id status } } } }`, {}, org.adminToken);
    expect(still.data.organization.users.nodes.find((u: { id: string }) => u.id === user.id).status).toBe('ACTIVE');
  });

  it('R34: location names compare exactly on both drivers; emails stay case-insensitive', async () => {
    const name = `Berlin ${newKey('loc')}`;
    await ok(server.gql(ADD_LOCATION, { name }, org.adminToken));
    expect(codes(await server.gql(ADD_LOCATION, { name }, org.adminToken))).toEqual(['CONFLICT']);
    expect((await ok(server.gql(ADD_LOCATION, { name: name.toLowerCase() }, org.adminToken))).addLocation.name).toBe(
      name.toLowerCase(),
    );

    const email = uniqueEmail('Mixed.Case');
    expect((await ok(server.gql(ADD_USER, { email }, org.adminToken))).addUser.email).toBe(email.toLowerCase());
    for (const other of [email.toLowerCase(), email.toUpperCase()]) {
      expect(codes(await server.gql(ADD_USER, { email: other }, org.adminToken))).toEqual(['CONFLICT']);
    }
  });
});
