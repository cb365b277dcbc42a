import 'reflect-metadata';
import { createConnection } from 'mysql2/promise';
import { ALL_PERMISSIONS, LicenseKind, Role } from '../entities';
import { signToken } from '../src/auth/jwt';
import type { Viewer } from '../src/auth/viewer';
import { loadConfig } from '../src/config/config';
import { createApp } from '../src/server/app';

/**
 * `npm run bench:credits`: 50 concurrent startTraining calls on one organization, on MariaDB, over HTTP — the
 * hottest lock in the system (every start of an organization queues on its row lock, R14–R16). Prints operations per
 * second and errors. BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306) names the server; a scratch database is
 * created and dropped. BENCH_ROUNDS (default 10) rounds of BENCH_CONCURRENCY (default 50) calls, after one warm-up.
 */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const START = 'mutation($id: ID!) { startTraining(assignmentId: $id) { id status creditsFromBalance creditsOverage } }';

async function main() {
  const base = new URL(process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');
  const name = `bench_credits_${Date.now().toString(36)}`;
  const admin = await createConnection({ host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username || 'root'), password: decodeURIComponent(base.password) });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  const config = { ...loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'bench-secret' }), databaseUrl: url.toString(), port: 0, seedDemo: false, logLevel: 'silent' };
  const app = await createApp(config);
  try {
    const endpoint = `${await app.listen(0)}/graphql`;
    const operator: Viewer = { authenticated: true, isOperator: true, subject: 'bench', user: null, organizationId: null, permissions: new Set(ALL_PERMISSIONS) };
    const ctx = { viewer: operator, em: app.dataSource.manager };
    const s = app.services;
    const org = await s.organizations.create(ctx, { name: 'Bench', admin: { email: `bench-${name}@example.test`, name: 'B' }, contract: { licenseModel: LicenseKind.USER, contractedSeats: 100 } });
    const users = await Promise.all(Array.from({ length: 10 }, (_, i) => s.users.add(ctx, { email: `u${i}-${name}@example.test`, name: 'U', role: Role.EMPLOYEE }, org.id)));
    const tokens = await Promise.all(users.map((u) => signToken(config, { sub: u.id })));
    // enough credits for most rounds; the last rounds run into overage, so both paths are measured
    await s.credits.grantCredits(ctx, org.id, Math.floor(CONCURRENCY * ROUNDS * 0.8), null, 'bench-grant');

    const round = async () => {
      const assignments = [];
      for (let i = 0; i < CONCURRENCY; i++) assignments.push(await s.assignments.assign(ctx, { userId: users[i % users.length].id, contentId: 'bench', credits: 1 }));
      const started = process.hrtime.bigint();
      const results = await Promise.all(assignments.map(async (a, i) => {
        try {
          const res = await fetch(endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
            body: JSON.stringify({ query: START, variables: { id: a.id } }),
          });
          const body = (await res.json()) as { errors?: unknown[]; data?: { startTraining?: { status: string } } };
          return res.ok && !body.errors && body.data?.startTraining?.status === 'STARTED';
        } catch {
          return false;
        }
      }));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      return { ms, errors: results.filter((ok) => !ok).length };
    };

    await round(); // warm-up: JIT, pools, statement caches
    const rounds = [];
    for (let r = 0; r < ROUNDS; r++) rounds.push(await round());
    const totalMs = rounds.reduce((sum, r) => sum + r.ms, 0);
    const errors = rounds.reduce((sum, r) => sum + r.errors, 0);
    const perRound = rounds.map((r) => (CONCURRENCY / r.ms) * 1000).sort((a, b) => a - b);
    const balance = await s.credits.balance(app.dataSource.manager, org.id);
    console.log(`credits bench — MariaDB, HTTP, ${CONCURRENCY} concurrent startTraining on one organization × ${ROUNDS} rounds (after 1 warm-up)`);
    console.log(`  operations: ${CONCURRENCY * ROUNDS} in ${totalMs.toFixed(0)} ms`);
    console.log(`  throughput: ${((CONCURRENCY * ROUNDS) / totalMs * 1000).toFixed(0)} ops/s (rounds: min ${perRound[0].toFixed(0)}, median ${perRound[Math.floor(perRound.length / 2)].toFixed(0)}, max ${perRound.at(-1)!.toFixed(0)} ops/s)`);
    console.log(`  errors: ${errors}`);
    console.log(`  afterwards: available ${balance.available}, consumed this period ${balance.consumedThisPeriod}, overage ${balance.overageThisPeriod}`);
    process.exitCode = errors === 0 ? 0 : 1;
  } finally {
    await app.stop();
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
