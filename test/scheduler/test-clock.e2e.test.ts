import { addUser, codes, createOrg, DRIVERS, startServer, TestServer } from '../support/harness';
import {
  dateIdempotencyKeysBack,
  issueInvoice,
  markPaid,
  markVoid,
  notificationsOf,
  RUN,
  runJobs,
  SmtpPeer,
  startSmtpPeer,
} from './support';
import { DAY, HOUR } from '../support/clock';

const ANNUAL_30_DAYS = {
  licenseModel: 'USER',
  billingInterval: 'ANNUAL',
  contractedSeats: 10,
  seatPriceCents: 1500,
  paymentTermsDays: 30,
};
const PORTAL = 'https://billing.opus.example/billing';

describe.each(DRIVERS)('the test clock drives invoice reminders over SMTP on %s', (driver) => {
  let server: TestServer;
  let smtp: SmtpPeer;
  beforeAll(async () => {
    smtp = await startSmtpPeer();
    server = await startServer(driver, {
      config: {
        testClock: true,
        smtpUrl: smtp.url,
        billingPortalUrl: PORTAL,
        mailFrom: 'Opus Billing <billing@opus.example>',
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await smtp.close();
  });

  const mailsFor = (invoiceId: string) => smtp.received.filter((m) => m.html.includes(`/invoices/${invoiceId}`));

  it('R23/R24: issue, then the 15, 7, 3 and 1-day reminders, each delivered once over SMTP with subject, text, html and recipients', async () => {
    const org = await createOrg(server, ANNUAL_30_DAYS, 'Reminded Co');
    const invoice = await issueInvoice(server, org.orgId);
    expect(invoice.status).toBe('OPEN');
    const due = new Date(invoice.dueAt).getTime();
    expect(due - new Date(invoice.issuedAt).getTime()).toBe(30 * DAY);

    const issued = await runJobs(server, new Date(new Date(invoice.issuedAt).getTime() + 1000));
    expect(issued).toMatchObject({ remindersQueued: 0, periodsClosed: 0, lotsExpired: 0 });
    expect(issued.notificationsSent).toBeGreaterThanOrEqual(1);
    expect(mailsFor(invoice.id).map((m) => m.subject)).toEqual([
      `Invoice ${invoice.number} from Opus: $150.00 due ${dayOf(due)}`,
    ]);

    const before = await runJobs(server, new Date(due - 15 * DAY - 60_000));
    expect(before.remindersQueued).toBe(0);

    for (const offset of [15, 7, 3, 1]) {
      const asOf = new Date(due - offset * DAY + 60_000);
      const report = await runJobs(server, asOf);
      expect(report).toEqual({
        asOf: asOf.toISOString(),
        remindersQueued: 1,
        notificationsSent: 1,
        periodsClosed: 0,
        lotsExpired: 0,
      });
      const again = await runJobs(server, new Date(asOf.getTime() + HOUR));
      expect(again).toMatchObject({ remindersQueued: 0, notificationsSent: 0 });
    }

    const mails = mailsFor(invoice.id);
    expect(mails.map((m) => m.subject)).toEqual([
      `Invoice ${invoice.number} from Opus: $150.00 due ${dayOf(due)}`,
      `Reminder: invoice ${invoice.number} ($150.00) is due in 15 days`,
      `Reminder: invoice ${invoice.number} ($150.00) is due in 7 days`,
      `Reminder: invoice ${invoice.number} ($150.00) is due in 3 days`,
      `Reminder: invoice ${invoice.number} ($150.00) is due in 1 day`,
    ]);
    const adminEmail = (await server.gql(`{ viewer { user { email } } }`, {}, org.adminToken)).data.viewer.user.email;
    for (const m of mails.slice(1)) {
      expect(m.envelopeTo).toEqual([adminEmail]);
      expect(m.to).toEqual([adminEmail]);
      expect(m.envelopeFrom).toBe('billing@opus.example');
      expect(m.from).toBe('Opus Billing <billing@opus.example>');
      expect(m.messageId).toBe(`<notification.${m.notificationId}@opus.example>`);
      expect(m.text).toContain(`Invoice ${invoice.number} for Reminded Co is due on ${dayOf(due)}.`);
      expect(m.text).toContain('Amount due: $150.00.');
      expect(m.text).toContain(`${PORTAL}/invoices/${invoice.id}`);
      expect(m.html).toContain(`<a href="${PORTAL}/invoices/${invoice.id}">View invoice ${invoice.number}</a>`);
      expect(m.html).toContain('Amount due: $150.00.');
    }
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(5);

    // The rows, through the API: each reminder once, SENT, stamped with the test clock's instants.
    const res = await server.gql(
      `query($id: ID!) { organization { invoice(id: $id) { notifications { kind offsetDays status recipients createdAt sentAt } } } }`,
      { id: invoice.id },
      org.adminToken,
    );
    const rows = res.data.organization.invoice.notifications;
    expect(
      rows.map((n: { kind: string; offsetDays: number | null; status: string }) => [n.kind, n.offsetDays, n.status]),
    ).toEqual([
      ['INVOICE_ISSUED', null, 'SENT'],
      ['INVOICE_REMINDER', 15, 'SENT'],
      ['INVOICE_REMINDER', 7, 'SENT'],
      ['INVOICE_REMINDER', 3, 'SENT'],
      ['INVOICE_REMINDER', 1, 'SENT'],
    ]);
    expect(rows[1].createdAt).toBe(new Date(due - 15 * DAY + 60_000).toISOString());
    expect(rows[1].sentAt).toBe(rows[1].createdAt);

    const after = await runJobs(server, new Date(due + DAY));
    expect(after).toMatchObject({ remindersQueued: 0, notificationsSent: 0 });
  });

  it('R23: a late run sends only the latest reminder that is due — never a burst of older ones', async () => {
    const org = await createOrg(server, ANNUAL_30_DAYS);
    const invoice = await issueInvoice(server, org.orgId);
    const due = new Date(invoice.dueAt).getTime();
    const late = await runJobs(server, new Date(due - 2 * DAY)); // nothing ran since issue
    expect(late.remindersQueued).toBe(1);
    await runJobs(server, new Date(due - 1 * DAY + 1)); // on time for the last one
    const reminders = (await notificationsOf(server, invoice.id)).filter((n) => n.kind === 'INVOICE_REMINDER');
    expect(reminders.map((n) => [n.offsetDays, n.status])).toEqual([
      [3, 'SENT'],
      [1, 'SENT'],
    ]);
    expect(mailsFor(invoice.id).map((m) => m.subject)).toEqual([
      expect.stringMatching(/^Invoice /),
      expect.stringMatching(/due in 3 days$/),
      expect.stringMatching(/due in 1 day$/),
    ]);
  });

  it('R23: no reminders after payment; a reminder queued but not yet delivered when the invoice is paid is never sent', async () => {
    const org = await createOrg(server, ANNUAL_30_DAYS);
    const invoice = await issueInvoice(server, org.orgId);
    const due = new Date(invoice.dueAt).getTime();
    await runJobs(server, new Date(due - 15 * DAY)); // issue mail + 15-day reminder delivered

    smtp.refuseNext({ stage: 'data', code: 451 }); // the 7-day reminder is queued, but its first attempt fails
    const queued = await runJobs(server, new Date(due - 7 * DAY));
    expect(queued).toMatchObject({ remindersQueued: 1, notificationsSent: 0 });
    expect((await notificationsOf(server, invoice.id)).find((n) => n.offsetDays === 7)).toMatchObject({
      status: 'PENDING',
      attempts: 1,
    });

    await markPaid(server, invoice.id);
    const received = smtp.received.length;
    // The first run after payment delivers the receipt and nothing else; then silence.
    expect(await runJobs(server, new Date(due - 6.9 * DAY))).toMatchObject({
      remindersQueued: 0,
      notificationsSent: 1,
    });
    for (const days of [3, 1]) {
      expect(await runJobs(server, new Date(due - days * DAY))).toMatchObject({
        remindersQueued: 0,
        notificationsSent: 0,
      });
    }
    expect(smtp.received.slice(received).map((m) => m.subject)).toEqual([
      expect.stringMatching(/^Receipt: payment for invoice INV-/),
    ]);
    const rows = await notificationsOf(server, invoice.id);
    // (the receipt is stamped by the real clock, the jobs' rows by the test clock: compare without order)
    expect(rows.map((n) => [n.kind, n.offsetDays, n.status])).toEqual(
      expect.arrayContaining([
        ['INVOICE_ISSUED', null, 'SENT'],
        ['INVOICE_REMINDER', 15, 'SENT'],
        ['PAYMENT_RECEIPT', null, 'SENT'],
      ]),
    );
    expect(rows).toHaveLength(3);
  });

  it('R23: void invoices, and $0.00 invoices (issued PAID), get no reminders', async () => {
    const voided = await createOrg(server, ANNUAL_30_DAYS);
    const voidInvoice = await issueInvoice(server, voided.orgId);
    await markVoid(server, voidInvoice.id);
    const free = await createOrg(server, { ...ANNUAL_30_DAYS, seatPriceCents: 0 });
    const freeInvoice = await issueInvoice(server, free.orgId);
    expect(freeInvoice.status).toBe('PAID');
    for (const offset of [15, 7, 3, 1])
      await runJobs(server, new Date(new Date(voidInvoice.dueAt).getTime() - offset * DAY));
    for (const inv of [voidInvoice, freeInvoice]) {
      expect((await notificationsOf(server, inv.id)).filter((n) => n.kind === 'INVOICE_REMINDER')).toEqual([]);
    }
  });

  it('R22/R23: a reminder goes to the billing recipients of its moment, not of the issue', async () => {
    const org = await createOrg(server, ANNUAL_30_DAYS);
    const invoice = await issueInvoice(server, org.orgId);
    const billing = await addUser(server, org.adminToken, { role: 'ADMIN' });
    const set = await server.gql(
      `mutation { updateBillingContacts(input: { pointOfContactEmail: "AP@Example.TEST", additionalEmails: ["books@example.test", "ap@example.test"] }) { recipients } }`,
      {},
      org.adminToken,
    );
    expect(set.errors).toBeUndefined();
    await runJobs(server, new Date(new Date(invoice.dueAt).getTime() - 7 * DAY));
    const [issuedRow, reminderRow] = await notificationsOf(server, invoice.id);
    expect(issuedRow.recipients).toHaveLength(1);
    expect([...reminderRow.recipients].sort()).toEqual([...set.data.updateBillingContacts.recipients].sort());
    expect(reminderRow.recipients).toEqual(expect.arrayContaining(['ap@example.test', 'books@example.test']));
    expect(reminderRow.recipients).toHaveLength(4); // point of contact (also an additional email: once), books, two admins
    expect(billing.id).toBeTruthy();
    const mail = mailsFor(invoice.id).find((m) => m.subject.includes('due in 7 days'))!;
    expect([...mail.envelopeTo].sort()).toEqual([...reminderRow.recipients].sort());
  });

  it('R17: a run after a period has ended closes it, and its invoice mail goes out in the same run', async () => {
    const org = await createOrg(server, { ...ANNUAL_30_DAYS, billingInterval: 'MONTHLY' });
    const period = (await server.gql(`{ organization { currentPeriod { end } } }`, {}, org.adminToken)).data
      .organization.currentPeriod;
    const end = new Date(period.end).getTime();
    const report = await runJobs(server, new Date(end + 60_000));
    expect(report.periodsClosed).toBeGreaterThanOrEqual(1); // other suites' organizations may be due as well
    const invoices = (
      await server.gql(`{ organization { invoices { nodes { id status issuedAt } } } }`, {}, org.adminToken)
    ).data.organization.invoices.nodes;
    expect(invoices).toEqual([
      { id: expect.any(String), status: 'OPEN', issuedAt: new Date(end + 60_000).toISOString() },
    ]);
    expect(mailsFor(invoices[0].id)).toHaveLength(1);
    expect((await runJobs(server, new Date(end + 120_000))).periodsClosed).toBe(0);
  });

  it('R13/R16: the credit-expiry job expires a lot once, as of the test clock', async () => {
    const org = await createOrg(server, ANNUAL_30_DAYS);
    const expiresAt = new Date(Date.now() + DAY);
    const grant = await server.gql(
      `mutation($id: ID!, $at: DateTime) { grantCredits(organizationId: $id, quantity: 10, expiresAt: $at, idempotencyKey: "expiring") { id } }`,
      { id: org.orgId, at: expiresAt.toISOString() },
      server.operatorToken,
    );
    expect(grant.errors).toBeUndefined();
    expect((await runJobs(server, new Date(expiresAt.getTime() - 1000))).lotsExpired).toBe(0);
    expect((await runJobs(server, new Date(expiresAt.getTime() + 1000))).lotsExpired).toBe(1);
    expect((await runJobs(server, new Date(expiresAt.getTime() + 2000))).lotsExpired).toBe(0);
    const entries = await server.app.dataSource.query(
      `SELECT kind, quantity FROM credit_ledger_entry WHERE organizationId = ? ORDER BY sequence`,
      [org.orgId],
    );
    expect(entries.map((e: { kind: string; quantity: number }) => [e.kind, Number(e.quantity)])).toEqual([
      ['GRANT', 10],
      ['EXPIRY', -10],
    ]);
  });

  it('R19: the scheduler forgets idempotency keys once they are more than 24 hours old', async () => {
    const org = await createOrg(server, ANNUAL_30_DAYS);
    const grant = (quantity: number) =>
      server.gql(
        `mutation($id: ID!, $q: Int!) { grantCredits(organizationId: $id, quantity: $q, idempotencyKey: "annual") { quantity } }`,
        { id: org.orgId, q: quantity },
        server.operatorToken,
      );
    expect((await grant(10)).errors).toBeUndefined();
    // Keys age on the real clock (the test clock never shortens their retention): date the key back.
    const madeHoursAgo = (hours: number) => dateIdempotencyKeysBack(server, org.orgId, hours);
    await madeHoursAgo(23);
    await runJobs(server, new Date());
    expect(codes(await grant(20))).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    await madeHoursAgo(25);
    await runJobs(server, new Date());
    expect((await grant(20)).data.grantCredits.quantity).toBe(20);
  });

  it('R5: runScheduledJobs is for operators only', async () => {
    const org = await createOrg(server, ANNUAL_30_DAYS);
    const res = await server.gql(RUN, { asOf: new Date().toISOString() }, org.adminToken);
    expect(codes(res)).toEqual(['FORBIDDEN']);
    expect(codes(await server.gql(RUN, { asOf: new Date().toISOString() }))).toEqual(['UNAUTHENTICATED']);
  });

  it('R24: /metrics counts sent notifications and times scheduler runs', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(
      Number(/billing_notifications_sent_total\{kind="INVOICE_REMINDER"\} (\d+)/.exec(text)?.[1]),
    ).toBeGreaterThanOrEqual(4);
    expect(
      Number(/billing_scheduler_run_duration_seconds_count\{trigger="test_clock"\} (\d+)/.exec(text)?.[1]),
    ).toBeGreaterThan(0);
    expect(text).toMatch(/billing_notifications_failed_total\{kind="INVOICE_REMINDER",final="false"\} 1/);
  });
});

describe('the test clock is off by default', () => {
  it('runScheduledJobs is refused (FORBIDDEN) naming BILLING_TEST_CLOCK when the flag is not set', async () => {
    const server = await startServer('sqlite');
    try {
      const res = await server.gql(RUN, { asOf: new Date().toISOString() }, server.operatorToken);
      expect(codes(res)).toEqual(['FORBIDDEN']);
      expect(res.errors![0].message).toContain('BILLING_TEST_CLOCK=1');
      expect(res.data).toBeNull();
    } finally {
      await server.close();
    }
  });
});

const dayOf = (ms: number) =>
  new Date(ms).toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
