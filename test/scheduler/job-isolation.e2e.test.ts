import { sqlInstant } from '../../src/db/sql';
import { BALANCE, PURCHASE, sandboxOf, SET_CARD } from '../credits/credits-support';
import { codes, createOrg, DRIVERS, OrgFixture, startServer, TestServer } from '../support/harness';
import { dateIdempotencyKeysBack, issueInvoice } from './support';
import { DAY, HOUR } from '../support/clock';

/**
 * R35: one organization never stalls another. An organization is made to fail the honest way: its row is
 * corrupted in the database (a billing-emails column that is not JSON any more), so every job that loads it trips,
 * exactly as it would on real damaged data; repairing the row is "fixing the cause".
 */
const RUN = /* GraphQL */ `
  mutation Run($asOf: DateTime!) {
    runScheduledJobs(asOf: $asOf) {
      asOf
      remindersQueued
      notificationsSent
      periodsClosed
      lotsExpired
      failures {
        job
        organizationId
        code
      }
    }
  }
`;

interface Report {
  asOf: string;
  remindersQueued: number;
  notificationsSent: number;
  periodsClosed: number;
  lotsExpired: number;
  failures: Array<{ job: string; organizationId: string | null; code: string }>;
}

const MONTHLY = {
  licenseModel: 'USER',
  billingInterval: 'MONTHLY',
  contractedSeats: 5,
  seatPriceCents: 1500,
  paymentTermsDays: 30,
};
const ANNUAL_30_DAYS = { ...MONTHLY, billingInterval: 'ANNUAL' };

describe.each(DRIVERS)('R35: one organization never stalls another, on %s', (driver) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer(driver, { config: { testClock: true } });
  });
  afterEach(async () => {
    await server.close();
  });

  /** runScheduledJobs as an operator: the report, which now also answers when some organization failed. */
  async function run(asOf: Date): Promise<Report> {
    const res = await server.gql(RUN, { asOf: asOf.toISOString() }, server.operatorToken);
    expect(res.errors).toBeUndefined();
    // The client learns the job, the organization and the code — never the message, a stack or SQL.
    expect(JSON.stringify(res.data)).not.toMatch(/JSON|Unexpected|SELECT|UPDATE|\.js:\d/);
    return res.data.runScheduledJobs;
  }

  const sql = (query: string, params: unknown[] = []) => server.app.dataSource.query(query, params);
  const corrupt = (orgId: string) =>
    sql(`UPDATE organization SET additionalBillingEmails = '["cut off' WHERE id = ?`, [orgId]);
  const repair = (orgId: string) => sql(`UPDATE organization SET additionalBillingEmails = NULL WHERE id = ?`, [orgId]);

  /** billing_scheduler_job_failures_total for one job, from GET /metrics (0 before the first failure). */
  async function failuresCounted(job: string): Promise<number> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).not.toMatch(/billing_scheduler_job_failures_total\{[^}]*organization/); // labelled by job only
    return Number(new RegExp(`billing_scheduler_job_failures_total\\{job="${job}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  }

  async function orgs(n: number, contract: Record<string, unknown>): Promise<OrgFixture[]> {
    const created: OrgFixture[] = [];
    for (let i = 0; i < n; i++) created.push(await createOrg(server, contract, `Org ${i}`));
    return created;
  }

  it('R35: 50 organizations due, one broken: 49 close in one run, the report and /metrics name the broken one, the next run retries it until it is repaired', async () => {
    const all = await orgs(50, MONTHLY);
    const broken = all[0].orgId; // the first due: every other organization comes after it
    await corrupt(broken);
    const asOf = new Date(Date.now() + 32 * DAY); // every first period (one month) has ended
    const openDue = async () =>
      Number(
        (
          await sql('SELECT COUNT(*) AS n FROM billing_period WHERE closedAt IS NULL AND `end` <= ?', [
            sqlInstant(server.app.dataSource.manager, asOf),
          ])
        )[0].n,
      );
    expect(await openDue()).toBe(50);

    const first = await run(asOf);
    expect(first.periodsClosed).toBe(49);
    expect(first.failures).toEqual([{ job: 'closeDuePeriods', organizationId: broken, code: 'INTERNAL_SERVER_ERROR' }]);
    expect(await openDue()).toBe(1);
    expect(Number((await sql(`SELECT COUNT(*) AS n FROM invoice`))[0].n)).toBe(49);
    expect(Number((await sql(`SELECT COUNT(*) AS n FROM invoice WHERE organizationId = ?`, [broken]))[0].n)).toBe(0);
    expect(first.notificationsSent).toBeGreaterThanOrEqual(49); // the 49 invoice mails still went out in that run
    expect(await failuresCounted('closeDuePeriods')).toBe(1);

    const again = await run(asOf);
    expect(again).toMatchObject({
      periodsClosed: 0,
      failures: [{ job: 'closeDuePeriods', organizationId: broken, code: 'INTERNAL_SERVER_ERROR' }],
    });
    expect(await failuresCounted('closeDuePeriods')).toBe(2);

    await repair(broken);
    const repaired = await run(asOf);
    expect(repaired).toMatchObject({ periodsClosed: 1, failures: [] });
    expect(await openDue()).toBe(0);
    const invoices = await server.gql(
      `{ organization { invoices { nodes { number status } } } }`,
      {},
      all[0].adminToken,
    );
    expect(invoices.data.organization.invoices.nodes).toEqual([{ number: 'INV-000001', status: 'OPEN' }]);
    expect(await failuresCounted('closeDuePeriods')).toBe(2);
  });

  it('R35: a failure the API has a code for is reported with that code (a terminated organization left with an open period: ORGANIZATION_TERMINATED)', async () => {
    const [stuck, ...others] = await orgs(3, MONTHLY);
    await sql(`UPDATE organization SET status = 'TERMINATED' WHERE id = ?`, [stuck.orgId]);
    const asOf = new Date(Date.now() + 32 * DAY);
    const report = await run(asOf);
    expect(report.periodsClosed).toBe(others.length);
    expect(report.failures).toEqual([
      { job: 'closeDuePeriods', organizationId: stuck.orgId, code: 'ORGANIZATION_TERMINATED' },
    ]);
    await sql(`UPDATE organization SET status = 'ACTIVE' WHERE id = ?`, [stuck.orgId]);
    expect(await run(asOf)).toMatchObject({ periodsClosed: 1, failures: [] });
  });

  it('R35: credit expiry goes on past a broken organization, whose lot expires on the first run after the repair', async () => {
    const all = await orgs(4, MONTHLY);
    const expiresAt = new Date(Date.now() + DAY);
    for (const o of all) {
      const grant = await server.gql(
        `mutation($id: ID!, $at: DateTime) { grantCredits(organizationId: $id, quantity: 10, expiresAt: $at, idempotencyKey: "annual") { id } }`,
        { id: o.orgId, at: expiresAt.toISOString() },
        server.operatorToken,
      );
      expect(grant.errors).toBeUndefined();
    }
    const broken = all.map((o) => o.orgId).sort()[0]; // organizations expire in id order: the broken one comes first
    await corrupt(broken);
    const asOf = new Date(expiresAt.getTime() + 60_000);

    expect(await run(asOf)).toMatchObject({
      lotsExpired: 3,
      failures: [{ job: 'expireCreditLots', organizationId: broken, code: 'INTERNAL_SERVER_ERROR' }],
    });
    expect(await run(asOf)).toMatchObject({
      lotsExpired: 0,
      failures: [{ job: 'expireCreditLots', organizationId: broken, code: 'INTERNAL_SERVER_ERROR' }],
    });
    expect(await failuresCounted('expireCreditLots')).toBe(2);
    const kinds = async (orgId: string) =>
      (await sql(`SELECT kind FROM credit_ledger_entry WHERE organizationId = ? ORDER BY sequence`, [orgId])).map(
        (e: { kind: string }) => e.kind,
      );
    expect(await kinds(broken)).toEqual(['GRANT']);

    await repair(broken);
    expect(await run(asOf)).toMatchObject({ lotsExpired: 1, failures: [] });
    for (const o of all) expect(await kinds(o.orgId)).toEqual(['GRANT', 'EXPIRY']);
  });

  it('R35: reminders are queued for every other organization; the broken one gets its reminder on the first run after the repair', async () => {
    const all = await orgs(4, ANNUAL_30_DAYS);
    const invoices = [];
    for (const o of all) invoices.push(await issueInvoice(server, o.orgId)); // the first has the earliest due date
    const broken = all[0].orgId;
    await corrupt(broken);
    const lastDue = Math.max(...invoices.map((i) => new Date(i.dueAt).getTime()));
    const asOf = new Date(lastDue - 15 * DAY + 60_000); // every 15-day reminder is due, no 7-day one yet

    const first = await run(asOf);
    expect(first).toMatchObject({
      remindersQueued: 3,
      failures: [{ job: 'queueInvoiceReminders', organizationId: broken, code: 'INTERNAL_SERVER_ERROR' }],
    });
    expect(await run(asOf)).toMatchObject({
      remindersQueued: 0,
      failures: [{ job: 'queueInvoiceReminders', organizationId: broken, code: 'INTERNAL_SERVER_ERROR' }],
    });
    expect(await failuresCounted('queueInvoiceReminders')).toBe(2);

    await repair(broken);
    expect(await run(asOf)).toMatchObject({ remindersQueued: 1, failures: [] });
    const reminders = await sql(
      `SELECT organizationId, offsetDays, status FROM notification WHERE kind = 'INVOICE_REMINDER'`,
    );
    expect(reminders).toHaveLength(4);
    expect(reminders.map((r: { organizationId: string }) => r.organizationId).sort()).toEqual(
      all.map((o) => o.orgId).sort(),
    );
    expect(
      reminders.every(
        (r: { offsetDays: number; status: string }) => Number(r.offsetDays) === 15 && r.status === 'SENT',
      ),
    ).toBe(true);
  });

  it('R35: one notification that cannot be read does not hold back the outbox; its claim is released and it goes out after the repair', async () => {
    const all = await orgs(4, ANNUAL_30_DAYS);
    const invoices = [];
    for (const o of all) invoices.push(await issueInvoice(server, o.orgId));
    // The first invoice's mail is the first due in the outbox.
    const [bad] = await sql(`SELECT id, organizationId, recipients FROM notification WHERE invoiceId = ?`, [
      invoices[0].id,
    ]);
    await sql(`UPDATE notification SET recipients = '["cut off' WHERE id = ?`, [bad.id]);
    const asOf = new Date(Date.now() + 60_000);
    const failure = { job: 'deliverOutbox', organizationId: all[0].orgId, code: 'INTERNAL_SERVER_ERROR' };

    expect(await run(asOf)).toMatchObject({ notificationsSent: 3, failures: [failure] });
    const row = async () =>
      (await sql(`SELECT status, attempts, claimToken, claimedUntil FROM notification WHERE id = ?`, [bad.id]))[0];
    // Not a delivery attempt, and not held: the next run takes it again at once.
    expect(await row()).toMatchObject({ status: 'PENDING', claimToken: null, claimedUntil: null });
    expect(Number((await row()).attempts)).toBe(0);
    expect(await run(asOf)).toMatchObject({ notificationsSent: 0, failures: [failure] });
    expect(await failuresCounted('deliverOutbox')).toBe(2);

    await sql(`UPDATE notification SET recipients = ? WHERE id = ?`, [bad.recipients, bad.id]);
    expect(await run(asOf)).toMatchObject({ notificationsSent: 1, failures: [] });
    expect(await row()).toMatchObject({ status: 'SENT' });
    expect(Number((await sql(`SELECT COUNT(*) AS n FROM notification WHERE status <> 'SENT'`))[0].n)).toBe(0);
  });
});

describe.each(DRIVERS)('R19: the test clock never shortens a real-time guarantee, on %s', (driver) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(driver, { config: { testClock: true } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('R19: a purchase retried with its key after runScheduledJobs(asOf: now + 14 days) returns the first result and is charged once', async () => {
    const org = await createOrg(server, MONTHLY);
    expect((await server.gql(SET_CARD, { token: 'tok_visa' }, org.adminToken)).errors).toBeUndefined();
    const key = `purchase-${org.orgId}`;
    const first = await server.gql(PURCHASE, { quantity: 5, key }, org.adminToken);
    expect(first.errors).toBeUndefined();

    const run = await server.gql(RUN, { asOf: new Date(Date.now() + 14 * DAY).toISOString() }, server.operatorToken);
    expect(run.errors).toBeUndefined();
    expect(run.data.runScheduledJobs.failures).toEqual([]);

    const retry = await server.gql(PURCHASE, { quantity: 5, key }, org.adminToken);
    expect(retry.errors).toBeUndefined();
    expect(retry.data.purchaseCredits).toEqual(first.data.purchaseCredits);
    expect(codes(await server.gql(PURCHASE, { quantity: 6, key }, org.adminToken))).toEqual(['IDEMPOTENCY_KEY_REUSED']);

    const charges = sandboxOf(server)
      .successfulCharges()
      .filter((c) => c.idempotencyKey.startsWith(`${org.orgId}:`));
    expect(charges).toHaveLength(1);
    const balance = (await server.gql(BALANCE, {}, org.adminToken)).data.organization.creditBalance;
    expect(balance.available).toBe(5);
    expect(balance.ledger.nodes.map((e: { kind: string; quantity: number }) => [e.kind, e.quantity])).toEqual([
      ['PURCHASE', 5],
    ]);
    const payments = await server.app.dataSource.query(`SELECT status FROM payment WHERE organizationId = ?`, [
      org.orgId,
    ]);
    expect(payments.map((p: { status: string }) => p.status)).toEqual(['SUCCEEDED']);
  });

  it("R19: a key is purged only once both the run's instant and the real clock are 24 hours past its creation", async () => {
    const org = await createOrg(server, MONTHLY);
    const grant = (quantity: number) =>
      server.gql(
        `mutation($id: ID!, $q: Int!) { grantCredits(organizationId: $id, quantity: $q, idempotencyKey: "annual") { quantity } }`,
        { id: org.orgId, q: quantity },
        server.operatorToken,
      );
    expect((await grant(10)).errors).toBeUndefined();
    const createdHoursAgo = (hours: number) => dateIdempotencyKeysBack(server, org.orgId, hours);
    const runAt = async (asOf: Date) =>
      expect((await server.gql(RUN, { asOf: asOf.toISOString() }, server.operatorToken)).errors).toBeUndefined();

    await createdHoursAgo(23); // 23 real hours old: kept, however far ahead the test clock runs
    await runAt(new Date(Date.now() + 14 * DAY));
    expect(codes(await grant(20))).toEqual(['IDEMPOTENCY_KEY_REUSED']);

    await createdHoursAgo(25); // 25 real hours old, but the run is as of two hours ago: 23 hours on its clock
    await runAt(new Date(Date.now() - 2 * HOUR));
    expect(codes(await grant(20))).toEqual(['IDEMPOTENCY_KEY_REUSED']);

    await runAt(new Date()); // both clocks past 24 hours: forgotten
    expect((await grant(20)).data.grantCredits.quantity).toBe(20);
  });
});
