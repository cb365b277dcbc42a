import 'reflect-metadata';
import { fork } from 'node:child_process';
import { createConnection } from 'mysql2/promise';
import { ALL_PERMISSIONS, LicenseKind, Role } from '../entities';
import { signToken } from '../src/auth/jwt';
import type { Viewer } from '../src/auth/viewer';
import { loadConfig } from '../src/config/config';
import { createApp } from '../src/server/app';

/**
 * `npm run bench:credits`: 50 concurrent startTraining calls on one organization, on MariaDB, over HTTP — the
 * hottest lock in the system (every start of an organization queues on its row lock, R14–R16). Prints operations per
 * second and errors.
 *
 * The server runs in this process; the load generator runs in a child process (as a real client would), firing
 * BENCH_CONCURRENCY (default 50) requests at once per round, BENCH_ROUNDS (default 10) rounds after one warm-up
 * round, each round on fresh assignments. BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306) names the server; a
 * scratch database is created and dropped.
 */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const START = 'mutation($id: ID!) { startTraining(assignmentId: $id) { id status creditsFromBalance creditsOverage } }';

/** The reference: the cheapest authenticated request (no database write, no lock) with the same concurrency. */
const BASELINE = '{ viewer { isOperator } }';

interface Batch {
  calls: Array<{ id: string; token: string }>;
  query?: string;
}
interface RoundResult {
  ms: number;
  errors: number;
  firstError?: string;
}

/** The load generator: one round = every call of a batch at once; waits for all, reports wall time and failures. */
async function client(): Promise<void> {
  process.once('message', async (message: { endpoint: string; batches: Batch[] }) => {
    const results: RoundResult[] = [];
    for (const batch of message.batches) {
      const started = process.hrtime.bigint();
      const outcomes = await Promise.all(
        batch.calls.map(async ({ id, token }) => {
          try {
            const res = await fetch(message.endpoint, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ query: batch.query ?? START, variables: batch.query ? {} : { id } }),
            });
            const body = (await res.json()) as {
              errors?: unknown[];
              data?: { startTraining?: { status: string }; viewer?: unknown };
            };
            const ok =
              res.ok &&
              !body.errors &&
              (batch.query ? !!body.data?.viewer : body.data?.startTraining?.status === 'STARTED');
            return ok ? null : JSON.stringify(body.errors ?? body);
          } catch (error) {
            return String(error);
          }
        }),
      );
      const failures = outcomes.filter((o): o is string => o !== null);
      results.push({
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        errors: failures.length,
        firstError: failures[0],
      });
    }
    process.send!(results, () => process.exit(0));
  });
}

async function server(): Promise<void> {
  const base = new URL(process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');
  const name = `bench_credits_${Date.now().toString(36)}`;
  const admin = await createConnection({
    host: base.hostname,
    port: Number(base.port || 3306),
    user: decodeURIComponent(base.username || 'root'),
    password: decodeURIComponent(base.password),
  });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  const config = {
    ...loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'bench-secret' }),
    databaseUrl: url.toString(),
    port: 0,
    seedDemo: false,
    logLevel: 'silent',
    rateLimitRps: 0 /* a benchmark, not a caller */,
  };
  const app = await createApp(config);
  try {
    const endpoint = `${await app.listen(0)}/graphql`;
    const operator: Viewer = {
      authenticated: true,
      isOperator: true,
      subject: 'bench',
      user: null,
      organizationId: null,
      permissions: new Set(ALL_PERMISSIONS),
    };
    const ctx = { viewer: operator, em: app.dataSource.manager };
    const s = app.services;
    const org = await s.organizations.create(ctx, {
      name: 'Bench',
      admin: { email: `bench-${name}@example.test`, name: 'B' },
      contract: { licenseModel: LicenseKind.USER, contractedSeats: 100 },
    });
    const users = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        s.users.add(ctx, { email: `u${i}-${name}@example.test`, name: 'U', role: Role.EMPLOYEE }, org.id),
      ),
    );
    const tokens = await Promise.all(users.map((u) => signToken(config, { sub: u.id })));
    // enough credits for most rounds; the last ones run into overage, so both paths are measured
    await s.creditPurchases.grantCredits(ctx, org.id, Math.floor(CONCURRENCY * ROUNDS * 0.8), null, 'bench-grant');
    const batches: Batch[] = [];
    for (let r = 0; r <= ROUNDS; r++) {
      const calls = [];
      for (let i = 0; i < CONCURRENCY; i++) {
        const assignment = await s.assignments.assign(ctx, {
          userId: users[i % users.length].id,
          contentId: 'bench',
          credits: 1,
        });
        calls.push({ id: assignment.id, token: tokens[i % tokens.length] });
      }
      batches.push({ calls });
    }

    // the same number of trivial authenticated requests first, for reference (warm-up included)
    const baselineBatches = batches.map((b) => ({ calls: b.calls, query: BASELINE }));
    const child = fork(__filename, ['client'], { stdio: 'inherit' });
    const results = await new Promise<RoundResult[]>((resolve, reject) => {
      child.once('message', (m) => resolve(m as RoundResult[]));
      child.once('error', reject);
      child.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
      child.send({ endpoint, batches: [...baselineBatches, ...batches] });
    });
    const baseline = results.slice(1, ROUNDS + 1);
    const baselineOps = ((CONCURRENCY * ROUNDS) / baseline.reduce((sum, r) => sum + r.ms, 0)) * 1000;
    results.splice(0, ROUNDS + 1);
    const rounds = results.slice(1); // the first round warms up JIT, pools and statement caches
    const totalMs = rounds.reduce((sum, r) => sum + r.ms, 0);
    const errors = rounds.reduce((sum, r) => sum + r.errors, 0) + results[0].errors;
    const perRound = rounds.map((r) => (CONCURRENCY / r.ms) * 1000).sort((a, b) => a - b);
    const balance = await s.credits.balance(app.dataSource.manager, org.id);
    console.log(
      `credits bench — MariaDB, HTTP, ${CONCURRENCY} concurrent startTraining on one organization × ${ROUNDS} rounds (after 1 warm-up)`,
    );
    console.log(`  operations: ${CONCURRENCY * ROUNDS} in ${totalMs.toFixed(0)} ms`);
    console.log(
      `  throughput: ${(((CONCURRENCY * ROUNDS) / totalMs) * 1000).toFixed(0)} ops/s (rounds: min ${perRound[0].toFixed(0)}, median ${perRound[Math.floor(perRound.length / 2)].toFixed(0)}, max ${perRound.at(-1)!.toFixed(0)} ops/s)`,
    );
    console.log(`  errors: ${errors}${errors ? ` (first: ${results.find((r) => r.firstError)?.firstError})` : ''}`);
    console.log(
      `  reference: the cheapest authenticated query ({ viewer { isOperator } }) at the same concurrency on this machine: ${baselineOps.toFixed(0)} ops/s`,
    );
    console.log(
      `  afterwards: available ${balance.available}, consumed this period ${balance.consumedThisPeriod}, overage ${balance.overageThisPeriod}`,
    );
    process.exitCode = errors === 0 ? 0 : 1;
  } finally {
    await app.stop();
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  }
}

(process.argv[2] === 'client' ? client() : server()).catch((error) => {
  console.error(error);
  process.exit(1);
});
