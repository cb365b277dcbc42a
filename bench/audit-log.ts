import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { createConnection, RowDataPacket } from 'mysql2/promise';
import { signToken } from '../src/auth/jwt';
import { gql } from './graphql-request';

/**
 * npm run bench:audit-log — R31's cost: the throughput of `addUser` with the audit log written (one INSERT in the
 * transaction) over the same without it, on the real built server (production mode, a process of its own, a scratch
 * MariaDB database). Two servers run side by side on the one database: bench/audit-log-server.ts as it ships, and the
 * same with the writer replaced by a no-op (BENCH_AUDIT_LOG=off — a switch of the benchmark's server, not of the
 * product). Each has its organization (USER, 1,000,000 seats: no overage alert, no rules).
 *
 * Each round sends BENCH_REQUESTS addUser mutations (fresh emails) to each server over 10 concurrent clients (a
 * fixed amount, timed here), the servers' order alternated per round; a round's figure is req/s with the log ÷ req/s without.
 * Every request is checked afterwards in the database: the users exist, with one USER_ADDED event each on the side
 * that writes them and none on the other.
 *
 * Env: BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306), BENCH_ROUNDS (5), BENCH_REQUESTS (500), BENCH_JSON=1.
 */
const MYSQL_URL = new URL(process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);
const CONNECTIONS = 10;
const GOAL = 0.9;
const SECRET = randomBytes(32).toString('hex');
const SERVER_MAIN = resolve(__dirname, 'audit-log-server.js');

const ADD_USER = 'mutation AddUser($input: AddUserInput!) { addUser(input: $input) { id } }';

interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startServer(databaseUrl: string, auditLog: 'on' | 'off'): Promise<Server> {
  const child = spawn(process.execPath, [SERVER_MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      JWT_SECRET: SECRET,
      PORT: '0',
      SEED_DEMO: '0',
      BILLING_SCHEDULER_INTERVAL_MS: '0',
      RATE_LIMIT_RPS: '1000000',
      RATE_LIMIT_BURST: '1000000',
      LOG_LEVEL: 'warn',
      SMTP_URL: '',
      BENCH_AUDIT_LOG: auditLog,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`the server did not start:\n${tail}`)), 60_000);
    const onData = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-20_000);
      const match = /(http:\/\/[^\s"]+)\/graphql/.exec(tail);
      if (match) {
        clearTimeout(timer);
        ready(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => fail(new Error(`the server exited:\n${tail}`)));
  });
  return {
    url,
    child,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface Side {
  name: string;
  server: Server;
  organizationId: string;
  token: string;
}

async function createSide(name: string, server: Server): Promise<Side> {
  const operatorToken = await signToken({ jwtSecret: SECRET }, { sub: 'bench-operator', operator: true });
  const created = await gql(
    server.url,
    `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }`,
    {
      input: {
        name,
        admin: { email: `admin.${randomBytes(4).toString('hex')}@bench.test`, name: 'Admin' },
        contract: { licenseModel: 'USER', contractedSeats: 1_000_000, seatPriceCents: 1000 },
      },
    },
    operatorToken,
  );
  const organizationId = created.createOrganization.id as string;
  const users = await gql(
    server.url,
    `query($id: ID) { organization(id: $id) { users { nodes { id } } } }`,
    { id: organizationId },
    operatorToken,
  );
  const token = await signToken({ jwtSecret: SECRET }, { sub: users.organization.users.nodes[0].id as string });
  return { name, server, organizationId, token };
}

let emailCounter = 0;

/**
 * Sends `amount` addUser mutations over CONNECTIONS concurrent clients (keep-alive fetch); returns req/s, timed here
 * (autocannon's completion is seen on its one-second tick, too coarse for a few seconds of load). Any error fails.
 */
async function addUsers(side: Side, amount: number): Promise<number> {
  let sent = 0;
  const worker = async () => {
    while (sent < amount) {
      sent++;
      const email = `u${emailCounter++}.${side.organizationId.slice(0, 8)}@bench.test`;
      const response = await fetch(`${side.server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${side.token}` },
        body: JSON.stringify({ query: ADD_USER, variables: { input: { email, name: 'Bench User' } } }),
      });
      const body = (await response.json()) as { errors?: unknown[] };
      if (response.status !== 200 || body.errors)
        throw new Error(`HTTP ${response.status}: ${JSON.stringify(body).slice(0, 500)}`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  return amount / ((performance.now() - started) / 1000);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function main() {
  const admin = await createConnection({
    host: MYSQL_URL.hostname,
    port: Number(MYSQL_URL.port || 3306),
    user: decodeURIComponent(MYSQL_URL.username || 'root'),
    password: decodeURIComponent(MYSQL_URL.password),
  });
  const databaseName = `bench_audit_log_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE \`${databaseName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const databaseUrl = new URL(MYSQL_URL.toString());
  databaseUrl.pathname = `/${databaseName}`;
  const servers: Server[] = [];
  try {
    // One after the other: the first migrates the database, the second finds it migrated.
    const withLog = await createSide('Bench audit log on', await startServer(databaseUrl.toString(), 'on'));
    servers.push(withLog.server);
    const without = await createSide('Bench audit log off', await startServer(databaseUrl.toString(), 'off'));
    servers.push(without.server);
    console.log(`${databaseName}: two servers on one database, the audit log written by one of them`);

    // Warm-up round (not counted): JIT, pools, caches.
    for (const side of [withLog, without]) await addUsers(side, REQUESTS);

    const ratios: number[] = [];
    const rates = { on: [] as number[], off: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [without, withLog] : [withLog, without];
      const measured = new Map<Side, number>();
      for (const side of order) measured.set(side, await addUsers(side, REQUESTS));
      rates.on.push(measured.get(withLog)!);
      rates.off.push(measured.get(without)!);
      ratios.push(measured.get(withLog)! / measured.get(without)!);
      console.log(
        `  round ${round + 1}: addUser ${ratios[round].toFixed(2)}× (${rates.on[round].toFixed(0)} vs ${rates.off[round].toFixed(0)} req/s)`,
      );
    }

    // Every request did its work, and the log holds exactly the events of the side that writes it.
    await admin.query(`USE \`${databaseName}\``);
    const expected = 1 + REQUESTS * (ROUNDS + 1);
    for (const [side, events] of [
      [withLog, expected - 1],
      [without, 0],
    ] as const) {
      const [[row]] = await admin.query<RowDataPacket[]>(
        `SELECT (SELECT COUNT(*) FROM \`user\` WHERE organizationId = ?) AS users,
                (SELECT COUNT(*) FROM audit_event WHERE organizationId = ? AND action = 'USER_ADDED') AS events`,
        [side.organizationId, side.organizationId],
      );
      if (Number(row.users) !== expected || Number(row.events) !== events)
        throw new Error(
          `${side.name}: ${row.users} users and ${row.events} USER_ADDED events, expected ${expected} and ${events}`,
        );
      console.log(`  ${side.name}: ${row.users} users, ${row.events} USER_ADDED events`);
    }

    const m = median(ratios);
    const table = [
      [
        'addUser req/s, audit log ÷ none',
        `${m.toFixed(2)}×`,
        `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
        `${median(rates.on).toFixed(0)} vs ${median(rates.off).toFixed(0)} req/s`,
        `≥ ${GOAL}×`,
        m >= GOAL ? 'pass' : 'FAIL',
      ],
    ];
    const header = ['figure', 'median', 'spread', 'medians', 'goal', 'pass/fail'];
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
    const line = (cells: string[]) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    console.log(`\n${ROUNDS} interleaved rounds of ${REQUESTS} requests each, ${CONNECTIONS} connections, MariaDB`);
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of table) console.log(line(row));
    if (process.env.BENCH_JSON === '1') console.log(JSON.stringify({ ratios, rates }, null, 2));
  } finally {
    for (const server of servers) await server.stop();
    await admin.query(`DROP DATABASE IF EXISTS \`${databaseName}\``);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
