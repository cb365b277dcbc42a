import { BillingAlert, CreditLot, Payment } from '../../entities';
import { SandboxPaymentProvider } from '../../src/payments/sandbox-provider';
import { addUser, createOrg, DRIVERS, ok, startServer, TestServer } from '../support/harness';
import { assign, creditState, expectLedgerBalances, grant, PURCHASE, SET_CARD, START, newKey } from './credits-support';
import { DAY } from '../support/clock';

/**
 * R14–R16, R19 under concurrency. On MariaDB two server instances share one database (the "many places" of R14);
 * on SQLite (one in-memory database per instance) both handles are the same instance.
 */
describe.each(DRIVERS)('credits under concurrency on %s', (driver) => {
  let one: TestServer;
  let two: TestServer;
  const sandbox = new SandboxPaymentProvider();

  beforeAll(async () => {
    one = await startServer(driver, { appOptions: { paymentProvider: sandbox } });
    two =
      driver === 'mariadb'
        ? await startServer(driver, {
            databaseUrl: one.app.config.databaseUrl,
            appOptions: { paymentProvider: sandbox },
          })
        : one;
  });
  afterAll(async () => {
    if (two !== one) await two.close();
    await one.close();
  });

  const either = (i: number) => (i % 2 === 0 ? one : two);

  it('R15: 50 concurrent starts over 20 credits: exactly 20 from the balance, 30 overage, and the ledger equals the balance', async () => {
    const o = await createOrg(one, { licenseModel: 'USER', contractedSeats: 100 });
    const employee = await addUser(one, o.adminToken, { role: 'EMPLOYEE' });
    await grant(one, o.orgId, 20);
    const ids = await Promise.all(Array.from({ length: 50 }, () => assign(one, o.adminToken, employee.id, 1)));
    const results = await Promise.all(
      ids.map((id, i) => either(i).gql(START, { id }, i % 3 === 0 ? employee.token : o.adminToken)),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const started = results.map((r) => r.data.startTraining);
    expect(started.reduce((s, a) => s + a.creditsFromBalance, 0)).toBe(20);
    expect(started.reduce((s, a) => s + a.creditsOverage, 0)).toBe(30);
    const state = await creditState(one, o.orgId);
    expectLedgerBalances(state);
    expect(state.lotRemainders).toBe(0);
    expect(state.entries.filter((e) => e.kind === 'CONSUMPTION')).toHaveLength(20);
    expect(state.entries.filter((e) => e.kind === 'OVERAGE').reduce((s, e) => s + e.quantity, 0)).toBe(30);
    // one LOW (at 2 of 20) and one DEPLETED, each raised once
    expect(state.alerts.map((a) => a.kind)).toEqual(['CREDITS_LOW', 'CREDITS_DEPLETED']);
    const balance = (
      await ok(
        one.gql(
          `{ organization { creditBalance { available consumedThisPeriod overageThisPeriod overageCharge { cents } } } }`,
          {},
          o.adminToken,
        ),
      )
    ).organization.creditBalance;
    expect(balance).toEqual({
      available: 0,
      consumedThisPeriod: 50,
      overageThisPeriod: 30,
      overageCharge: { cents: 30_000 },
    });
  });

  it('R14: one assignment started 20 times at once, on two instances, consumes once and every caller gets the same result', async () => {
    const o = await createOrg(one, { licenseModel: 'USER', contractedSeats: 100 });
    const employee = await addUser(one, o.adminToken, { role: 'EMPLOYEE' });
    await grant(one, o.orgId, 10);
    const id = await assign(one, o.adminToken, employee.id, 3);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => either(i).gql(START, { id }, i % 2 ? employee.token : o.adminToken)),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const first = results[0].data.startTraining;
    expect(first).toMatchObject({ status: 'STARTED', creditsFromBalance: 3, creditsOverage: 0 });
    for (const r of results) expect(r.data.startTraining).toEqual(first);
    const state = await creditState(one, o.orgId);
    expect(state.entries.filter((e) => e.kind === 'CONSUMPTION')).toHaveLength(1);
    expect(state.lotRemainders).toBe(7);
    expectLedgerBalances(state);
  });

  it('R14, R5: starts sent together keep their own outcomes: refused ones change nothing, the others start', async () => {
    const o = await createOrg(one, { licenseModel: 'USER', contractedSeats: 100 });
    const other = await createOrg(one, { licenseModel: 'USER', contractedSeats: 100 });
    const employee = await addUser(one, o.adminToken, { role: 'EMPLOYEE' });
    const colleague = await addUser(one, o.adminToken, { role: 'EMPLOYEE' });
    const stranger = await addUser(one, other.adminToken, { role: 'EMPLOYEE' });
    await grant(one, o.orgId, 6);
    const valid = await Promise.all(Array.from({ length: 8 }, () => assign(one, o.adminToken, employee.id, 1)));
    const cancelled = await assign(one, o.adminToken, employee.id, 1);
    await ok(
      one.gql(`mutation($id: ID!) { cancelAssignment(assignmentId: $id) { status } }`, { id: cancelled }, o.adminToken),
    );
    const theirs = await assign(one, other.adminToken, stranger.id, 1);
    const calls: Array<[string, string, string | null]> = [
      ...valid.map((id): [string, string, string | null] => [id, employee.token, null]),
      [cancelled, o.adminToken, 'CONFLICT'],
      [theirs, o.adminToken, 'NOT_FOUND'],
      [valid[0], colleague.token, 'FORBIDDEN'],
      [valid[1], employee.token, null],
    ];
    const results = await Promise.all(calls.map(([id, token], i) => either(i).gql(START, { id }, token)));
    results.forEach((r, i) => expect(r.errors?.[0]?.extensions?.code ?? null).toBe(calls[i][2]));
    const started = results.filter((r) => r.data?.startTraining).map((r) => r.data.startTraining);
    expect(new Set(started.map((a) => a.id)).size).toBe(8);
    const state = await creditState(one, o.orgId);
    expectLedgerBalances(state);
    expect(state.entries.filter((e) => e.kind === 'CONSUMPTION').reduce((s, e) => s - e.quantity, 0)).toBe(6);
    expect(state.entries.filter((e) => e.kind === 'OVERAGE').reduce((s, e) => s + e.quantity, 0)).toBe(2);
    expect((await creditState(one, other.orgId)).assignments.map((a) => a.status)).toEqual(['ASSIGNED']);
  });

  it('R19: the same purchase sent 12 times at once, on two instances, charges once and answers one purchase', async () => {
    const o = await createOrg(one, { licenseModel: 'USER', contractedSeats: 10 });
    await ok(one.gql(SET_CARD, { token: 'tok_visa' }, o.adminToken));
    const key = newKey('concurrent');
    const before = sandbox.charges.length;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => either(i).gql(PURCHASE, { quantity: 150, key }, o.adminToken)),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const ids = new Set(results.map((r) => r.data.purchaseCredits.id));
    expect(ids.size).toBe(1);
    expect(sandbox.charges.length - before).toBe(1);
    expect(sandbox.charges.at(-1)).toMatchObject({ amountCents: 135_000 });
    expect(await one.app.dataSource.manager.count(CreditLot, { where: { organizationId: o.orgId } })).toBe(1);
    expect(await one.app.dataSource.manager.count(Payment, { where: { organizationId: o.orgId } })).toBe(1);
    expectLedgerBalances(await creditState(one, o.orgId));
  });

  it('R19: a declined purchase sent 8 times at once records one FAILED payment and answers PAYMENT_FAILED to all', async () => {
    const o = await createOrg(one, { licenseModel: 'USER', contractedSeats: 10 });
    await ok(one.gql(SET_CARD, { token: 'tok_chargeDeclined' }, o.adminToken));
    const key = newKey('declined');
    const before = sandbox.charges.length;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => either(i).gql(PURCHASE, { quantity: 3, key }, o.adminToken)),
    );
    expect(results.map((r) => r.errors?.[0].extensions?.code)).toEqual(Array(8).fill('PAYMENT_FAILED'));
    expect(new Set(results.map((r) => r.errors?.[0].extensions?.paymentId)).size).toBe(1);
    expect(sandbox.charges.length - before).toBe(1);
    expect(await one.app.dataSource.manager.count(Payment, { where: { organizationId: o.orgId } })).toBe(1);
  });

  it('R16: concurrent purchases, grants and starts keep the ledger equal to the balance', async () => {
    const o = await createOrg(one, { licenseModel: 'USER', contractedSeats: 100 });
    const employee = await addUser(one, o.adminToken, { role: 'EMPLOYEE' });
    await ok(one.gql(SET_CARD, { token: 'tok_visa' }, o.adminToken));
    const ids = await Promise.all(
      Array.from({ length: 15 }, (_, i) => assign(one, o.adminToken, employee.id, 1 + (i % 4))),
    );
    const work = [
      ...ids.map((id, i) => either(i).gql(START, { id }, employee.token)),
      ...Array.from({ length: 5 }, (_, i) =>
        either(i).gql(PURCHASE, { quantity: 3, key: newKey('mix') }, o.adminToken),
      ),
      ...Array.from({ length: 3 }, (_, i) => grant(either(i + 1), o.orgId, 4).then(() => ({ errors: undefined }))),
    ];
    const results = await Promise.all(work);
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const state = await creditState(one, o.orgId);
    expectLedgerBalances(state);
    const consumedPerAssignment = new Map<string, number>();
    for (const e of state.entries) {
      if (e.assignmentId)
        consumedPerAssignment.set(
          e.assignmentId,
          (consumedPerAssignment.get(e.assignmentId) ?? 0) + Math.abs(e.quantity),
        );
    }
    for (const a of state.assignments) expect(consumedPerAssignment.get(a.id)).toBe(a.credits);
    expect(
      state.entries.filter((e) => e.kind === 'PURCHASE' || e.kind === 'GRANT').reduce((s, e) => s + e.quantity, 0),
    ).toBe(27);
  });

  it('expireLots run at once on several instances expires each lot once', async () => {
    const o = await createOrg(one, { licenseModel: 'USER', contractedSeats: 10 });
    const soon = new Date(Date.now() + 60_000);
    await grant(one, o.orgId, 4, soon);
    await grant(one, o.orgId, 6, soon);
    await grant(one, o.orgId, 5);
    const asOf = new Date(Date.now() + DAY);
    const counts = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        either(i).app.services.credits.expireLots({ em: either(i).app.dataSource.manager }, asOf),
      ),
    );
    const state = await creditState(one, o.orgId);
    expect(
      state.entries
        .filter((e) => e.kind === 'EXPIRY')
        .map((e) => e.quantity)
        .sort(),
    ).toEqual([-4, -6]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2); // each lot expired by exactly one of the runs
    expectLedgerBalances(state);
    expect(state.lotRemainders).toBe(5);
    // 5 left of the last grant of 5: not low; the expiry alone is no crossing of 10 % of 5
    expect(await one.app.dataSource.manager.count(BillingAlert, { where: { organizationId: o.orgId } })).toBe(0);
  });
});
