import 'reflect-metadata';
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createConnection } from 'mysql2/promise';
import WebSocket from 'ws';
import { signToken } from '../src/auth/jwt';
import { StatementCounter } from './statement-counter';
import { gql } from './graphql-request';

/**
 * npm run bench:billing-state — Subscription.billingState (R27) under a burst: BENCH_SUBSCRIBERS (default 1,000) graphql-ws
 * subscribers of one organization, one socket each, split evenly over two server instances that hear each other through
 * Redis (each in its own process, on one scratch MariaDB database), then a burst of BENCH_CHANGES (default 100) changes
 * through the API of the first instance (addUser, deactivateUser, grantCredits; BENCH_CONCURRENCY at a time, default 4).
 *
 * Figures, each beside its goal:
 * - subscribers whose last received state equals the final state (the dashboard's license, creditBalance and
 *   upcomingInvoice, queried once the burst is over): all of them;
 * - commit → delivery of every state received during the burst: its arrival at the subscriber minus `at` (the commit it
 *   reflects, on the server's wall clock — same host), p50/p99/max; goal p99 ≤ 250 ms;
 * - bytes received per subscriber from its subscribe on (the initial state, the burst's pushes, the protocol frames):
 *   goal ≤ 50 KB;
 * - pushes per subscriber and the smallest gap between two of them, as the client sees them: at most one per 250 ms;
 * - billing-state computations per instance during the burst (its /metrics counter) beside the distinct states it
 *   pushed: one per coalesced push per organization, not one per subscriber;
 * - SQL statements the second instance sent during the burst (a statement-counting proxy sits between it and MariaDB;
 *   it serves no request then, only pushes): a fixed number per computation, whatever its 500 subscribers;
 * - the floor: a bare `ws` broadcast to as many sockets (bench/broadcast-floor-server.ts), p99 from the request.
 *
 * Arrival times are taken in this process, which holds every socket: on a busy host its own event loop adds to them
 * and can bunch two arrivals together (the gap the client sees); the server spaces pushes by 250 ms.
 *
 * Env: BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306), BENCH_REDIS_URL (default redis://127.0.0.1:6379),
 * BENCH_SUBSCRIBERS, BENCH_CHANGES, BENCH_CONCURRENCY, BENCH_SERVER_ARGS (node flags of the servers, e.g. --cpu-prof),
 * BENCH_JSON=1 (also print the figures as JSON).
 */
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const BILLING_USERS = 20;
const INTERVAL_MS = 250;
const SETTLE_MS = 1200;
const SECRET = 'bench-billing-state-secret';
const QUERY =
  'subscription { billingState { organizationId licenseKind contracted inUse peakThisPeriod peakAt creditsAvailable ' +
  'creditOverageThisPeriod upcomingInvoiceTotal { cents currency formatted } at } }';
const DASHBOARD =
  'query($id: ID) { organization(id: $id) { id license { kind contracted inUse peakThisPeriod peakAt } ' +
  'creditBalance { available overageThisPeriod } upcomingInvoice { total { cents currency formatted } } } }';

interface Server {
  url: string;
  child: ChildProcessWithoutNullStreams;
  stop(): Promise<void>;
}

/** One instance in its own process (bench/subscription-server.ts: prints {"url": …} once listening). */
async function startServer(env: Record<string, string>): Promise<Server> {
  const args = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...args, join(__dirname, 'subscription-server.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      JWT_SECRET: SECRET,
      LOG_LEVEL: 'silent',
      SEED_DEMO: '0',
      DATABASE_POOL_SIZE: '10',
      ...env,
    },
  });
  child.stderr.on('data', (d) => process.stderr.write(d));
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve) =>
    lines.on('line', (line) => {
      try {
        const message = JSON.parse(line);
        if (typeof message.url === 'string') resolve(message.url);
      } catch {
        // not for us
      }
    }),
  );
  return {
    url,
    child,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** billing_state_computations_total of an instance (its /metrics: open outside production without METRICS_TOKEN). */
async function computations(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^billing_state_computations_total (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}

interface Received {
  /** Wall-clock ms (sub-ms) on arrival. */
  arrivedAt: number;
  state: Record<string, any>;
}

/** A graphql-ws subscriber on its own socket: every state with its arrival time, and the bytes received since subscribe. */
class Subscriber {
  readonly received: Received[] = [];
  bytes = 0;
  failed: unknown = null;
  readonly ready: Promise<void>;
  private readonly socket: WebSocket;

  constructor(url: string, token: string) {
    this.socket = new WebSocket(url.replace('http', 'ws') + '/graphql', 'graphql-transport-ws');
    this.ready = new Promise((resolve, reject) => {
      this.socket.on('open', () =>
        this.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
      );
      this.socket.on('message', (data: Buffer) => {
        const arrivedAt = performance.timeOrigin + performance.now();
        this.bytes += data.length;
        const message = JSON.parse(data.toString());
        if (message.type === 'connection_ack') {
          this.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY } }));
        } else if (message.type === 'next') {
          if (message.payload.errors) this.failed = message.payload.errors;
          else this.received.push({ arrivedAt, state: message.payload.data.billingState });
          resolve();
        } else if (message.type === 'error' || message.type === 'complete') {
          this.failed = message;
        }
      });
      this.socket.on('error', reject);
      this.socket.on('close', (code) => {
        if (code !== 1000) this.failed = this.failed ?? `closed ${code}`;
      });
    });
  }

  get latest(): Record<string, any> | undefined {
    return this.received.at(-1)?.state;
  }

  close() {
    this.socket.close(1000);
  }
}

/** The same number of sockets on bench/broadcast-floor-server.ts (bare ws, no GraphQL, no database): p99 of 5 broadcasts. */
async function broadcastFloor(n: number): Promise<number> {
  const child = spawn(process.execPath, [join(__dirname, 'broadcast-floor-server.js')]);
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve) => lines.once('line', (line) => resolve(JSON.parse(line).url)));
  const arrivals: number[][] = [];
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < n; i += 250) {
      const batch = Array.from({ length: Math.min(250, n - i) }, () => {
        const socket = new WebSocket(url.replace('http', 'ws') + '/graphql', 'graphql-transport-ws');
        const mine: number[] = [];
        arrivals.push(mine);
        sockets.push(socket);
        return new Promise<void>((resolve, reject) => {
          socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
          socket.on('message', (data: Buffer) => {
            const at = performance.now();
            if (data.toString().includes('connection_ack')) resolve();
            else mine.push(at);
          });
          socket.on('error', reject);
        });
      });
      await Promise.all(batch);
    }
    const latencies: number[] = [];
    for (let round = 0; round < 5; round++) {
      await sleep(200);
      const sent = performance.now();
      await fetch(`${url}/broadcast`, { method: 'POST' });
      await until(() => arrivals.every((a) => a.length > round), 60_000, 'the broadcast');
      for (const a of arrivals) latencies.push(a[round] - sent);
    }
    latencies.sort((x, y) => x - y);
    return percentile(latencies, 99);
  } finally {
    for (const socket of sockets) socket.close(1000);
    child.stdin.end();
    child.kill();
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const counters = (state: Record<string, any>) => {
  const { at: _at, ...rest } = state;
  return JSON.stringify(rest);
};

async function main() {
  const base = new URL(process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const dbName = `bench_state_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection({
    host: base.hostname,
    port: Number(base.port || 3306),
    user: decodeURIComponent(base.username || 'root'),
    password: decodeURIComponent(base.password),
  });
  await admin.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(base.toString());
  url.pathname = `/${dbName}`;
  const statements = await StatementCounter.start({ host: base.hostname, port: Number(base.port || 3306) });
  const counted = new URL(url.toString());
  counted.hostname = '127.0.0.1';
  counted.port = String(statements.port);
  const servers: Server[] = [];
  try {
    servers.push(await startServer({ DATABASE_URL: url.toString(), REDIS_URL: redisUrl }));
    servers.push(await startServer({ DATABASE_URL: counted.toString(), REDIS_URL: redisUrl }));
    const [a] = servers;
    const operator = await signToken({ jwtSecret: SECRET }, { sub: 'bench-operator', operator: true });
    const created = await gql(
      a.url,
      'mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }',
      {
        input: {
          name: 'bench billing state',
          admin: { email: `admin.${randomBytes(5).toString('hex')}@bench.test`, name: 'Admin' },
          contract: { licenseModel: 'USER', contractedSeats: 50, seatPriceCents: 1500 },
        },
      },
      operator,
    );
    const orgId: string = created.createOrganization.id;
    let users = 0;
    const addUser = async (role = 'EMPLOYEE'): Promise<string> =>
      (
        await gql(
          a.url,
          'mutation($input: AddUserInput!, $org: ID) { addUser(input: $input, organizationId: $org) { id } }',
          { input: { email: `u${++users}.${randomBytes(4).toString('hex')}@bench.test`, name: 'U', role }, org: orgId },
          operator,
        )
      ).addUser.id;
    const tokens: string[] = [];
    for (let i = 0; i < BILLING_USERS; i++)
      tokens.push(await signToken({ jwtSecret: SECRET }, { sub: await addUser('ADMIN') }));

    // Subscribers, one socket each, alternately on the two instances.
    const subscribers: Subscriber[] = [];
    for (let i = 0; i < SUBSCRIBERS; i += 250) {
      const batch = Array.from(
        { length: Math.min(250, SUBSCRIBERS - i) },
        (_, j) => new Subscriber(servers[(i + j) % 2].url, tokens[(i + j) % tokens.length]),
      );
      await Promise.all(batch.map((s) => s.ready));
      subscribers.push(...batch);
    }
    await sleep(SETTLE_MS); // every hub's settling re-read is behind us
    const failedBefore = subscribers.filter((s) => s.failed).length;
    if (failedBefore)
      throw new Error(
        `${failedBefore} subscribers failed: ${JSON.stringify(subscribers.find((s) => s.failed)!.failed)}`,
      );

    const startReceived = subscribers.map((s) => s.received.length);
    const computedBefore = await Promise.all(servers.map((s) => computations(s.url)));
    statements.take();

    // The burst: adds, deactivations and credit grants through the API of the first instance.
    const added: string[] = [];
    let grants = 0;
    const change = async (i: number) => {
      if (i % 10 === 3 && added.length > 0) {
        const id = added.shift()!;
        await gql(a.url, 'mutation($id: ID!) { deactivateUser(id: $id) { id } }', { id }, operator);
      } else if (i % 10 === 7) {
        await gql(
          a.url,
          'mutation($org: ID!, $key: String!) { grantCredits(organizationId: $org, quantity: 5, idempotencyKey: $key) { id } }',
          { org: orgId, key: `bench-grant-${++grants}-${randomBytes(3).toString('hex')}` },
          operator,
        );
      } else {
        added.push(await addUser());
      }
    };
    const burstStart = performance.timeOrigin + performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CHANGES) await change(next++);
      }),
    );
    const burstEnd = performance.timeOrigin + performance.now();
    const final = (await gql(a.url, DASHBOARD, { id: orgId }, operator)).organization;
    const finalCounters = JSON.stringify({
      organizationId: final.id,
      licenseKind: final.license.kind,
      contracted: final.license.contracted,
      inUse: final.license.inUse,
      peakThisPeriod: final.license.peakThisPeriod,
      peakAt: final.license.peakAt,
      creditsAvailable: final.creditBalance.available,
      creditOverageThisPeriod: final.creditBalance.overageThisPeriod,
      upcomingInvoiceTotal: final.upcomingInvoice.total,
    });
    await until(
      () => subscribers.every((s) => s.latest && counters(s.latest) === finalCounters),
      10_000,
      'the final state',
    ).catch(() => undefined);
    await sleep(2 * INTERVAL_MS); // anything trailing has arrived
    const computedAfter = await Promise.all(servers.map((s) => computations(s.url)));
    const statementsOnB = statements.take();

    // Figures.
    const atFinal = subscribers.filter((s) => s.latest && counters(s.latest) === finalCounters).length;
    const latencies: number[] = [];
    const pushes: number[] = [];
    let smallestGap = Infinity;
    const distinctStates = [new Set<string>(), new Set<string>()];
    subscribers.forEach((s, i) => {
      const burst = s.received.slice(startReceived[i]);
      pushes.push(burst.length);
      for (const [k, r] of burst.entries()) {
        latencies.push(r.arrivedAt - Date.parse(r.state.at));
        distinctStates[i % 2].add(`${r.state.at}|${counters(r.state)}`);
        if (k > 0) smallestGap = Math.min(smallestGap, r.arrivedAt - burst[k - 1].arrivedAt);
      }
    });
    latencies.sort((x, y) => x - y);
    const kb = subscribers.map((s) => s.bytes / 1024);
    const computed = computedAfter.map((n, i) => n - computedBefore[i]);
    const burstMs = burstEnd - burstStart;
    const failed = subscribers.filter((s) => s.failed).length;
    for (const s of subscribers) s.close();

    const floorP99 = await broadcastFloor(SUBSCRIBERS);
    const windows = Math.ceil(burstMs / INTERVAL_MS) + 1;
    const r1 = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : x);
    const rows: Array<[string, string, string, boolean | null]> = [
      [
        'subscribers whose last state = the final state',
        `${atFinal} of ${SUBSCRIBERS}`,
        'all',
        atFinal === SUBSCRIBERS,
      ],
      [
        'commit → delivery (arrival − at), every push',
        `p50 ${r1(percentile(latencies, 50))} ms, p99 ${r1(percentile(latencies, 99))} ms, max ${r1(latencies.at(-1)!)} ms`,
        'p99 ≤ 250 ms',
        percentile(latencies, 99) <= 250,
      ],
      [
        'received per subscriber (since subscribe)',
        `mean ${r1(kb.reduce((x, y) => x + y, 0) / kb.length)} KB, max ${r1(Math.max(...kb))} KB`,
        '≤ 50 KB',
        Math.max(...kb) <= 50,
      ],
      [
        'pushes per subscriber during the burst',
        `max ${Math.max(...pushes)} in ${r1(burstMs)} ms of changes (${windows} windows of 250 ms); smallest gap seen by the client ${r1(smallestGap)} ms`,
        '≤ 1 per 250 ms',
        Math.max(...pushes) <= windows,
      ],
      ...computed.map((n, i): [string, string, string, boolean] => [
        `billing-state computations on instance ${i === 0 ? 'A' : 'B'} (${SUBSCRIBERS / 2} subscribers)`,
        `${n} for ${distinctStates[i].size} distinct states pushed (per subscriber it would be ${distinctStates[i].size * (SUBSCRIBERS / 2)})`,
        `1 per coalesced push: ≤ 1 per 250 ms window (${windows})`,
        n <= windows,
      ]),
      [
        'SQL statements of instance B during the burst',
        `${statementsOnB} (${r1(statementsOnB / Math.max(1, computed[1]))} per computation)`,
        '≤ 10 per computation (not × subscribers)',
        statementsOnB / Math.max(1, computed[1]) <= 10,
      ],
      ['failed subscriptions', String(failed), '0', failed === 0],
      [
        'floor: bare ws broadcast to as many sockets (no GraphQL, no database), p99 from the request',
        `${r1(floorP99)} ms`,
        "— (what this machine's sockets cost)",
        null,
      ],
    ];
    console.log(
      `billingState: ${SUBSCRIBERS} subscribers (one socket each) on 2 instances through Redis, MariaDB; ` +
        `${CHANGES} changes through the API (${CONCURRENCY} at a time)`,
    );
    const widths = ([0, 1, 2] as const).map((c) => Math.max(...rows.map((r) => r[c].length), 6));
    for (const [figure, value, goal, pass] of rows)
      console.log(
        `${figure.padEnd(widths[0])}  ${value.padEnd(widths[1])}  goal ${goal.padEnd(widths[2])}  ${pass === null ? '' : pass ? 'pass' : 'FAIL'}`,
      );
    if (process.env.BENCH_JSON === '1')
      console.log(JSON.stringify(rows.map(([figure, value, goal, pass]) => ({ figure, value, goal, pass }))));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await statements.close();
    await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
