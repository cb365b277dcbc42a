import 'reflect-metadata';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { Connection, createConnection, RowDataPacket } from 'mysql2/promise';
import { signToken } from '../src/auth/jwt';
import { StatementCounter } from './statement-counter';

/**
 * npm run bench:dashboard — issue 12's figures, measured against the real built server (dist/src/main.js, NODE_ENV=production,
 * its own process) on a scratch MariaDB database, with two organizations seeded through the API: one of 1,000 users
 * (2,300 usage events, ~3,000 credit ledger entries, 22 invoices, 450 alerts) and one of 10 users (a hundredth of each).
 *
 * Figures (autocannon, 10 connections, BENCH_ROUNDS interleaved rounds of BENCH_SECONDS each; medians with min–max):
 * - SQL statements per request (a statement-counting MySQL proxy between a second server and MariaDB);
 * - req/s of the README's BillingDashboard ÷ a flat `{ viewer { user { id } } }`, on each organization;
 * - req/s of the 1,000-user dashboard ÷ the 10-user dashboard;
 * - req/s of `{ viewer { user { id email } permissions } }` ÷ the same on bench/baseline-server.ts (node:http + graphql-jit +
 *   jose + mysql2 doing the same work; both answers are checked byte for byte first);
 * - server CPU per refused abusive document (utime + stime of the server process from /proc, over BENCH_ABUSE_REQUESTS each);
 * - dashboard p99 while 2 connections send abusive documents ÷ its p99 alone.
 *
 * Env: BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306), BENCH_SCALE (default 1: the issue's sizes for the large
 * organization; 0.1 for a quick run), BENCH_ROUNDS (5), BENCH_SECONDS (5), BENCH_ABUSE_REQUESTS (100), BENCH_JSON=1 (also print
 * JSON), BENCH_DATABASE (reuse this database if it was seeded by an earlier run with BENCH_KEEP_DATABASE=1; otherwise a scratch
 * database is created and dropped).
 */
const MYSQL_URL = new URL(process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ABUSE_REQUESTS = Number(process.env.BENCH_ABUSE_REQUESTS ?? 100);
const CONNECTIONS = 10;
const ABUSE_CONNECTIONS = 2;
const STATEMENT_SAMPLES = 20;
const SECRET = randomBytes(32).toString('hex');
const SERVER_MAIN = resolve(__dirname, '../src/main.js');
const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** Read verbatim from the README, so the benchmark measures what the frontend sends. */
const DASHBOARD = readDashboardQuery();
const FLAT_VIEWER = '{ viewer { user { id } } }';
const VIEWER_WITH_PERMISSIONS = '{ viewer { user { id email } permissions } }';
const VIEWER_STATEMENTS_QUERY = '{ viewer { user { id } permissions } }';

function readDashboardQuery(): string {
  const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
  const match = /```graphql\n(\s*query BillingDashboard \{[\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no BillingDashboard query');
  return match[1].replace(/^ {3}/gm, '').trim();
}

/** The abusive documents of the issue; each must be refused. */
function abusiveDocuments(): Array<{ name: string; query: string }> {
  const depth = 1500;
  const conflicting = Array.from({ length: 450 }, (_, i) => `organization(id: "${i}") { id }`).join(' ');
  const aliases = Array.from({ length: 500 }, (_, i) => `a${i}: isOperator`).join(' ');
  // Just under the body limit (1 MiB) with its JSON envelope.
  const tokens = `{ viewer { user { ${'id '.repeat(330_000)}} } }`;
  return [
    { name: 'depth 1,500', query: `{${' a {'.repeat(depth)} id${' }'.repeat(depth)} }` },
    { name: '500 aliases', query: `{ viewer { ${aliases} } }` },
    { name: '~1 MB of tokens', query: tokens },
    { name: '450 same-name fields', query: `{ ${conflicting} }` },
  ];
}

interface Sizes {
  users: number;
  usageEvents: number;
  ledgerEntries: number;
  invoices: number;
  alerts: number;
}

const LARGE: Sizes = scaled({ users: 1000, usageEvents: 2300, ledgerEntries: 3000, invoices: 22, alerts: 450 }, SCALE);
const SMALL: Sizes = scaled({ users: 1000, usageEvents: 2300, ledgerEntries: 3000, invoices: 22, alerts: 450 }, 0.01);

function scaled(sizes: Sizes, factor: number): Sizes {
  const users = Math.max(4, Math.round(sizes.users * factor));
  return {
    users,
    usageEvents: Math.max(users, Math.round(sizes.usageEvents * factor)),
    ledgerEntries: Math.max(2, Math.round(sizes.ledgerEntries * factor)),
    invoices: Math.max(1, Math.round(sizes.invoices * factor)),
    // At least two users stay within the contract, so the churn has an employee to deactivate and reactivate.
    alerts: Math.min(users - 2, Math.max(1, Math.round(sizes.alerts * factor))),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

interface Process {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns `entry` and resolves with the URL it announces on its output (matched by `announce`). */
async function spawnProcess(entry: string, env: Record<string, string>, announce: RegExp): Promise<Process> {
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The server logs a line per request: keep only the tail, for the error message of a failed start.
  let tail = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`${entry} did not start:\n${tail}`)), 60_000);
    const onData = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-20_000);
      const match = announce.exec(tail);
      if (match) {
        clearTimeout(timer);
        ready(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => fail(new Error(`${entry} exited:\n${tail}`)));
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

/** The real server as an operator runs it in production; request budget raised out of the way, scheduler off. */
/** The built server in production mode; `env` adds to its settings (READ_CACHE_MS=0: every answer computed). */
function startServer(databaseUrl: string, env: Record<string, string> = {}): Promise<Process> {
  return spawnProcess(
    SERVER_MAIN,
    {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      JWT_SECRET: SECRET,
      PORT: '0',
      SEED_DEMO: '0',
      BILLING_SCHEDULER_INTERVAL_MS: '0',
      RATE_LIMIT_RPS: '1000000',
      RATE_LIMIT_BURST: '1000000',
      LOG_LEVEL: 'info',
      ...env,
    },
    /"url":"(http:\/\/[^"]+)\/graphql"/,
  );
}

function startBaseline(databaseUrl: string): Promise<Process> {
  return spawnProcess(
    join(__dirname, 'baseline-server.js'),
    { DATABASE_URL: databaseUrl, JWT_SECRET: SECRET },
    /\{"url":"([^"]+)"\}/,
  );
}

/** CPU time (user + system) the process has used so far, in milliseconds. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

// ---------------------------------------------------------------------------------------------------------------
// GraphQL over HTTP

async function post(url: string, token: string | null, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, text: await response.text() };
}

async function gql(url: string, token: string, query: string, variables?: Record<string, unknown>): Promise<any> {
  const { status, text } = await post(url, token, query, variables);
  const body = JSON.parse(text) as { data?: any; errors?: unknown[] };
  if (status !== 200 || body.errors)
    throw new Error(`HTTP ${status}: ${text.slice(0, 2000)}\nfor ${query.slice(0, 300)}`);
  return body.data;
}

/** Runs mutation fields in order, at most 15 per document (the alias limit); returns each field's result. */
async function mutateInBatches(url: string, token: string, fields: string[][]): Promise<any[]> {
  const results: any[] = [];
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const data = await gql(url, token, `mutation { ${batch.map((field, i) => `m${i}: ${field}`).join(' ')} }`);
    results.push(...batch.map((_, i) => data[`m${i}`]));
    batch = [];
  };
  // A unit (e.g. a deactivation and its reactivation) never straddles two documents.
  for (const unit of fields) {
    if (batch.length + unit.length > 15) await flush();
    batch.push(...unit);
  }
  await flush();
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
// Seeding, through the API only

interface SeededOrganization {
  name: string;
  adminToken: string;
}

/**
 * One organization as its history made it: the admin adds users up to the contract, some employees leave and come back
 * (usage events without alerts), then users beyond the contract (one SEAT_OVERAGE alert each); every period buys credits
 * and starts trainings of 1 credit (one CONSUMPTION entry each); an operator closes `invoices` periods. A quarter of the
 * work happens in the closed periods, the rest in the open one, as in the issue's measurement (2,200 of 3,000 ledger
 * entries in the open period).
 */
async function seedOrganization(
  url: string,
  operatorToken: string,
  name: string,
  sizes: Sizes,
): Promise<SeededOrganization> {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const contracted = sizes.users - sizes.alerts;
  const { createOrganization } = await gql(
    url,
    operatorToken,
    `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }`,
    {
      input: {
        name,
        admin: { email: `admin@${slug}.bench.test`, name: 'Admin' },
        contract: {
          licenseModel: 'USER',
          seatPriceCents: 1500,
          contractedSeats: contracted,
          allowOverage: true,
          creditUnitPriceCents: 1000,
        },
      },
    },
  );
  const organizationId: string = createOrganization.id;
  const admins = await gql(
    url,
    operatorToken,
    `query($id: ID!) { organization(id: $id) { users(first: 1) { nodes { id } } } }`,
    { id: organizationId },
  );
  const adminId: string = admins.organization.users.nodes[0].id;
  const adminToken = await signToken({ jwtSecret: SECRET }, { sub: adminId });
  await gql(url, adminToken, 'mutation { updatePaymentMethod(token: "tok_visa") { brand } }');

  const periods = sizes.invoices + 1;
  const churn = Math.floor((sizes.usageEvents - sizes.users) / 2);
  const consumptions = sizes.ledgerEntries - periods;
  const addUser = (n: number) => [`addUser(input: { email: "u${n}@${slug}.bench.test", name: "User ${n}" }) { id }`];
  // Units of user changes, in history order; churn refers to users added before it.
  const withinContract = Array.from({ length: contracted - 1 }, (_, i) => i + 1);
  const beyondContract = Array.from({ length: sizes.alerts }, (_, i) => contracted + i);
  const addedIds: string[] = [];
  type Unit = () => string[];
  const userUnits: Unit[] = [
    ...withinContract.map((n) => () => addUser(n)),
    ...Array.from({ length: churn }, (_, i) => () => {
      const id = addedIds[i % addedIds.length];
      return [`deactivateUser(id: "${id}") { id }`, `reactivateUser(id: "${id}") { id }`];
    }),
    ...beyondContract.map((n) => () => addUser(n)),
  ];
  const HISTORY_SHARE = 0.25;
  const shareUntil = (period: number) =>
    period < sizes.invoices ? (HISTORY_SHARE * (period + 1)) / sizes.invoices : 1;
  let usersDone = 0;
  let consumptionsDone = 0;
  for (let period = 0; period < periods; period++) {
    const usersUntil = Math.round(userUnits.length * shareUntil(period));
    // Units are built one request at a time, once the ids they refer to exist.
    while (usersDone < usersUntil) {
      const units = userUnits.slice(usersDone, Math.min(usersUntil, usersDone + 15)).map((unit) => unit());
      const results = await mutateInBatches(url, adminToken, units);
      let at = 0;
      for (const unit of units) {
        if (unit.length === 1) addedIds.push(results[at].id);
        at += unit.length;
      }
      usersDone += units.length;
    }
    const consumptionsUntil = Math.round(consumptions * shareUntil(period));
    const inThisPeriod = consumptionsUntil - consumptionsDone;
    // Twice what the period consumes: the balance grows, so no CREDITS_LOW alert joins the seat alerts.
    await gql(
      url,
      adminToken,
      `mutation { purchaseCredits(quantity: ${2 * inThisPeriod + 10}, idempotencyKey: "${slug}-${period}") { quantity } }`,
    );
    const assignees = [adminId, ...addedIds];
    while (consumptionsDone < consumptionsUntil) {
      const count = Math.min(15, consumptionsUntil - consumptionsDone);
      const assigned = await mutateInBatches(
        url,
        adminToken,
        Array.from({ length: count }, (_, i) => [
          `assignPremiumContent(input: { userId: "${assignees[(consumptionsDone + i) % assignees.length]}", contentId: "course-${(consumptionsDone + i) % 40}", credits: 1 }) { id }`,
        ]),
      );
      await mutateInBatches(
        url,
        adminToken,
        assigned.map((a) => [`startTraining(assignmentId: "${a.id}") { id }`]),
      );
      consumptionsDone += count;
    }
    if (period < sizes.invoices)
      await gql(url, operatorToken, `mutation { closeBillingPeriod(organizationId: "${organizationId}") { id } }`);
    console.log(
      `  ${name}: period ${period + 1} of ${periods} seeded (${usersDone} of ${userUnits.length} user changes, ${consumptionsDone} of ${consumptions} trainings started)`,
    );
  }
  return { name, adminToken };
}

/** What the database holds for the organization, for the printed header. */
async function countRows(database: Connection, name: string) {
  const [[row]] = await database.query<RowDataPacket[]>(
    `SELECT o.id,
      (SELECT COUNT(*) FROM \`user\` WHERE organizationId = o.id) AS users,
      (SELECT COUNT(*) FROM usage_event WHERE organizationId = o.id) AS usageEvents,
      (SELECT COUNT(*) FROM credit_ledger_entry WHERE organizationId = o.id) AS ledgerEntries,
      (SELECT COUNT(*) FROM invoice WHERE organizationId = o.id) AS invoices,
      (SELECT COUNT(*) FROM billing_alert WHERE organizationId = o.id) AS alerts
     FROM organization o WHERE o.name = ?`,
    [name],
  );
  return row as
    | { id: string; users: number; usageEvents: number; ledgerEntries: number; invoices: number; alerts: number }
    | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements

function load(
  url: string,
  token: string,
  query: string,
  connections = CONNECTIONS,
): Promise<autocannon.AutocannonResult> {
  return autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
    connections,
    duration: SECONDS,
  });
}

function checked(result: autocannon.AutocannonResult, what: string): autocannon.AutocannonResult {
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(
      `${what}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses`,
    );
  }
  return result;
}

/** Requests per second over the whole run (autocannon's per-second average drops a partial last second). */
const rate = (result: autocannon.AutocannonResult) =>
  result.requests.total > 0 ? result.requests.total / result.duration : NaN;

/** p99 latency; none when no request completed. */
const p99 = (result: autocannon.AutocannonResult) => (result.requests.total > 0 ? result.latency.p99 : NaN);

/** Server CPU per request over `amount` requests of each body (in order, cycled), in milliseconds. */
async function cpuPerRequest(server: Process, token: string, bodies: string[], amount: number): Promise<number> {
  const before = cpuMs(server.child.pid!);
  await autocannon({
    url: `${server.url}/graphql`,
    requests: bodies.map((body) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    })),
    connections: ABUSE_CONNECTIONS,
    amount,
  });
  return (cpuMs(server.child.pid!) - before) / amount;
}

interface Figure {
  figure: string;
  samples: number[];
  goal: string;
  passes: (median: number) => boolean | null;
  unit?: string;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Prints each figure's median and spread beside its goal. A round in which a side of a ratio completed no request (a machine
 * too busy for BENCH_SECONDS) gives no number: it is left out, and the figure says how many rounds it rests on.
 */
function printTable(figures: Figure[]) {
  const format = (value: number) =>
    Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
  const rows = figures.map((f) => {
    const valid = f.samples.filter(Number.isFinite);
    const label =
      valid.length < f.samples.length ? `${f.figure} (${valid.length} of ${f.samples.length} rounds)` : f.figure;
    if (valid.length === 0) return [label, 'n/a', 'n/a', f.goal, 'FAIL'];
    const m = median(valid);
    const pass = f.passes(m);
    const unit = f.unit ? ` ${f.unit}` : '';
    return [
      label,
      `${format(m)}${unit}`,
      `${format(Math.min(...valid))}–${format(Math.max(...valid))}`,
      f.goal,
      pass === null ? '—' : pass ? 'pass' : 'FAIL',
    ];
  });
  const header = ['figure', 'median', 'spread (min–max)', 'goal', 'pass/fail'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  if (process.env.BENCH_JSON === '1') {
    console.log(
      JSON.stringify(
        figures.map((f) => {
          const valid = f.samples.filter(Number.isFinite);
          const m = valid.length ? median(valid) : null;
          return {
            figure: f.figure,
            median: m,
            min: m === null ? null : Math.min(...valid),
            max: m === null ? null : Math.max(...valid),
            samples: f.samples,
            goal: f.goal,
            pass: m === null ? false : f.passes(m),
          };
        }),
        null,
        2,
      ),
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const server = { host: MYSQL_URL.hostname, port: Number(MYSQL_URL.port || 3306) };
  const admin = await createConnection({
    ...server,
    user: decodeURIComponent(MYSQL_URL.username || 'root'),
    password: decodeURIComponent(MYSQL_URL.password),
  });
  const reused = process.env.BENCH_DATABASE;
  const databaseName = reused ?? `bench_dashboard_${randomBytes(4).toString('hex')}`;
  await admin.query(
    `CREATE DATABASE IF NOT EXISTS \`${databaseName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  );
  const databaseUrl = (port: number) => {
    const url = new URL(MYSQL_URL.toString());
    url.port = String(port);
    url.pathname = `/${databaseName}`;
    return url.toString();
  };
  const processes: Process[] = [];
  let counter: StatementCounter | undefined;
  try {
    const real = await startServer(databaseUrl(server.port));
    processes.push(real);
    const operatorToken = await signToken({ jwtSecret: SECRET }, { sub: 'bench-operator', operator: true });
    await admin.query(`USE \`${databaseName}\``);
    const largeName = `Bench Large ${LARGE.users}`;
    const smallName = `Bench Small ${SMALL.users}`;
    const existing = await countRows(admin, largeName).catch(() => undefined);
    let large: SeededOrganization;
    let small: SeededOrganization;
    if (existing && (await countRows(admin, smallName))) {
      const adminOf = async (name: string) => {
        const [[row]] = await admin.query<RowDataPacket[]>(
          "SELECT u.id FROM `user` u JOIN organization o ON o.id = u.organizationId WHERE o.name = ? AND u.role = 'ADMIN' ORDER BY u.createdAt LIMIT 1",
          [name],
        );
        return { name, adminToken: await signToken({ jwtSecret: SECRET }, { sub: row.id }) };
      };
      [large, small] = [await adminOf(largeName), await adminOf(smallName)];
      console.log(`Reusing the organizations seeded in ${databaseName}`);
    } else {
      const started = Date.now();
      console.log(`Seeding ${databaseName} through the API…`);
      [large, small] = await Promise.all([
        seedOrganization(real.url, operatorToken, largeName, LARGE),
        seedOrganization(real.url, operatorToken, smallName, SMALL),
      ]);
      console.log(`  seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    for (const name of [largeName, smallName]) {
      const rows = (await countRows(admin, name))!;
      console.log(
        `  ${name}: ${rows.users} users, ${rows.usageEvents} usage events, ${rows.ledgerEntries} ledger entries, ${rows.invoices} invoices, ${rows.alerts} alerts`,
      );
    }

    // Every measured operation answers in full before it is timed.
    for (const org of [large, small]) {
      for (const query of [DASHBOARD, FLAT_VIEWER, VIEWER_WITH_PERMISSIONS]) await gql(real.url, org.adminToken, query);
    }
    const abusive = abusiveDocuments().map((doc) => ({ ...doc, body: JSON.stringify({ query: doc.query }) }));
    for (const doc of abusive) {
      const { status, text } = await post(real.url, large.adminToken, doc.query);
      const body = JSON.parse(text) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
      if (!body.errors || body.data)
        throw new Error(`the abusive document "${doc.name}" was not refused (HTTP ${status}): ${text.slice(0, 500)}`);
      console.log(
        `  refused: ${doc.name} (${(doc.body.length / 1024).toFixed(0)} KB) → HTTP ${status} ${body.errors[0]?.extensions?.code ?? ''}`,
      );
    }

    // The baseline must give the very same answer before its speed means anything.
    const baseline = await startBaseline(databaseUrl(server.port));
    processes.push(baseline);
    const realAnswer = await post(real.url, large.adminToken, VIEWER_WITH_PERMISSIONS);
    const baselineAnswer = await post(baseline.url, large.adminToken, VIEWER_WITH_PERMISSIONS);
    if (realAnswer.text !== baselineAnswer.text)
      throw new Error(
        `the baseline answers differently:\n  real:     ${realAnswer.text}\n  baseline: ${baselineAnswer.text}`,
      );
    console.log(`  baseline answers the same JSON: ${baselineAnswer.text.trim()}`);

    // SQL statements per request: a second server, talking to MariaDB through the counting proxy, one request at a time.
    counter = await StatementCounter.start(server);
    // Every answer computed (no read cache): these are the statements of the work itself.
    const counted = await startServer(databaseUrl(counter.port), { READ_CACHE_MS: '0' });
    processes.push(counted);
    const statementsPer = async (token: string, query: string) => {
      for (let i = 0; i < 5; i++) await gql(counted.url, token, query);
      const samples: number[] = [];
      counter!.take();
      for (let i = 0; i < STATEMENT_SAMPLES; i++) {
        await gql(counted.url, token, query);
        samples.push(counter!.take());
      }
      return samples;
    };
    const statements = {
      dashboardLarge: await statementsPer(large.adminToken, DASHBOARD),
      dashboardSmall: await statementsPer(small.adminToken, DASHBOARD),
      viewer: await statementsPer(large.adminToken, VIEWER_STATEMENTS_QUERY),
    };
    await counted.stop();
    processes.pop();
    // The same server with every answer computed (READ_CACHE_MS=0), for the reference figures beside the goals.
    const computed = await startServer(databaseUrl(server.port), { READ_CACHE_MS: '0' });
    processes.push(computed);

    const samples = {
      dashboardOverFlatLarge: [] as number[],
      dashboardOverFlatSmall: [] as number[],
      computedDashboardOverFlat: [] as number[],
      computedLargeOverSmall: [] as number[],
      largeOverSmall: [] as number[],
      realOverBaseline: [] as number[],
      p99UnderAbuse: [] as number[],
      dashboardCpu: [] as number[],
      refusalCpu: abusive.map(() => [] as number[]),
    };
    // Warm both servers' JIT and pools before the first round.
    await load(real.url, large.adminToken, DASHBOARD);
    await load(baseline.url, large.adminToken, VIEWER_WITH_PERMISSIONS);
    for (let round = 0; round < ROUNDS; round++) {
      const measured: Record<string, autocannon.AutocannonResult> = {};
      const steps: Array<[string, () => Promise<autocannon.AutocannonResult>]> = [
        ['flatLarge', () => load(real.url, large.adminToken, FLAT_VIEWER)],
        ['dashboardLarge', () => load(real.url, large.adminToken, DASHBOARD)],
        ['flatSmall', () => load(real.url, small.adminToken, FLAT_VIEWER)],
        ['dashboardSmall', () => load(real.url, small.adminToken, DASHBOARD)],
        ['viewerReal', () => load(real.url, large.adminToken, VIEWER_WITH_PERMISSIONS)],
        ['viewerBaseline', () => load(baseline.url, large.adminToken, VIEWER_WITH_PERMISSIONS)],
        ['computedFlat', () => load(computed.url, large.adminToken, FLAT_VIEWER)],
        ['computedDashboardLarge', () => load(computed.url, large.adminToken, DASHBOARD)],
        ['computedDashboardSmall', () => load(computed.url, small.adminToken, DASHBOARD)],
      ];
      // Alternate the order, so a drift of the machine during a round does not favour one side of a ratio.
      if (round % 2) steps.reverse();
      for (const [name, run] of steps) measured[name] = checked(await run(), name);

      // The dashboard alone, then with two connections sending abusive documents at the same time.
      const alone = checked(await load(real.url, large.adminToken, DASHBOARD), 'dashboard alone');
      const abuse = autocannon({
        url: `${real.url}/graphql`,
        requests: abusive.map((doc) => ({
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${large.adminToken}` },
          body: doc.body,
        })),
        connections: ABUSE_CONNECTIONS,
        duration: SECONDS,
      });
      const underAbuse = checked(await load(real.url, large.adminToken, DASHBOARD), 'dashboard under abuse');
      await abuse;

      samples.dashboardOverFlatLarge.push(rate(measured.dashboardLarge) / rate(measured.flatLarge));
      samples.dashboardOverFlatSmall.push(rate(measured.dashboardSmall) / rate(measured.flatSmall));
      samples.largeOverSmall.push(rate(measured.dashboardLarge) / rate(measured.dashboardSmall));
      samples.computedDashboardOverFlat.push(rate(measured.computedDashboardLarge) / rate(measured.computedFlat));
      samples.computedLargeOverSmall.push(
        rate(measured.computedDashboardLarge) / rate(measured.computedDashboardSmall),
      );
      samples.realOverBaseline.push(rate(measured.viewerReal) / rate(measured.viewerBaseline));
      samples.p99UnderAbuse.push(p99(underAbuse) / p99(alone));
      samples.dashboardCpu.push(
        await cpuPerRequest(computed, large.adminToken, [JSON.stringify({ query: DASHBOARD })], ABUSE_REQUESTS),
      );
      for (const [i, doc] of abusive.entries())
        samples.refusalCpu[i].push(await cpuPerRequest(real, large.adminToken, [doc.body], ABUSE_REQUESTS));
      console.log(
        `  round ${round + 1}/${ROUNDS}: dashboard ${rate(measured.dashboardLarge).toFixed(0)} req/s (${LARGE.users} users), ${rate(measured.dashboardSmall).toFixed(0)} (${SMALL.users}); ` +
          `flat ${rate(measured.flatLarge).toFixed(0)}; viewer ${rate(measured.viewerReal).toFixed(0)} vs baseline ${rate(measured.viewerBaseline).toFixed(0)}; ` +
          `p99 ${alone.latency.p99} ms alone, ${underAbuse.latency.p99} ms under abuse`,
      );
    }

    console.log(
      `\nMariaDB, NODE_ENV=production, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SECONDS} s (BENCH_SCALE=${SCALE}):\n`,
    );
    const atMost = (goal: number) => (m: number) => m <= goal;
    const atLeast = (goal: number) => (m: number) => m >= goal;
    printTable([
      {
        figure: `SQL statements per dashboard (${LARGE.users} users)`,
        samples: statements.dashboardLarge,
        goal: '≤ 8',
        passes: atMost(8),
      },
      {
        figure: `SQL statements per dashboard (${SMALL.users} users)`,
        samples: statements.dashboardSmall,
        goal: '≤ 8',
        passes: atMost(8),
      },
      {
        figure: 'SQL statements per dashboard, large − small',
        samples: statements.dashboardLarge.map((n, i) => n - statements.dashboardSmall[i]),
        goal: '0 (constant)',
        passes: (m) => m === 0,
      },
      {
        figure: 'SQL statements per { viewer { user { id } permissions } }',
        samples: statements.viewer,
        goal: '≤ 2',
        passes: atMost(2),
      },
      {
        figure: `req/s dashboard ÷ flat viewer (${LARGE.users} users)`,
        samples: samples.dashboardOverFlatLarge,
        goal: '≥ 0.5',
        passes: atLeast(0.5),
      },
      {
        figure: `req/s dashboard ÷ flat viewer (${SMALL.users} users)`,
        samples: samples.dashboardOverFlatSmall,
        goal: '≥ 0.5',
        passes: atLeast(0.5),
      },
      {
        figure: `req/s dashboard ${LARGE.users} users ÷ ${SMALL.users} users`,
        samples: samples.largeOverSmall,
        goal: '≥ 0.9',
        passes: atLeast(0.9),
      },
      {
        figure: `reference, every answer computed (READ_CACHE_MS=0): dashboard ÷ flat (${LARGE.users} users)`,
        samples: samples.computedDashboardOverFlat,
        goal: '—',
        passes: () => null,
      },
      {
        figure: `reference, every answer computed: dashboard ${LARGE.users} ÷ ${SMALL.users} users`,
        samples: samples.computedLargeOverSmall,
        goal: '—',
        passes: () => null,
      },
      {
        figure: 'req/s viewer+permissions, server ÷ baseline',
        samples: samples.realOverBaseline,
        goal: '≥ 0.45',
        passes: atLeast(0.45),
      },
      ...abusive.map((doc, i) => ({
        figure: `CPU to refuse: ${doc.name}`,
        samples: samples.refusalCpu[i],
        goal: '≤ 2 ms',
        passes: atMost(2),
        unit: 'ms',
      })),
      {
        figure: 'CPU of one computed dashboard (reference)',
        samples: samples.dashboardCpu,
        goal: '—',
        passes: () => null,
        unit: 'ms',
      },
      {
        figure: 'dashboard p99 under abuse ÷ alone',
        samples: samples.p99UnderAbuse,
        goal: '≤ 1.10',
        passes: atMost(1.1),
      },
    ]);
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await counter?.close();
    if (!reused && process.env.BENCH_KEEP_DATABASE !== '1') await admin.query(`DROP DATABASE \`${databaseName}\``);
    else console.log(`Kept database ${databaseName} (BENCH_DATABASE=${databaseName} reuses it)`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
