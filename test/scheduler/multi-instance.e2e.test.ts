import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  createMysqlDatabase,
  createOrg,
  Driver,
  DRIVERS,
  dropMysqlDatabase,
  startServer,
  TEST_SECRET,
  TestServer,
} from '../support/harness';
import { issueInvoice, notificationsOf, runJobs, SmtpPeer, startSmtpPeer } from './support';
import { DAY, ManualClock } from '../support/clock';
import { sleep, eventually } from '../support/wait';

const CONTRACT = {
  licenseModel: 'USER',
  billingInterval: 'ANNUAL',
  contractedSeats: 3,
  seatPriceCents: 4000,
  paymentTermsDays: 30,
};

/** One database; on MariaDB two instances that share nothing else (own pools, services, units of work, HTTP servers). */
async function instances(
  driver: Driver,
  smtpUrl: string,
): Promise<{ servers: TestServer[]; close: () => Promise<void> }> {
  const options = { config: { testClock: true, smtpUrl } };
  if (driver === 'sqlite') {
    const server = await startServer(driver, options);
    return { servers: [server], close: () => server.close() };
  }
  const db = await createMysqlDatabase();
  const a = await startServer(driver, { ...options, databaseUrl: db.url });
  const b = await startServer(driver, { ...options, databaseUrl: db.url });
  return {
    servers: [a, b],
    close: async () => {
      await a.close();
      await b.close();
      await dropMysqlDatabase(db.name);
    },
  };
}

describe.each(DRIVERS)('R23/R24: concurrent scheduler runs on %s', (driver) => {
  it('R23: runs racing each other (on two instances on MariaDB) queue and deliver each reminder exactly once', async () => {
    const smtp = await startSmtpPeer();
    const { servers, close } = await instances(driver, smtp.url);
    try {
      const invoices = [];
      for (let i = 0; i < 8; i++)
        invoices.push(await issueInvoice(servers[0], (await createOrg(servers[0], CONTRACT)).orgId));
      const lastDue = Math.max(...invoices.map((inv) => new Date(inv.dueAt).getTime()));

      let queued = 0;
      let sent = 0;
      for (const offset of [15, 7, 3, 1]) {
        const asOf = new Date(lastDue - offset * DAY + 60_000);
        const reports = await Promise.all(
          Array.from({ length: 6 }, (_, i) => runJobs(servers[i % servers.length], asOf)),
        );
        queued += reports.reduce((n, r) => n + r.remindersQueued, 0);
        sent += reports.reduce((n, r) => n + r.notificationsSent, 0);
      }
      expect(queued).toBe(8 * 4);
      expect(sent).toBe(8 * 5); // the invoice mails too

      for (const inv of invoices) {
        const rows = await notificationsOf(servers[0], inv.id);
        expect(rows.map((n) => [n.kind, n.offsetDays, n.status, n.attempts])).toEqual([
          ['INVOICE_ISSUED', null, 'SENT', 1],
          ['INVOICE_REMINDER', 15, 'SENT', 1],
          ['INVOICE_REMINDER', 7, 'SENT', 1],
          ['INVOICE_REMINDER', 3, 'SENT', 1],
          ['INVOICE_REMINDER', 1, 'SENT', 1],
        ]);
        for (const row of rows) expect(smtp.received.filter((m) => m.notificationId === row.id)).toHaveLength(1);
      }
      expect(smtp.received).toHaveLength(8 * 5);
    } finally {
      await close();
      await smtp.close();
    }
  });
});

const mainJs = join(__dirname, '..', '..', 'dist', 'src', 'main.js');
const withMariaDb = DRIVERS.includes('mariadb') ? describe : describe.skip;

withMariaDb('R23/R24: two server processes on one MariaDB database', () => {
  let smtp: SmtpPeer;
  let db: { url: string; name: string };
  let seeder: TestServer;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    if (!existsSync(mainJs)) throw new Error('dist/src/main.js is missing: run `npm run build` first (npm test does)');
    smtp = await startSmtpPeer();
    db = await createMysqlDatabase();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await seeder?.close();
    await smtp.close();
    await dropMysqlDatabase(db.name);
  });

  it('R23/R24: both timers race on every tick; every invoice mail and every due reminder arrives exactly once', async () => {
    // Invoices issued "in the past" by a seeding instance, so that at real time each has a different reminder due.
    const clock = new ManualClock();
    seeder = await startServer('mariadb', { databaseUrl: db.url, appOptions: { clock } });
    const now = Date.now();
    const expected = new Map<string, number>();
    for (const [remainingDays, offset] of [
      [14.5, 15],
      [6.5, 7],
      [2.5, 3],
      [0.5, 1],
    ] as const) {
      for (let i = 0; i < 5; i++) {
        const issuedAt = now + remainingDays * DAY - 30 * DAY;
        clock.set(new Date(issuedAt - 60_000));
        const org = await createOrg(seeder, CONTRACT);
        clock.set(new Date(issuedAt));
        const invoice = await issueInvoice(seeder, org.orgId);
        expect(invoice.status).toBe('OPEN');
        expected.set(invoice.id, offset);
      }
    }

    const outputs: string[] = [];
    for (let p = 0; p < 2; p++) {
      const child = spawn(process.execPath, [mainJs], {
        env: {
          ...process.env,
          NODE_ENV: 'test',
          PORT: '0',
          DATABASE_URL: db.url,
          SEED_DEMO: '0',
          JWT_SECRET: TEST_SECRET,
          LOG_LEVEL: 'info',
          SMTP_URL: smtp.url,
          BILLING_SCHEDULER_INTERVAL_MS: '20',
          BILLING_TEST_CLOCK: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      outputs.push('');
      child.stdout!.on('data', (d) => (outputs[p] += d));
      child.stderr!.on('data', (d) => (outputs[p] += d));
      children.push(child);
    }
    await eventually(
      () => outputs.every((o) => o.includes('scheduler started')),
      20_000,
      'both processes to start their schedulers',
    );

    const total = expected.size * 2; // invoice mail + one reminder each
    await eventually(() => smtp.received.length >= total, 30_000, `${total} mails`);
    await sleep(1500); // dozens more ticks on each process: nothing more may arrive
    expect(smtp.received).toHaveLength(total);
    expect(new Set(smtp.received.map((m) => m.messageId)).size).toBe(total);

    for (const [invoiceId, offset] of expected) {
      const rows = await notificationsOf(seeder, invoiceId);
      expect(rows.map((n) => [n.kind, n.offsetDays, n.status, n.attempts])).toEqual([
        ['INVOICE_ISSUED', null, 'SENT', 1],
        ['INVOICE_REMINDER', offset, 'SENT', 1],
      ]);
      const reminder = smtp.received.filter((m) => m.notificationId === rows[1].id);
      expect(reminder).toHaveLength(1);
      expect(reminder[0].subject).toMatch(new RegExp(`is due in ${offset} days?$`));
    }

    for (const child of children) child.kill('SIGTERM');
    const codes = await Promise.all(
      children.map(async (child) => (child.exitCode ?? (await once(child, 'exit'))[0]) as number),
    );
    expect(codes).toEqual([0, 0]);
    expect(outputs.join('\n')).not.toMatch(/"level":50/); // no errors logged by either process
  });
});
