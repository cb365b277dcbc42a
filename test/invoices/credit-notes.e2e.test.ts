import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  addUser,
  codes,
  createMysqlDatabase,
  createOrg,
  DRIVERS,
  dropMysqlDatabase,
  ok,
  OrgFixture,
  startServer,
  TestServer,
} from '../support/harness';
import { sandboxOf } from '../credits/credits-support';
import { DAY } from '../support/clock';
import { issueInvoice, notificationsOf, runJobs, SmtpPeer, startSmtpPeer } from '../scheduler/support';
import { auditJson } from '../hardening/audit-support';

/** An ANNUAL contract (no period ends during a test): 4 seats at $25.00, due 30 days after issue. */
const CONTRACT = {
  licenseModel: 'USER',
  billingInterval: 'ANNUAL',
  contractedSeats: 4,
  seatPriceCents: 2500,
  paymentTermsDays: 30,
};

const NOTE_FIELDS = `id number amount { cents } refunded { cents } reason memo createdAt
  invoice { id number status total { cents } amountPaid { cents } amountDue { cents } credited { cents } }`;

const ISSUE = /* GraphQL */ `
  mutation IssueCreditNote($invoiceId: ID!, $amountCents: SafeInt!, $reason: CreditNoteReason!, $memo: String, $key: String!) {
    issueCreditNote(invoiceId: $invoiceId, amountCents: $amountCents, reason: $reason, memo: $memo, idempotencyKey: $key) {
      ${NOTE_FIELDS}
    }
  }
`;

const INVOICE = /* GraphQL */ `
  query Invoice($id: ID!) {
    organization {
      invoice(id: $id) {
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
        credited {
          cents
        }
        payments {
          kind
          status
          amount {
            cents
          }
          failureCode
        }
        creditNotes {
          id
          number
          amount {
            cents
          }
          refunded {
            cents
          }
          reason
          memo
        }
        notifications {
          kind
          offsetDays
          recipients
        }
      }
    }
  }
`;

const SET_CARD = `mutation($token: String!) { updatePaymentMethod(token: $token) { last4 } }`;
const PAY = `mutation($id: ID!, $key: String!) { payInvoice(invoiceId: $id, idempotencyKey: $key) { status amountPaid { cents } } }`;

let serial = 0;
const key = (prefix = 'cn') => `${prefix}-${Date.now().toString(36)}-${(serial++).toString(36)}`;

describe.each(DRIVERS)('R33: credit notes on %s', (driver) => {
  let server: TestServer;
  let smtp: SmtpPeer;

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    server = await startServer(driver, { config: { testClock: true, smtpUrl: smtp.url } });
  });
  afterAll(async () => {
    await server.close();
    await smtp.close();
  });

  const q = (sql: string, params: unknown[] = []) => server.app.dataSource.query(sql, params);
  const issue = (vars: { invoiceId: string; amountCents: number; reason?: string; memo?: string; key?: string }) =>
    server.gql(ISSUE, { reason: 'BILLING_ERROR', ...vars, key: vars.key ?? key() }, server.operatorToken);
  const invoiceAs = async (org: OrgFixture, id: string) =>
    (await ok(server.gql(INVOICE, { id }, org.adminToken))).organization.invoice;

  /** A new organization with one issued OPEN invoice of $100.00 (4 seats × $25.00). */
  async function openInvoice(card?: string) {
    const org = await createOrg(server, CONTRACT);
    if (card) await ok(server.gql(SET_CARD, { token: card }, org.adminToken));
    const invoice = await issueInvoice(server, org.orgId);
    expect(invoice.status).toBe('OPEN');
    expect((await invoiceAs(org, invoice.id)).total.cents).toBe(10000);
    return { org, invoice };
  }

  /** The same, paid in full with the card (tok_visa unless given). */
  async function paidInvoice(card = 'tok_visa') {
    const { org, invoice } = await openInvoice(card);
    const paid = await ok(server.gql(PAY, { id: invoice.id, key: key('pay') }, org.adminToken));
    expect(paid.payInvoice).toEqual({ status: 'PAID', amountPaid: { cents: 10000 } });
    return { org, invoice };
  }

  const counts = async (orgId: string) => {
    const [row] = await q(
      `SELECT (SELECT COUNT(*) FROM credit_note WHERE organizationId = ?) AS notes,
              (SELECT COUNT(*) FROM payment WHERE organizationId = ?) AS payments,
              (SELECT COUNT(*) FROM notification WHERE organizationId = ?) AS notifications,
              (SELECT COUNT(*) FROM idempotency_key WHERE organizationId = ?) AS idempotencyKeys,
              (SELECT lastCreditNoteSequence FROM organization WHERE id = ?) AS sequence,
              (SELECT SUM(creditedCents) FROM invoice WHERE organizationId = ?) AS credited`,
      [orgId, orgId, orgId, orgId, orgId, orgId],
    );
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
  };

  it('R33: on an OPEN invoice a note lowers the amount due; the payment then charges only what is left', async () => {
    const { org, invoice } = await openInvoice('tok_visa');
    const note = (
      await ok(issue({ invoiceId: invoice.id, amountCents: 2500, reason: 'SERVICE_ISSUE', memo: 'Outage on Nov 3' }))
    ).issueCreditNote;
    expect(note).toMatchObject({
      number: 'CN-000001',
      amount: { cents: 2500 },
      refunded: { cents: 0 },
      reason: 'SERVICE_ISSUE',
      memo: 'Outage on Nov 3',
      invoice: {
        id: invoice.id,
        status: 'OPEN',
        total: { cents: 10000 },
        amountPaid: { cents: 0 },
        amountDue: { cents: 7500 },
        credited: { cents: 2500 },
      },
    });
    const seen = await invoiceAs(org, invoice.id);
    expect(seen.creditNotes).toEqual([
      {
        id: note.id,
        number: 'CN-000001',
        amount: { cents: 2500 },
        refunded: { cents: 0 },
        reason: 'SERVICE_ISSUE',
        memo: 'Outage on Nov 3',
      },
    ]);
    expect(seen.payments).toEqual([]);

    const paid = await ok(server.gql(PAY, { id: invoice.id, key: key('pay') }, org.adminToken));
    expect(paid.payInvoice).toEqual({ status: 'PAID', amountPaid: { cents: 7500 } });
    const after = await invoiceAs(org, invoice.id);
    expect(after).toMatchObject({ amountDue: { cents: 0 }, credited: { cents: 2500 } });
    expect(after.payments).toEqual([
      { kind: 'CHARGE', status: 'SUCCEEDED', amount: { cents: 7500 }, failureCode: null },
    ]);
  });

  it('R33/R23: a note that brings the amount due to zero makes the invoice PAID with no charge, and its reminders stop', async () => {
    const { org, invoice } = await openInvoice('tok_visa');
    const control = await openInvoice();
    const chargesBefore = sandboxOf(server).charges.length;
    await ok(issue({ invoiceId: invoice.id, amountCents: 4000 }));
    const full = (await ok(issue({ invoiceId: invoice.id, amountCents: 6000, reason: 'DUPLICATE' }))).issueCreditNote;
    expect(full).toMatchObject({
      number: 'CN-000002',
      refunded: { cents: 0 },
      invoice: { status: 'PAID', amountPaid: { cents: 0 }, amountDue: { cents: 0 }, credited: { cents: 10000 } },
    });
    expect(sandboxOf(server).charges.length).toBe(chargesBefore); // nothing was charged
    const seen = await invoiceAs(org, invoice.id);
    expect(seen.payments).toEqual([]);
    // A PAID invoice has nothing left to pay or to credit.
    expect(codes(await server.gql(PAY, { id: invoice.id, key: key('pay') }, org.adminToken))).toEqual(['ALREADY_PAID']);
    expect(codes(await issue({ invoiceId: invoice.id, amountCents: 1 }))).toEqual(['BAD_USER_INPUT']);

    // R23: 15 days before the due date the control invoice gets its reminder, the credited one none.
    const dueAt = new Date(invoice.dueAt).getTime();
    await runJobs(server, new Date(dueAt - 15 * DAY + 60_000));
    const reminders = async (id: string) =>
      (await notificationsOf(server, id)).filter((n) => n.kind === 'INVOICE_REMINDER').map((n) => n.offsetDays);
    expect(await reminders(control.invoice.id)).toEqual([15]);
    expect(await reminders(invoice.id)).toEqual([]);
  });

  it('R33: on a PAID invoice the note is refunded to the card, recorded as a REFUND payment; amountPaid stays what was charged', async () => {
    const { org, invoice } = await paidInvoice();
    const [charge] = await q(`SELECT providerRef FROM payment WHERE invoiceId = ? AND kind = 'CHARGE'`, [invoice.id]);
    const note = (await ok(issue({ invoiceId: invoice.id, amountCents: 3000, reason: 'GOODWILL' }))).issueCreditNote;
    expect(note).toMatchObject({
      number: 'CN-000001',
      amount: { cents: 3000 },
      refunded: { cents: 3000 },
      invoice: {
        status: 'PAID',
        amountPaid: { cents: 10000 },
        amountDue: { cents: 0 },
        credited: { cents: 3000 },
      },
    });
    const seen = await invoiceAs(org, invoice.id);
    expect(seen.payments).toEqual([
      { kind: 'CHARGE', status: 'SUCCEEDED', amount: { cents: 10000 }, failureCode: null },
      { kind: 'REFUND', status: 'SUCCEEDED', amount: { cents: 3000 }, failureCode: null },
    ]);
    const refunds = sandboxOf(server)
      .successfulRefunds()
      .filter((r) => r.chargeRef === charge.providerRef);
    expect(refunds.map((r) => r.amountCents)).toEqual([3000]);

    // What is left to credit is the total less earlier notes: $70.00, refunded in full, and not a cent more.
    const beyond = await issue({ invoiceId: invoice.id, amountCents: 7001 });
    expect(beyond.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'amountCents' });
    const rest = (await ok(issue({ invoiceId: invoice.id, amountCents: 7000 }))).issueCreditNote;
    expect(rest).toMatchObject({
      number: 'CN-000002',
      refunded: { cents: 7000 },
      invoice: { credited: { cents: 10000 } },
    });
    expect(
      sandboxOf(server)
        .successfulRefunds()
        .filter((r) => r.chargeRef === charge.providerRef)
        .map((r) => r.amountCents),
    ).toEqual([3000, 7000]);
  });

  it('R33: numbers are CN-000001, CN-000002… gapless per organization across its invoices; Organization.creditNotes lists them newest first', async () => {
    const a = await openInvoice();
    const a2 = await issueInvoice(server, a.org.orgId);
    const b = await openInvoice();
    const numbers: string[] = [];
    for (const [invoiceId, amountCents] of [
      [a.invoice.id, 100],
      [a2.id, 200],
      [a.invoice.id, 300],
    ] as const) {
      numbers.push((await ok(issue({ invoiceId, amountCents }))).issueCreditNote.number);
    }
    // A refused note (beyond the total) takes no number.
    expect(codes(await issue({ invoiceId: a.invoice.id, amountCents: 10000 }))).toEqual(['BAD_USER_INPUT']);
    numbers.push((await ok(issue({ invoiceId: a2.id, amountCents: 400 }))).issueCreditNote.number);
    expect(numbers).toEqual(['CN-000001', 'CN-000002', 'CN-000003', 'CN-000004']);
    expect((await ok(issue({ invoiceId: b.invoice.id, amountCents: 100 }))).issueCreditNote.number).toBe('CN-000001');

    const list = `query($first: Int, $after: String) { organization { creditNotes(first: $first, after: $after) {
      totalCount nodes { number amount { cents } invoice { id } } pageInfo { hasNextPage endCursor } } } }`;
    const first = (await ok(server.gql(list, { first: 3 }, a.org.adminToken))).organization.creditNotes;
    expect(first.totalCount).toBe(4);
    expect(first.nodes.map((n: { number: string }) => n.number)).toEqual(['CN-000004', 'CN-000003', 'CN-000002']);
    expect(first.nodes[0].invoice.id).toBe(a2.id);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const next = (await ok(server.gql(list, { first: 3, after: first.pageInfo.endCursor }, a.org.adminToken)))
      .organization.creditNotes;
    expect(next.nodes.map((n: { number: string }) => n.number)).toEqual(['CN-000001']);
    expect(next.pageInfo.hasNextPage).toBe(false);
  });

  it('R33/R19: the same key with the same payload returns the same note and refunds once; with another payload IDEMPOTENCY_KEY_REUSED', async () => {
    const { org, invoice } = await paidInvoice();
    const k = key();
    const vars = { invoiceId: invoice.id, amountCents: 1500, reason: 'DUPLICATE', memo: 'double seat', key: k };
    const refundsBefore = sandboxOf(server).refunds.length;
    const first = (await ok(issue(vars))).issueCreditNote;
    const again = (await ok(issue(vars))).issueCreditNote;
    expect(again.id).toBe(first.id);
    expect(again.number).toBe('CN-000001');
    expect(sandboxOf(server).refunds.length).toBe(refundsBefore + 1);
    for (const other of [{ amountCents: 1600 }, { reason: 'OTHER' }, { memo: 'another memo' }]) {
      const reused = await issue({ ...vars, ...other });
      expect(codes(reused)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    }
    expect(await counts(org.orgId)).toMatchObject({ notes: 1, sequence: 1, credited: 1500 });
    expect(
      (await invoiceAs(org, invoice.id)).payments.filter((p: { kind: string }) => p.kind === 'REFUND'),
    ).toHaveLength(1);
  });

  it('R33: concurrent notes (Promise.all) never credit or refund beyond the total', async () => {
    const open = await openInvoice();
    const answers = await Promise.all(
      [4000, 4000, 4000].map((amountCents) => issue({ invoiceId: open.invoice.id, amountCents })),
    );
    expect(answers.filter((a) => !a.errors)).toHaveLength(2);
    expect(answers.filter((a) => a.errors).map(codes)).toEqual([['BAD_USER_INPUT']]);
    expect(await counts(open.org.orgId)).toMatchObject({ notes: 2, sequence: 2, credited: 8000 });

    const paid = await paidInvoice();
    const racing = await Promise.all(
      [6000, 6000, 6000].map((amountCents) => issue({ invoiceId: paid.invoice.id, amountCents })),
    );
    expect(racing.filter((a) => !a.errors)).toHaveLength(1);
    expect(await counts(paid.org.orgId)).toMatchObject({ notes: 1, sequence: 1, credited: 6000 });
    const refunds = (await invoiceAs(paid.org, paid.invoice.id)).payments.filter(
      (p: { kind: string }) => p.kind === 'REFUND',
    );
    expect(refunds.map((p: { amount: { cents: number } }) => p.amount.cents)).toEqual([6000]);
  });

  it('R33: beyond the remaining total, zero or negative cents, and the DRAFT invoice are BAD_USER_INPUT and write nothing', async () => {
    const { org, invoice } = await openInvoice();
    await ok(issue({ invoiceId: invoice.id, amountCents: 9000 }));
    const before = await counts(org.orgId);
    const upcoming = (await ok(server.gql(`{ organization { upcomingInvoice { id status } } }`, {}, org.adminToken)))
      .organization.upcomingInvoice;
    expect(upcoming.status).toBe('DRAFT');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ amountCents: 1001 }, 'amountCents'],
      [{ amountCents: 0 }, 'amountCents'],
      [{ amountCents: -500 }, 'amountCents'],
      [{ invoiceId: upcoming.id, amountCents: 100 }, 'invoiceId'],
    ];
    for (const [vars, field] of cases) {
      const res = await issue({ invoiceId: invoice.id, amountCents: 1, ...vars });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(res.data?.issueCreditNote ?? null).toBeNull();
    }
    expect(await counts(org.orgId)).toEqual(before);
    expect((await ok(issue({ invoiceId: invoice.id, amountCents: 1000 }))).issueCreditNote.number).toBe('CN-000002');
  });

  it('R4/R5: operators only (FORBIDDEN for a billing manager); unknown ids NOT_FOUND; another organization cannot read the notes', async () => {
    const a = await openInvoice();
    const b = await openInvoice();
    const asAdmin = await server.gql(
      ISSUE,
      { invoiceId: a.invoice.id, amountCents: 100, reason: 'OTHER', key: key() },
      a.org.adminToken,
    );
    expect(codes(asAdmin)).toEqual(['FORBIDDEN']);
    expect(codes(await issue({ invoiceId: randomUUID(), amountCents: 100 }))).toEqual(['NOT_FOUND']);
    expect(codes(await issue({ invoiceId: `upcoming-${randomUUID()}`, amountCents: 100 }))).toEqual(['NOT_FOUND']);
    await ok(issue({ invoiceId: a.invoice.id, amountCents: 100 }));
    const foreign = await server.gql(INVOICE, { id: a.invoice.id }, b.org.adminToken);
    expect(codes(foreign)).toEqual(['NOT_FOUND']);
    const foreignOrg = await server.gql(
      `query($id: ID) { organization(id: $id) { creditNotes { totalCount } } }`,
      { id: a.org.orgId },
      b.org.adminToken,
    );
    expect(codes(foreignOrg)).toEqual(['NOT_FOUND']);
    expect(await counts(a.org.orgId)).toMatchObject({ notes: 1 });
    expect(await counts(b.org.orgId)).toMatchObject({ notes: 0 });
    // R4: reading the notes takes MANAGE_BILLING; without it the field is FORBIDDEN and null, the rest answers.
    const employee = await addUser(server, a.org.adminToken, { role: 'EMPLOYEE' });
    const asEmployee = await server.gql(`{ organization { id creditNotes { totalCount } } }`, {}, employee.token);
    expect(codes(asEmployee)).toEqual(['FORBIDDEN']);
    expect(asEmployee.data.organization).toEqual({ id: a.org.orgId, creditNotes: null });
  });

  it('R33/R21: an invoice of a terminated organization can still be credited (its obligations, and their corrections, survive)', async () => {
    const { org, invoice } = await openInvoice();
    await ok(server.gql(`mutation { requestTermination(reason: "moving on") { id } }`, {}, org.adminToken));
    await ok(
      server.gql(
        `mutation($id: ID!) { finalizeTermination(organizationId: $id) { status } }`,
        { id: org.orgId },
        server.operatorToken,
      ),
    );
    const note = (await ok(issue({ invoiceId: invoice.id, amountCents: 10000 }))).issueCreditNote;
    expect(note).toMatchObject({ number: 'CN-000001', invoice: { status: 'PAID', amountDue: { cents: 0 } } });
  });

  it('R33: a refund the provider refuses leaves no note and answers PAYMENT_FAILED (also when retried)', async () => {
    const { org, invoice } = await paidInvoice('tok_refundFail');
    const before = await counts(org.orgId);
    const k = key();
    for (let i = 0; i < 2; i++) {
      const res = await issue({ invoiceId: invoice.id, amountCents: 2000, key: k });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'PAYMENT_FAILED', failureCode: 'refund_failed' });
      expect(res.data?.issueCreditNote ?? null).toBeNull();
    }
    expect(await counts(org.orgId)).toEqual(before);
    const seen = await invoiceAs(org, invoice.id);
    expect(seen).toMatchObject({ status: 'PAID', credited: { cents: 0 }, creditNotes: [] });
    expect(seen.payments.map((p: { kind: string }) => p.kind)).toEqual(['CHARGE']);
  });

  it('R33/R31: the note appears in the audit log: CREDIT_NOTE_ISSUED by the operator, with its amounts and reason', async () => {
    const { org, invoice } = await paidInvoice();
    const note = (
      await ok(issue({ invoiceId: invoice.id, amountCents: 2500, reason: 'SERVICE_ISSUE', memo: 'Outage' }))
    ).issueCreditNote;
    const log = await ok(
      server.gql(
        `{ organization { auditLog(action: CREDIT_NOTE_ISSUED) { totalCount nodes { action actorKind actor { id } actorSubject targetType targetId changes reason } } } }`,
        {},
        org.adminToken,
      ),
    );
    expect(log.organization.auditLog.totalCount).toBe(1);
    const [event] = log.organization.auditLog.nodes;
    expect(event).toMatchObject({
      action: 'CREDIT_NOTE_ISSUED',
      actorKind: 'OPERATOR',
      actor: null,
      targetType: 'CreditNote',
      targetId: note.id,
      reason: 'SERVICE_ISSUE',
    });
    expect(event.actorSubject).toEqual(expect.any(String));
    expect(event.changes).toMatchObject({
      number: { before: null, after: 'CN-000001' },
      amountCents: { before: null, after: 2500 },
      refundedCents: { before: null, after: 2500 },
      memo: { before: null, after: 'Outage' },
    });
  });

  it('R33: the database refuses to UPDATE or DELETE a credit note', async () => {
    const { invoice } = await openInvoice();
    const note = (await ok(issue({ invoiceId: invoice.id, amountCents: 700 }))).issueCreditNote;
    await expect(q('UPDATE credit_note SET amountCents = 1 WHERE id = ?', [note.id])).rejects.toThrow(/immutable/);
    await expect(q("UPDATE credit_note SET memo = 'changed' WHERE id = ?", [note.id])).rejects.toThrow(/immutable/);
    await expect(q('DELETE FROM credit_note WHERE id = ?', [note.id])).rejects.toThrow(/immutable/);
    const [row] = await q('SELECT amountCents, memo FROM credit_note WHERE id = ?', [note.id]);
    expect(Number(row.amountCents)).toBe(700);
  });

  it('R33/R22/R24: the billing contacts get a CREDIT_NOTE_ISSUED mail through the outbox, delivered over SMTP', async () => {
    const { org, invoice } = await paidInvoice();
    await ok(
      server.gql(
        `mutation { updateBillingContacts(input: { pointOfContactEmail: "Ap@Example.test", additionalEmails: [] }) { recipients } }`,
        {},
        org.adminToken,
      ),
    );
    const note = (await ok(issue({ invoiceId: invoice.id, amountCents: 1250, memo: 'Sorry for the outage' })))
      .issueCreditNote;
    const rows = (await notificationsOf(server, invoice.id)).filter((n) => n.kind === 'CREDIT_NOTE_ISSUED');
    expect(rows).toHaveLength(1);
    expect(rows[0].recipients).toContain('ap@example.test');
    expect((await invoiceAs(org, invoice.id)).notifications.map((n: { kind: string }) => n.kind)).toContain(
      'CREDIT_NOTE_ISSUED',
    );
    await runJobs(server, new Date(Date.now() + 1000));
    const mail = smtp.received.find((m) => m.notificationId === rows[0].id);
    expect(mail).toBeDefined();
    expect(mail!.to).toEqual(expect.arrayContaining(rows[0].recipients));
    expect(mail!.subject).toBe(`Credit note ${note.number} from Opus: $12.50 on invoice ${invoice.number}`);
    expect(mail!.text).toContain('$12.50 is refunded to the card');
    expect(mail!.text).toContain('Sorry for the outage');
  });
});

/** The operator's audit CLI (npm run audit, the built dist) checks the credit-note invariants. */
describe.each(DRIVERS)('R33: the audit CLI checks credit notes on %s', (driver) => {
  let server: TestServer;
  let databaseUrl: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    if (driver === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'billing-cn-audit-'));
      databaseUrl = `sqlite:${join(dir, 'billing.sqlite')}`;
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    } else {
      const db = await createMysqlDatabase();
      databaseUrl = db.url;
      cleanup = () => dropMysqlDatabase(db.name);
    }
    server = await startServer(driver, { databaseUrl });
  });
  afterAll(async () => {
    await server?.close();
    await cleanup?.();
  });

  it('R33: notes on OPEN and PAID invoices audit clean; a forged or altered credit note is reported for its organization', async () => {
    const issueNote = (invoiceId: string, amountCents: number) =>
      ok(server.gql(ISSUE, { invoiceId, amountCents, reason: 'BILLING_ERROR', key: key() }, server.operatorToken));
    const books = async () => {
      const org = await createOrg(server, CONTRACT);
      await ok(server.gql(SET_CARD, { token: 'tok_visa' }, org.adminToken));
      const open = await issueInvoice(server, org.orgId);
      const paid = await issueInvoice(server, org.orgId);
      await ok(server.gql(PAY, { id: paid.id, key: key('pay') }, org.adminToken));
      await issueNote(open.id, 1000);
      await issueNote(paid.id, 2000);
      return { org, open, paid };
    };
    const forged = await books();
    const altered = await books();
    const control = await books();
    const clean = await auditJson(databaseUrl);
    expect(clean.code).toBe(0);
    const names = clean.report.checks.map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining(['credit-note-sequence', 'credit-note-sequence-head', 'credit-note-totals']),
    );
    for (const c of clean.report.checks.filter((c) => c.name.startsWith('credit-note')))
      expect(c.skipped).toBeUndefined();

    // A note inserted behind the service's back: number 4 after 2 (a gap), credits nothing the invoice records.
    const q = (sql: string, params: unknown[] = []) => server.app.dataSource.query(sql, params);
    await q(
      `INSERT INTO credit_note (id, organizationId, invoiceId, sequence, number, amountCents, refundedCents, reason, memo, refundPaymentId, createdAt)
       VALUES (?, ?, ?, 4, 'CN-000004', 500, 0, 'OTHER', NULL, NULL, ?)`,
      [randomUUID(), forged.org.orgId, forged.open.id, '2026-06-01 12:00:00.000'],
    );
    // An invoice whose credited amount no longer matches its notes (the notes themselves cannot change).
    await q('UPDATE invoice SET creditedCents = creditedCents + 1 WHERE id = ?', [altered.open.id]);

    const broken = await auditJson(databaseUrl);
    expect(broken.code).toBe(1);
    const hits = (invariant: string) =>
      broken.report.violations.filter((v) => v.invariant === invariant).map((v) => v.organizationId);
    expect(hits('credit-note-sequence')).toEqual([forged.org.orgId]);
    expect(hits('credit-note-sequence-head')).toEqual([forged.org.orgId]);
    expect(hits('credit-note-totals').sort()).toEqual([forged.org.orgId, altered.org.orgId].sort());
    expect(broken.report.violations.map((v) => v.organizationId)).not.toContain(control.org.orgId);
  });
});
