import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { createConnection, RowDataPacket } from 'mysql2/promise';
import { signToken } from '../src/auth/jwt';
import { gql } from './graphql-request';

/**
 * npm run bench:alert-rules — R26's cost: the throughput of `addUser` and of `startTraining` in an organization with 25
 * enabled alert rules, over the same in an organization with none, on the real built server (dist/src/main.js,
 * NODE_ENV=production, its own process) and a scratch MariaDB database.
 *
 * Both organizations have the same contract (USER, 1,000,000 seats: no overage alert) and 100,000 granted credits.
 * The 25 rules use every metric a USER contract allows (seats in use, credits available, credit overage this period,
 * the upcoming invoice total — the last reads the whole invoice preview), half of them with the EMAIL channel, with
 * thresholds the benchmark never crosses: every change evaluates all 25 and raises nothing, the steady state.
 *
 * Each round sends BENCH_REQUESTS addUser mutations (fresh emails) and as many startTraining mutations (assignments
 * made beforehand, one credit each) to each organization over 10 connections (autocannon, a fixed amount), the
 * organizations interleaved and their order alternated per round; a round's figure is req/s with rules ÷ req/s without.
 * Every request is checked afterwards in the database (users added, assignments started).
 *
 * Env: BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306), BENCH_ROUNDS (5), BENCH_REQUESTS (500), BENCH_JSON=1.
 */
const MYSQL_URL = new URL(process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);
const CONNECTIONS = 10;
const GOAL = 0.9;
const SECRET = randomBytes(32).toString('hex');
const SERVER_MAIN = resolve(__dirname, '../src/main.js');

const ADD_USER = 'mutation AddUser($input: AddUserInput!) { addUser(input: $input) { id } }';
const START = 'mutation Start($id: ID!) { startTraining(assignmentId: $id) { id status } }';

/** 25 rules over the metrics of a USER contract, none of which the benchmark crosses. */
function benchRules(): Array<Record<string, unknown>> {
  const kinds = [
    { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 5_000_000 },
    { metric: 'CREDITS_AVAILABLE', direction: 'BELOW', threshold: 10 },
    { metric: 'CREDIT_OVERAGE_THIS_PERIOD', direction: 'ABOVE', threshold: 1_000 },
    { metric: 'UPCOMING_INVOICE_TOTAL_CENTS', direction: 'ABOVE', threshold: 1_000_000_000_000 },
  ];
  return Array.from({ length: 25 }, (_, i) => ({
    ...kinds[i % kinds.length],
    threshold: (kinds[i % kinds.length].threshold as number) + i,
    channels: i % 2 ? ['DASHBOARD', 'EMAIL'] : ['DASHBOARD'],
  }));
}

interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startServer(databaseUrl: string): Promise<Server> {
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

interface BenchOrganization {
  name: string;
  id: string;
  adminId: string;
  token: string;
}

async function createOrganization(url: string, operatorToken: string, name: string, rules: boolean) {
  const created = await gql(
    url,
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
  const id = created.createOrganization.id as string;
  const users = await gql(
    url,
    `query($id: ID) { organization(id: $id) { users { nodes { id } } } }`,
    { id },
    operatorToken,
  );
  const adminId = users.organization.users.nodes[0].id as string;
  const token = await signToken({ jwtSecret: SECRET }, { sub: adminId });
  await gql(
    url,
    `mutation($id: ID!) { grantCredits(organizationId: $id, quantity: 100000, idempotencyKey: "bench-${id}") { id } }`,
    { id },
    operatorToken,
  );
  if (rules) {
    for (const input of benchRules())
      await gql(url, `mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`, { input }, token);
  }
  return { name, id, adminId, token } satisfies BenchOrganization;
}

/** `count` new assignments of one credit to the organization's admin, 15 per document (the alias limit). */
async function assignments(url: string, org: BenchOrganization, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let done = 0; done < count; done += 15) {
    const size = Math.min(15, count - done);
    const fields = Array.from(
      { length: size },
      (_, i) =>
        `a${i}: assignPremiumContent(input: { userId: "${org.adminId}", contentId: "bench-${done + i}", credits: 1 }) { id }`,
    );
    const data = await gql(url, `mutation { ${fields.join(' ')} }`, {}, org.token);
    for (let i = 0; i < size; i++) ids.push(data[`a${i}`].id);
  }
  return ids;
}

let emailCounter = 0;

/** Runs `amount` requests, each body from `body()`, over the connections; returns req/s. */
async function measure(url: string, token: string, amount: number, body: () => string): Promise<number> {
  // From the start to the last response, on the wall clock: autocannon notices that a fixed amount is done only at
  // its next one-second tick, and its `duration` counts those ticks (500 requests in 4.2 s and in 4.9 s both read 5 s).
  const started = performance.now();
  let lastResponse = started;
  const options: autocannon.AutocannonOptions = {
    url: `${url}/graphql`,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        setupRequest: (request) => ({ ...request, body: body() }),
      },
    ],
    connections: CONNECTIONS,
    amount,
  };
  const result = await new Promise<autocannon.AutocannonResult>((done, fail) => {
    const instance = autocannon(options, (error, finished) => (error ? fail(error) : done(finished)));
    instance.on('response', () => {
      lastResponse = performance.now();
    });
  });
  if (result.errors || result.timeouts || result.non2xx)
    throw new Error(`${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses`);
  return result.requests.total / ((lastResponse - started) / 1000);
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
  const databaseName = `bench_alert_rules_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE \`${databaseName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const databaseUrl = new URL(MYSQL_URL.toString());
  databaseUrl.pathname = `/${databaseName}`;
  let server: Server | undefined;
  try {
    server = await startServer(databaseUrl.toString());
    const url = server.url;
    const operatorToken = await signToken({ jwtSecret: SECRET }, { sub: 'bench-operator', operator: true });
    const none = await createOrganization(url, operatorToken, 'Bench no rules', false);
    const ruled = await createOrganization(url, operatorToken, 'Bench 25 rules', true);
    console.log(`${databaseName}: two organizations, one with 25 enabled alert rules; seeding assignments…`);
    const pending = new Map<string, string[]>();
    for (const org of [none, ruled]) pending.set(org.id, await assignments(url, org, REQUESTS * (ROUNDS + 1)));

    const addUser = (org: BenchOrganization) =>
      measure(url, org.token, REQUESTS, () =>
        JSON.stringify({
          query: ADD_USER,
          variables: { input: { email: `u${emailCounter++}.${org.id.slice(0, 8)}@bench.test`, name: 'Bench User' } },
        }),
      );
    const startTraining = (org: BenchOrganization) => {
      const queue = pending.get(org.id)!;
      return measure(url, org.token, REQUESTS, () => JSON.stringify({ query: START, variables: { id: queue.pop() } }));
    };
    // Warm-up round (not counted): JIT, pools, caches.
    for (const org of [none, ruled]) {
      await addUser(org);
      await startTraining(org);
    }

    const ratios = { addUser: [] as number[], startTraining: [] as number[] };
    const rates = {
      addUser: { none: [] as number[], ruled: [] as number[] },
      startTraining: { none: [] as number[], ruled: [] as number[] },
    };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [ruled, none] : [none, ruled];
      for (const operation of ['addUser', 'startTraining'] as const) {
        const measured = new Map<string, number>();
        for (const org of order)
          measured.set(org.id, await (operation === 'addUser' ? addUser(org) : startTraining(org)));
        const [withRules, without] = [measured.get(ruled.id)!, measured.get(none.id)!];
        rates[operation].ruled.push(withRules);
        rates[operation].none.push(without);
        ratios[operation].push(withRules / without);
      }
      console.log(
        `  round ${round + 1}: addUser ${ratios.addUser[round].toFixed(2)}×, startTraining ${ratios.startTraining[round].toFixed(2)}×`,
      );
    }

    // Every request did its work: the users exist, the assignments started, and no rule raised anything.
    await admin.query(`USE \`${databaseName}\``);
    for (const org of [none, ruled]) {
      const [[row]] = await admin.query<RowDataPacket[]>(
        `SELECT (SELECT COUNT(*) FROM \`user\` WHERE organizationId = ?) AS users,
                (SELECT COUNT(*) FROM training_assignment WHERE organizationId = ? AND status = 'STARTED') AS started,
                (SELECT COUNT(*) FROM billing_alert WHERE organizationId = ?) AS alerts,
                (SELECT enabledAlertRules FROM organization WHERE id = ?) AS rules`,
        [org.id, org.id, org.id, org.id],
      );
      const expected = 1 + REQUESTS * (ROUNDS + 1);
      if (Number(row.users) !== expected || Number(row.started) !== REQUESTS * (ROUNDS + 1))
        throw new Error(
          `${org.name}: ${row.users} users and ${row.started} started assignments, expected ${expected} and ${expected - 1}`,
        );
      console.log(
        `  ${org.name}: ${row.users} users, ${row.started} started, ${row.alerts} alerts, ${row.rules} enabled rules`,
      );
    }

    const table = (['addUser', 'startTraining'] as const).map((operation) => {
      const m = median(ratios[operation]);
      return [
        `${operation} req/s, 25 rules ÷ none`,
        `${m.toFixed(2)}×`,
        `${Math.min(...ratios[operation]).toFixed(2)}–${Math.max(...ratios[operation]).toFixed(2)}`,
        `${median(rates[operation].ruled).toFixed(0)} vs ${median(rates[operation].none).toFixed(0)} req/s`,
        `≥ ${GOAL}×`,
        m >= GOAL ? 'pass' : 'FAIL',
      ];
    });
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
    await server?.stop();
    await admin.query(`DROP DATABASE IF EXISTS \`${databaseName}\``);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
