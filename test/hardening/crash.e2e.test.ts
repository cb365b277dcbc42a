import { createConnection } from 'mysql2/promise';
import { signToken } from '../../src/auth/jwt';
import { ChildServer, spawnServer } from '../support/child-server';
import { GqlResult, TEST_SECRET, createMysqlDatabase, dropMysqlDatabase, ok } from '../support/harness';
import { Gql, Q, auditJson, unique, uniqueMail } from './audit-support';

/**
 * Crash safety on MariaDB: the real built server (production mode, a child process) takes a burst of concurrent
 * purchases, training starts, invoice payments, user changes and period closes, and is killed with SIGKILL at a
 * random moment. Restarted on the same database, every request that failed with a connection error is sent again
 * (with its idempotency key where it has one) — and every purchase once more. Then the audit must find nothing, and
 * every purchase key must have been charged exactly once: one succeeded payment, one lot, one PURCHASE entry.
 *
 * Seeds are random and printed (each drives the kill moment and the burst); CRASH_SEEDS=1,2,3 replays given ones.
 */
const MARIADB = !!process.env.TEST_MYSQL_URL;
const SEEDS = (process.env.CRASH_SEEDS ?? '').split(',').filter(Boolean).map(Number);
while (SEEDS.length < 3) SEEDS.push(Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded PRNG, so a seed reproduces the burst and the kill moment. */
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** GraphQL over HTTP to a child server; a dead server answers `{ connectionError }` instead of throwing. */
function clientOf(server: () => ChildServer): Gql {
  return async (query, variables = {}, token) => {
    try {
      const res = await fetch(`${server().url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { ...((await res.json()) as GqlResult), status: res.status };
    } catch (error) {
      return { status: 0, connectionError: (error as Error).message } as GqlResult & { connectionError: string };
    }
  };
}

interface Request {
  label: string;
  /** The idempotency key, for purchases and payments. */
  key?: string;
  send(): Promise<GqlResult>;
  outcomes: GqlResult[];
}

const connectionFailed = (r: GqlResult) => 'connectionError' in r;

(MARIADB ? describe : describe.skip)('crash safety: kill -9 during a burst, restart, retry, audit (mariadb)', () => {
  it.each(SEEDS)(
    'seed %i: zero violations, every purchase charged exactly once',
    async (seed) => {
      const random = prng(seed);
      const db = await createMysqlDatabase();
      const env = { DATABASE_URL: db.url, RATE_LIMIT_RPS: '0' };
      let server = await spawnServer(env);
      const gql = clientOf(() => server);
      try {
        const operator = await signToken({ jwtSecret: TEST_SECRET }, { sub: 'operator-crash-test', operator: true });
        const tokenFor = (sub: string) => signToken({ jwtSecret: TEST_SECRET }, { sub });

        // Three organizations, each with a card, users, assignments waiting to start and an open invoice.
        const orgs = await Promise.all(
          [0, 1, 2].map(async (n) => {
            const orgId: string = (
              await ok(
                gql(
                  Q.createOrg,
                  {
                    input: {
                      name: `Crash ${n}`,
                      admin: { email: uniqueMail('admin'), name: 'Admin' },
                      contract: { licenseModel: 'USER', contractedSeats: 5, seatPriceCents: 1200 },
                    },
                  },
                  operator,
                ),
              )
            ).createOrganization.id;
            const adminId: string = (await ok(gql(Q.users, { id: orgId }, operator))).organization.users.nodes[0].id;
            const admin = await tokenFor(adminId);
            await ok(gql(Q.setCard, { token: 'tok_visa' }, admin));
            await ok(gql(Q.purchase, { quantity: 5, key: unique('setup') }, admin));
            const users: string[] = [];
            for (let i = 0; i < 3; i++)
              users.push(
                (await ok(gql(Q.addUser, { input: { email: uniqueMail('u'), name: `User ${i}` } }, admin))).addUser.id,
              );
            const assignments: string[] = [];
            for (let i = 0; i < 6; i++) {
              const input = {
                userId: users[i % users.length],
                contentId: `course-${i}`,
                credits: 1 + Math.floor(random() * 4),
              };
              assignments.push((await ok(gql(Q.assign, { input }, admin))).assignPremiumContent.id);
            }
            const invoiceId: string = (await ok(gql(Q.close, { organizationId: orgId }, operator))).closeBillingPeriod
              .id;
            return { orgId, admin, users, assignments, invoiceId };
          }),
        );

        // The burst: every request at once, in a seeded order.
        const requests: Request[] = [];
        const add = (label: string, send: () => Promise<GqlResult>, key?: string) =>
          requests.push({ label, key, send, outcomes: [] });
        for (const [n, o] of orgs.entries()) {
          for (let i = 0; i < 8; i++) {
            const key = `crash-${seed}-${n}-buy-${i}`;
            const quantity = 1 + Math.floor(random() * 150);
            add(`purchase ${key}`, () => gql(Q.purchase, { quantity, key }, o.admin), key);
          }
          for (const id of o.assignments)
            for (let i = 0; i < 2; i++) add(`start ${id}`, () => gql(Q.start, { id }, o.admin));
          const payKey = `crash-${seed}-${n}-pay`;
          for (let i = 0; i < 2; i++)
            add(`pay ${payKey}`, () => gql(Q.pay, { invoiceId: o.invoiceId, key: payKey }, o.admin), payKey);
          add(
            `pay ${payKey}-other`,
            () => gql(Q.pay, { invoiceId: o.invoiceId, key: `${payKey}-other` }, o.admin),
            `${payKey}-other`,
          );
          const email = uniqueMail('burst');
          add(`addUser ${email}`, () => gql(Q.addUser, { input: { email, name: 'Burst' } }, o.admin));
          add(`deactivate ${o.users[0]}`, () => gql(Q.deactivateUser, { id: o.users[0] }, o.admin));
          add(`close ${o.orgId}`, () => gql(Q.close, { organizationId: o.orgId }, operator));
        }
        for (let i = requests.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [requests[i], requests[j]] = [requests[j], requests[i]];
        }
        // The kill comes at a random point of the burst: once a seeded number of answers has arrived (none to most).
        const killAfterAnswers = Math.floor(random() * requests.length * 0.8);
        let answered = 0;
        let killed: Promise<void> | undefined;
        const started = Date.now();
        const kill = () => (killed ??= server.kill());
        const burst = Promise.all(
          requests.map(async (r) => {
            r.outcomes.push(await r.send());
            if (++answered >= killAfterAnswers) void kill();
          }),
        );
        if (killAfterAnswers === 0) void kill();
        await burst;
        await kill();
        const killAfterMs = Date.now() - started;
        const cut = requests.filter((r) => connectionFailed(r.outcomes[0]));
        console.log(
          `[crash seed ${seed}] killed after ${killAfterAnswers} answers (~${killAfterMs} ms): ${requests.length - cut.length} of ${requests.length} requests answered, ${cut.length} cut off (replay: CRASH_SEEDS=${seed})`,
        );

        // Restart on the same database; send again what was cut off, and every purchase once more.
        server = await spawnServer(env);
        const again = new Set([...cut, ...requests.filter((r) => r.label.startsWith('purchase '))]);
        await Promise.all([...again].map(async (r) => r.outcomes.push(await r.send())));
        for (const r of again) expect([r.label, connectionFailed(r.outcomes.at(-1)!)]).toEqual([r.label, false]);

        // No answer is ever a server error, before or after the crash.
        for (const r of requests) {
          for (const o of r.outcomes.filter((x) => !connectionFailed(x))) {
            expect([
              r.label,
              (o.errors ?? []).map((e) => e.extensions?.code).filter((c) => c === 'INTERNAL_SERVER_ERROR'),
            ]).toEqual([r.label, []]);
          }
        }

        // Every purchase key: the same purchase on every answer, and exactly one charge, lot and entry in the books.
        const purchases = requests.filter((r) => r.label.startsWith('purchase '));
        const conn = await createConnection(db.url);
        try {
          for (const r of purchases) {
            const ids = new Set(r.outcomes.filter((o) => !connectionFailed(o)).map((o) => o.data?.purchaseCredits?.id));
            expect([r.key, ids.size, [...ids][0] ? 'purchased' : 'missing']).toEqual([r.key, 1, 'purchased']);
            const [rows] = await conn.query(
              `SELECT k.result, cp.id AS purchaseId, p.status, p.amountCents, cp.totalCents,
                    (SELECT COUNT(*) FROM credit_ledger_entry e WHERE e.lotId = cp.lotId AND e.kind = 'PURCHASE') AS entries
             FROM idempotency_key k
             LEFT JOIN credit_purchase cp ON cp.id = JSON_UNQUOTE(JSON_EXTRACT(k.result, '$.purchaseId'))
             LEFT JOIN payment p ON p.id = cp.paymentId
             WHERE k.idempotencyKey = ? AND k.operation = 'purchaseCredits'`,
              [r.key],
            );
            const found = rows as Array<{
              purchaseId: string;
              status: string;
              amountCents: number;
              totalCents: number;
              entries: number;
            }>;
            expect([r.key, found.length]).toEqual([r.key, 1]);
            expect(found[0]).toMatchObject({ purchaseId: [...ids][0], status: 'SUCCEEDED', entries: 1 });
            expect(Number(found[0].amountCents)).toBe(Number(found[0].totalCents));
          }
          // Nothing charged beside them: each organization's succeeded purchase payments are its setup purchase plus its keys.
          const [counts] = await conn.query(
            `SELECT organizationId, COUNT(*) AS n, COUNT(DISTINCT providerRef) AS charges FROM payment
           WHERE purpose = 'CREDIT_PURCHASE' AND status = 'SUCCEEDED' GROUP BY organizationId`,
          );
          for (const o of orgs) {
            const row = (counts as Array<{ organizationId: string; n: number; charges: number }>).find(
              (c) => c.organizationId === o.orgId,
            );
            expect([o.orgId, Number(row?.n), Number(row?.charges)]).toEqual([o.orgId, 1 + 8, 1 + 8]);
          }
        } finally {
          await conn.end();
        }

        await server.kill();
        const { code, report } = await auditJson(db.url);
        expect(report.violations).toEqual([]);
        expect(code).toBe(0);
      } finally {
        await server.kill().catch(() => undefined);
        await dropMysqlDatabase(db.name);
      }
    },
    60000,
  );
});
