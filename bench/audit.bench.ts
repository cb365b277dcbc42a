import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { createDataSource } from '../ormconfig';
import { openAuditDb } from '../src/audit/audit-db';
import { runAudit } from '../src/audit/invariants';

/**
 * npm run bench:audit — the operator's audit (npm run audit) on MariaDB with 10^6 credit ledger entries.
 * A scratch database is migrated, then filled with bulk INSERT … SELECT over MariaDB's sequence tables
 * (seq_1_to_N): BENCH_AUDIT_ORGS organizations (default 1,000) of BENCH_AUDIT_ENTRIES entries each (default 1,000),
 * every one a consistent book — a dashboard purchase (payment, lot, PURCHASE entry), an annual grant, one started
 * assignment per CONSUMPTION entry, users and a location with their usage events, a closed period with its paid
 * invoice and a reminder, an open period, alerts. Prints the time of each invariant and of the whole CLI run.
 * Goal: ≤ 10 s, and no violation (the data is consistent). BENCH_MYSQL_URL (default TEST_MYSQL_URL, else
 * mysql://root@127.0.0.1:3306) names the server; the scratch database is dropped afterwards.
 */
const ORGS = Number(process.env.BENCH_AUDIT_ORGS ?? 1000);
const ENTRIES = Number(process.env.BENCH_AUDIT_ENTRIES ?? 1000);
const USERS = 10;
const ALERTS = 3;
const PURCHASED = 100_000;
const GRANTED = 500;

/** A 36-character id from a prefix and up to two numbers (deterministic, so rows can reference each other in SQL). */
const id = (prefix: string, a: string, b = '0') =>
  `CONCAT('${prefix}', LPAD(${a}, 16, '0'), '-', LPAD(${b}, ${35 - prefix.length - 16}, '0'))`;
const ORG = id('org-', 'o.seq');

async function main() {
  if (ENTRIES < 3) throw new Error('BENCH_AUDIT_ENTRIES must be at least 3 (a purchase, a grant and a consumption)');
  const base = new URL(process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');
  const name = `bench_audit_${randomBytes(4).toString('hex')}`;
  const server = {
    host: base.hostname,
    port: Number(base.port || 3306),
    user: decodeURIComponent(base.username || 'root'),
    password: decodeURIComponent(base.password),
  };
  const admin = await createConnection(server);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  try {
    const ds = createDataSource(url.toString());
    await ds.initialize();
    await ds.runMigrations();
    await ds.destroy();

    const conn = await createConnection({ ...server, database: name, multipleStatements: false });
    // Bulk load: the rows are consistent by construction; per-row foreign-key and unique checks only slow it down.
    await conn.query('SET SESSION foreign_key_checks = 0, unique_checks = 0');
    const t0 = Date.now();
    const step = async (label: string, sql: string) => {
      const started = Date.now();
      const [result] = await conn.query(sql);
      console.log(
        `  ${label.padEnd(22)} ${String((result as { affectedRows: number }).affectedRows).padStart(9)} rows  ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    };
    const orgs = `seq_1_to_${ORGS} o`;
    const consumptions = ENTRIES - 2;
    console.log(
      `Filling ${name}: ${ORGS} organizations × ${ENTRIES} ledger entries = ${(ORGS * ENTRIES).toLocaleString('en-US')} entries`,
    );
    await step(
      'organization',
      `INSERT INTO organization (id, name, status, createdAt, lastInvoiceSequence)
      SELECT ${ORG}, CONCAT('Org ', o.seq), 'ACTIVE', '2026-01-01 00:00:00.000', 1 FROM ${orgs}`,
    );
    await step(
      'contract',
      `INSERT INTO contract (id, organizationId, licenseModel, billingInterval, seatPriceCents, contractedSeats, locationPriceCents,
        contractedLocations, creditUnitPriceCents, allowOverage, paymentTermsDays, updatedAt)
      SELECT ${id('con-', 'o.seq')}, ${ORG}, 'USER', 'MONTHLY', 1500, ${USERS}, 0, 0, 1000, 1, 30, '2026-01-01 00:00:00.000' FROM ${orgs}`,
    );
    await step(
      'billing_period',
      `INSERT INTO billing_period (id, organizationId, start, end, openForOrganizationId, closedAt, anchor, anchorIndex)
      SELECT ${id('per-', 'o.seq', 'p.seq')}, ${ORG},
        IF(p.seq = 1, '2026-01-01 00:00:00.000', '2026-02-01 00:00:00.000'), IF(p.seq = 1, '2026-02-01 00:00:00.000', '2026-03-01 00:00:00.000'),
        IF(p.seq = 1, NULL, ${ORG}), IF(p.seq = 1, '2026-02-01 00:00:00.000', NULL), '2026-01-01 00:00:00.000', p.seq - 1
      FROM ${orgs} JOIN seq_1_to_2 p`,
    );
    await step(
      'location',
      `INSERT INTO location (id, organizationId, name, status, createdAt)
      SELECT ${id('loc-', 'o.seq')}, ${ORG}, 'HQ', 'ACTIVE', '2026-01-01 00:00:00.000' FROM ${orgs}`,
    );
    // Users 1..USERS are active; one more was deactivated (two usage events).
    await step(
      'user',
      `INSERT INTO \`user\` (id, organizationId, email, name, role, status, locationId, createdAt, activatedAt, deactivatedAt)
      SELECT ${id('usr-', 'o.seq', 'u.seq')}, ${ORG}, CONCAT('u', u.seq, '.o', o.seq, '@bench.test'), 'User', IF(u.seq = 1, 'ADMIN', 'EMPLOYEE'),
        IF(u.seq <= ${USERS}, 'ACTIVE', 'DEACTIVATED'), ${id('loc-', 'o.seq')}, '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000',
        IF(u.seq <= ${USERS}, NULL, '2026-01-15 00:00:00.000')
      FROM ${orgs} JOIN seq_1_to_${USERS + 1} u`,
    );
    await step(
      'usage_event',
      `INSERT INTO usage_event (organizationId, kind, subjectId, delta, occurredAt)
      SELECT ${ORG}, 'USER', ${id('usr-', 'o.seq', 'u.seq')}, IF(k.seq = 1, 1, -1), IF(k.seq = 1, '2026-01-01 00:00:00.000', '2026-01-15 00:00:00.000')
      FROM ${orgs} JOIN seq_1_to_${USERS + 1} u JOIN seq_1_to_2 k WHERE k.seq = 1 OR u.seq > ${USERS}
      UNION ALL
      SELECT ${ORG}, 'LOCATION', ${id('loc-', 'o.seq')}, 1, '2026-01-01 00:00:00.000' FROM ${orgs}
      ORDER BY 3, 4 DESC`,
    );
    await step(
      'payment_method',
      `INSERT INTO payment_method (id, organizationId, brand, last4, expMonth, expYear, providerRef, updatedAt)
      SELECT ${id('pm-', 'o.seq')}, ${ORG}, 'Visa', '4242', 12, 2030, 'pm_sandbox_tok_visa_bench', '2026-01-01 00:00:00.000' FROM ${orgs}`,
    );
    // Lot 1: a dashboard purchase (never expires); lot 2: an annual grant.
    await step(
      'credit_lot',
      `INSERT INTO credit_lot (id, organizationId, source, quantity, remaining, unitPriceCents, discountPercent, totalCents,
        purchasedAt, expiresAt, expiredAt, periodId)
      SELECT ${id('lot-', 'o.seq', 'l.seq')}, ${ORG}, IF(l.seq = 1, 'DASHBOARD', 'ANNUAL'), IF(l.seq = 1, ${PURCHASED}, ${GRANTED}),
        IF(l.seq = 1, ${PURCHASED - consumptions}, ${GRANTED}), 800, 20, IF(l.seq = 1, ${PURCHASED * 800}, ${GRANTED * 800}),
        '2026-01-02 00:00:00.000', IF(l.seq = 1, NULL, '2027-01-01 00:00:00.000'), NULL, ${id('per-', 'o.seq', '1')}
      FROM ${orgs} JOIN seq_1_to_2 l`,
    );
    await step(
      'payment',
      `INSERT INTO payment (id, organizationId, purpose, invoiceId, amountCents, status, failureCode, providerRef, createdAt)
      SELECT ${id('pay-', 'o.seq', 'k.seq')}, ${ORG}, IF(k.seq = 1, 'CREDIT_PURCHASE', 'INVOICE'), IF(k.seq = 1, NULL, ${id('inv-', 'o.seq', '1')}),
        IF(k.seq = 1, ${PURCHASED * 800}, ${USERS * 1500 + GRANTED * 800}), 'SUCCEEDED', NULL, CONCAT('ch_bench_', o.seq, '_', k.seq), '2026-01-02 00:00:00.000'
      FROM ${orgs} JOIN seq_1_to_2 k`,
    );
    await step(
      'credit_purchase',
      `INSERT INTO credit_purchase (id, organizationId, quantity, totalCents, lotId, paymentId, createdAt)
      SELECT ${id('cp-', 'o.seq')}, ${ORG}, ${PURCHASED}, ${PURCHASED * 800}, ${id('lot-', 'o.seq', '1')}, ${id('pay-', 'o.seq', '1')}, '2026-01-02 00:00:00.000'
      FROM ${orgs}`,
    );
    await step(
      'invoice',
      `INSERT INTO invoice (id, organizationId, periodId, sequence, number, status, periodStart, periodEnd, issuedAt, dueAt, currency,
        subtotalCents, totalCents, amountPaidCents, paidAt)
      SELECT ${id('inv-', 'o.seq', '1')}, ${ORG}, ${id('per-', 'o.seq', '1')}, 1, 'INV-000001', 'PAID', '2026-01-01 00:00:00.000', '2026-02-01 00:00:00.000',
        '2026-02-01 00:00:00.000', '2026-03-03 00:00:00.000', 'USD', ${USERS * 1500 + GRANTED * 800}, ${USERS * 1500 + GRANTED * 800},
        ${USERS * 1500 + GRANTED * 800}, '2026-02-10 00:00:00.000'
      FROM ${orgs}`,
    );
    await step(
      'notification',
      `INSERT INTO notification (id, organizationId, invoiceId, kind, offsetDays, recipients, subject, textBody, htmlBody, status,
        attempts, nextAttemptAt, createdAt)
      SELECT ${id('ntf-', 'o.seq')}, ${ORG}, ${id('inv-', 'o.seq', '1')}, 'INVOICE_REMINDER', 15, '["u1@bench.test"]', 'Reminder', 'Due soon', '<p>Due soon</p>',
        'SENT', 1, '2026-02-16 00:00:00.000', '2026-02-16 00:00:00.000'
      FROM ${orgs}`,
    );
    await step(
      'billing_alert',
      `INSERT INTO billing_alert (id, organizationId, sequence, kind, message, createdAt)
      SELECT ${id('alr-', 'o.seq', 'a.seq')}, ${ORG}, a.seq, 'CREDITS_LOW', 'Credits are low', '2026-02-01 00:00:00.000'
      FROM ${orgs} JOIN seq_1_to_${ALERTS} a`,
    );
    // One started assignment per CONSUMPTION entry (entries 3..ENTRIES), assigned round-robin to the active users.
    await step(
      'training_assignment',
      `INSERT INTO training_assignment (id, organizationId, userId, contentId, credits, status, assignedAt, startedAt,
        cancelledAt, creditsFromBalance, creditsOverage)
      SELECT ${id('asg-', 'o.seq', 's.seq')}, ${ORG}, ${id('usr-', 'o.seq', `1 + MOD(s.seq, ${USERS})`)}, 'course-1', 1, 'STARTED',
        '2026-02-02 00:00:00.000', '2026-02-03 00:00:00.000', NULL, 1, 0
      FROM ${orgs} JOIN seq_3_to_${ENTRIES} s`,
    );
    await step(
      'credit_ledger_entry',
      `INSERT INTO credit_ledger_entry (id, organizationId, sequence, kind, quantity, balanceAfter, lotId, assignmentId,
        unitPriceCents, periodId, createdAt)
      SELECT ${id('led-', 'o.seq', 's.seq')}, ${ORG}, s.seq,
        CASE s.seq WHEN 1 THEN 'PURCHASE' WHEN 2 THEN 'GRANT' ELSE 'CONSUMPTION' END,
        CASE s.seq WHEN 1 THEN ${PURCHASED} WHEN 2 THEN ${GRANTED} ELSE -1 END,
        CASE s.seq WHEN 1 THEN ${PURCHASED} ELSE ${PURCHASED + GRANTED} - GREATEST(s.seq - 2, 0) END,
        ${id('lot-', 'o.seq', 'IF(s.seq = 2, 2, 1)')}, IF(s.seq <= 2, NULL, ${id('asg-', 'o.seq', 's.seq')}), NULL,
        ${id('per-', 'o.seq', '2')}, '2026-02-03 00:00:00.000'
      FROM ${orgs} JOIN seq_1_to_${ENTRIES} s`,
    );
    await conn.query('ANALYZE TABLE credit_ledger_entry, training_assignment, credit_lot, usage_event, `user`');
    await conn.end();
    console.log(`Filled in ${((Date.now() - t0) / 1000).toFixed(1)} s.\n`);

    const db = await openAuditDb(url.toString());
    const report = await runAudit(db).finally(() => db.close());
    for (const c of report.checks) {
      console.log(
        `  ${c.name.padEnd(28)} ${(c.ms / 1000).toFixed(2).padStart(6)} s  ${c.skipped ? `skipped: ${c.skipped}` : `${c.violations.length} violations`}`,
      );
    }
    console.log(`runAudit: ${(report.ms / 1000).toFixed(2)} s, ${report.violations.length} violations`);
    for (const v of report.violations.slice(0, 5)) console.log(`  ${v.invariant} ${v.organizationId}: ${v.message}`);

    const cli = resolve(__dirname, '../src/cli/audit.js');
    const started = Date.now();
    const run = spawnSync(process.execPath, [cli, url.toString()], { encoding: 'utf8' });
    const seconds = (Date.now() - started) / 1000;
    console.log(`\nnpm run audit (the built CLI, end to end): ${seconds.toFixed(2)} s, exit code ${run.status}`);
    console.log(run.stdout.trim().split('\n').at(-1));
    const ok = report.ok && run.status === 0 && seconds <= 10;
    console.log(ok ? 'Goal met: ≤ 10 s and no violation on 10^6 ledger entries.' : 'Goal NOT met.');
    process.exitCode = ok ? 0 : 1;
  } finally {
    if (process.env.BENCH_AUDIT_KEEP === '1') console.log(`kept ${url} (BENCH_AUDIT_KEEP=1)`);
    else await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
