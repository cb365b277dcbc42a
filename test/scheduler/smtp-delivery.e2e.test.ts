import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createDataSource } from '../../ormconfig';
import { sqlInstant } from '../../src/db/sql';
import { createOrg, DRIVERS, startServer, TestServer } from '../support/harness';
import { issueInvoice, notificationsOf, runJobs, SmtpPeer, startSmtpPeer } from './support';
import { MINUTE } from '../support/clock';
import { eventually } from '../support/wait';

const CONTRACT = {
  licenseModel: 'USER',
  billingInterval: 'ANNUAL',
  contractedSeats: 4,
  seatPriceCents: 2500,
  paymentTermsDays: 30,
};

describe.each(DRIVERS)('R24: outbox delivery over SMTP with retries on %s', (driver) => {
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

  const issuedNotification = async () => {
    const org = await createOrg(server, CONTRACT);
    const invoice = await issueInvoice(server, org.orgId);
    const [row] = await notificationsOf(server, invoice.id);
    return { invoice, id: row.id as string };
  };
  const deliveriesOf = (id: string) => smtp.received.filter((m) => m.notificationId === id);

  it('R24: a server that refuses with 4xx and 5xx, then is down, then recovers: every message is delivered exactly once', async () => {
    const ids = [(await issuedNotification()).id, (await issuedNotification()).id, (await issuedNotification()).id];
    const t0 = Date.now() + 1000;

    smtp.refuseNext({ stage: 'data', code: 451 }, { stage: 'rcpt', code: 550 }, { stage: 'greeting', code: 421 });
    expect(await runJobs(server, new Date(t0))).toMatchObject({ notificationsSent: 0 });
    const statuses = async () =>
      Promise.all(
        ids.map(
          async (id) =>
            (
              await server.app.dataSource.query('SELECT status, attempts, lastError FROM notification WHERE id = ?', [
                id,
              ])
            )[0],
        ),
      );
    expect((await statuses()).map((r) => [r.status, Number(r.attempts)])).toEqual([
      ['PENDING', 1],
      ['PENDING', 1],
      ['PENDING', 1],
    ]);
    expect((await statuses()).map((r) => String(r.lastError).slice(0, 3)).sort()).toEqual(['421', '451', '550']);

    const seen = smtp.attempts;
    expect(await runJobs(server, new Date(t0 + 30_000))).toMatchObject({ notificationsSent: 0 }); // backoff: not yet
    expect(smtp.attempts).toBe(seen);

    await smtp.pause(); // connection refused
    expect(await runJobs(server, new Date(t0 + 1 * MINUTE + 1000))).toMatchObject({ notificationsSent: 0 });
    expect((await statuses()).map((r) => Number(r.attempts))).toEqual([2, 2, 2]);
    expect(String((await statuses())[0].lastError)).toMatch(/ECONNECTION|ECONNREFUSED/);

    await smtp.resume();
    smtp.refuseNext({ stage: 'data', code: 554 });
    expect(await runJobs(server, new Date(t0 + 6 * MINUTE + 2000))).toMatchObject({ notificationsSent: 2 });
    expect(await runJobs(server, new Date(t0 + 31 * MINUTE + 3000))).toMatchObject({ notificationsSent: 1 });
    expect(await runJobs(server, new Date(t0 + 24 * 60 * MINUTE))).toMatchObject({ notificationsSent: 0 });

    for (const id of ids) expect(deliveriesOf(id)).toHaveLength(1);
    const final = await statuses();
    expect(final.map((r) => r.status)).toEqual(['SENT', 'SENT', 'SENT']);
    expect(final.map((r) => Number(r.attempts)).sort()).toEqual([3, 3, 4]);
  });

  it('R24: a message that keeps failing becomes FAILED after 5 attempts and is never tried again', async () => {
    const { id } = await issuedNotification();
    smtp.refuseNext(...Array.from({ length: 5 }, () => ({ stage: 'data' as const, code: 554 })));
    const start = smtp.attempts;
    let at = Date.now() + 1000;
    for (const backoff of [0, 1, 5, 25, 125]) {
      at += backoff * MINUTE + 1000;
      await runJobs(server, new Date(at));
    }
    expect(smtp.attempts - start).toBe(5);
    const [row] = await server.app.dataSource.query(
      'SELECT status, attempts, lastError, sentAt FROM notification WHERE id = ?',
      [id],
    );
    expect({ status: row.status, attempts: Number(row.attempts), sentAt: row.sentAt }).toEqual({
      status: 'FAILED',
      attempts: 5,
      sentAt: null,
    });
    expect(row.lastError).toMatch(/^554/);
    await runJobs(server, new Date(at + 7 * 24 * 60 * MINUTE));
    expect(smtp.attempts - start).toBe(5);
    expect(deliveriesOf(id)).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/billing_notifications_failed_total\{kind="INVOICE_ISSUED",final="true"\} 1\b/);
  });

  it('R24: a claim held by a live worker is left alone; a stale claim (its worker died) is taken over and delivered once', async () => {
    const { id } = await issuedNotification();
    const em = server.app.dataSource.manager;
    const claim = (until: Date) =>
      server.app.dataSource.query(
        "UPDATE notification SET claimToken = 'worker-that-died', claimedUntil = ? WHERE id = ?",
        [sqlInstant(em, until), id],
      );
    await claim(new Date(Date.now() + 10 * MINUTE));
    expect(await runJobs(server, new Date(Date.now() + 1000))).toMatchObject({ notificationsSent: 0 });
    expect(deliveriesOf(id)).toEqual([]);
    await claim(new Date(Date.now() - 1000));
    expect(await runJobs(server, new Date(Date.now() + 1000))).toMatchObject({ notificationsSent: 1 });
    expect(deliveriesOf(id)).toHaveLength(1);
    const [row] = await server.app.dataSource.query(
      'SELECT status, claimToken, claimedUntil FROM notification WHERE id = ?',
      [id],
    );
    expect(row).toEqual({ status: 'SENT', claimToken: null, claimedUntil: null });
  });
});

describe('R24: mail without SMTP, and the timer', () => {
  it('R24: without SMTP_URL a mail is written to the log and counts as SENT', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const server = await startServer('sqlite', {
      config: { testClock: true, smtpUrl: undefined },
      appOptions: { log: pino({ level: 'info' }, sink) },
    });
    try {
      const org = await createOrg(server, CONTRACT);
      const invoice = await issueInvoice(server, org.orgId);
      expect(await runJobs(server, new Date(Date.now() + 1000))).toMatchObject({ notificationsSent: 1 });
      const [row] = await notificationsOf(server, invoice.id);
      expect(row.status).toBe('SENT');
      const logged = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'mail (no SMTP_URL: written to the log)');
      expect(logged).toMatchObject({
        notificationId: row.id,
        messageId: `<notification.${row.id}@opus.so>`,
        from: 'Opus Billing <billing@opus.so>',
        subject: `Invoice ${invoice.number} from Opus: $100.00 due ${new Date(invoice.dueAt).toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' })}`,
      });
      expect(logged.text).toContain(`/invoices/${invoice.id}`);
    } finally {
      await server.close();
    }
  });

  it('the timer delivers on its own, and app.stop() waits for the running tick before the database closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'billing-scheduler-'));
    const databaseUrl = `sqlite:${join(dir, 'billing.sqlite')}`;
    const smtp = await startSmtpPeer();
    try {
      const server = await startServer('sqlite', {
        databaseUrl,
        config: { schedulerIntervalMs: 25, smtpUrl: smtp.url },
      });
      const org = await createOrg(server, CONTRACT);
      const first = await issueInvoice(server, org.orgId);
      await eventually(
        () => smtp.received.some((m) => m.html.includes(first.id)),
        10_000,
        'the timer to deliver the invoice mail',
      );

      smtp.holdDataMs = 500; // the next delivery is slow: stop() arrives while it is in flight
      const dataStarted = new Promise<void>((resolve) => (smtp.onData = resolve));
      const second = await issueInvoice(server, org.orgId);
      await dataStarted;
      await server.close();
      expect(smtp.received.some((m) => m.html.includes(second.id))).toBe(true);

      const reopened = createDataSource(databaseUrl);
      await reopened.initialize();
      try {
        const rows = await reopened.query('SELECT status, sentAt, claimToken FROM notification WHERE invoiceId = ?', [
          second.id,
        ]);
        expect(rows).toEqual([{ status: 'SENT', sentAt: expect.any(String), claimToken: null }]);
      } finally {
        await reopened.destroy();
      }
    } finally {
      await smtp.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
