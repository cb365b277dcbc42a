import 'reflect-metadata';
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createConnection } from 'mysql2/promise';
import WebSocket from 'ws';
import { signToken } from '../src/auth/jwt';
import { gql } from './graphql-request';

/**
 * npm run bench:subscriptions — Subscription.billingAlerts at 1,000 and 10,000 concurrent graphql-ws subscribers:
 * server memory per subscriber (RSS after a full GC, before and after subscribing, server in its own process) and
 * the delivery latency of one alert to all of them (from sending the mutation that raises it to its arrival at
 * each subscriber; p50/p99 over every subscriber of 3 alerts), on one instance and on two instances through Redis
 * (subscribers split evenly, the alert raised through the first).
 * Goals: ≤ 50 KB per subscriber; p99 ≤ 100 ms on one instance, ≤ 250 ms through Redis.
 *
 * Subscribers speak the graphql-transport-ws protocol over plain `ws` sockets and timestamp a message before
 * parsing it, so the client side (in this process, on the same 2 cores) adds as little as it can to the figures.
 * BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306; a scratch database is created and dropped),
 * BENCH_REDIS_URL (default redis://127.0.0.1:6379), BENCH_SUBSCRIBERS (default 1000,10000).
 */
const SIZES = (process.env.BENCH_SUBSCRIBERS ?? '1000,10000').split(',').map(Number);
const ROUNDS = 3;
const BILLING_USERS = 20;
const SECRET = 'bench-subscriptions-secret';
const QUERY =
  'subscription($sinceAlertId: ID) { billingAlerts(sinceAlertId: $sinceAlertId) { id sequence kind message contracted inUse estimatedAdditionalCharge { cents formatted } location { id name } } }';

interface Server {
  url: string;
  /** Wall-clock instant (ms, sub-ms precision) of the server's last publish. */
  lastPublished: number;
  child: ChildProcessWithoutNullStreams;
  rss(): Promise<number>;
  stop(): Promise<void>;
}

async function startServer(env: Record<string, string>, entry = 'subscription-server.js'): Promise<Server> {
  const child = spawn(
    process.execPath,
    ['--expose-gc', ...(process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean), join(__dirname, entry)],
    {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        JWT_SECRET: SECRET,
        LOG_LEVEL: 'silent',
        SEED_DEMO: '0',
        DATABASE_POOL_SIZE: '10',
        ...env,
      },
    },
  );
  child.stderr.on('data', (d) => process.stderr.write(d));
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<(value: any) => void> = [];
  let lastPublished = 0;
  lines.on('line', (line) => {
    try {
      const message = JSON.parse(line);
      if (typeof message.published === 'number') lastPublished = message.published;
      else waiting.shift()?.(message);
    } catch {
      // not for us
    }
  });
  const next = () => new Promise<any>((resolve) => waiting.push(resolve));
  const { url } = await next();
  return {
    url,
    get lastPublished() {
      return lastPublished;
    },
    child,
    async rss() {
      const answer = next();
      child.stdin.write('rss\n');
      return (await answer).rss;
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** A graphql-ws subscriber: arrival times of `next` messages, parsed only when asked. */
class Subscriber {
  readonly arrivals: number[] = [];
  private readonly socket: WebSocket;
  readonly ready: Promise<void>;
  failed: unknown = null;

  constructor(url: string, token: string, sinceAlertId: string) {
    this.socket = new WebSocket(url.replace('http', 'ws') + '/graphql', 'graphql-transport-ws');
    this.ready = new Promise((resolve, reject) => {
      this.socket.on('open', () =>
        this.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
      );
      this.socket.on('message', (data) => {
        const at = performance.now();
        const text = data.toString();
        if (text.startsWith('{"id":"1","type":"next"')) {
          this.arrivals.push(at);
          return;
        }
        const message = JSON.parse(text);
        if (message.type === 'connection_ack') {
          this.socket.send(
            JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY, variables: { sinceAlertId } } }),
          );
          resolve();
        } else if (message.type === 'next') {
          this.arrivals.push(at);
          if (message.payload.errors) this.failed = message.payload.errors;
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

  close() {
    this.socket.close(1000);
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The same subscribers and measurement against a bare ws broadcast: the floor this machine sets. */
async function floor(n: number) {
  const server = await startServer({}, 'broadcast-floor-server.js');
  try {
    const before = await server.rss();
    const subscribers: Subscriber[] = [];
    for (let i = 0; i < n; i += 500) {
      const batch = Array.from({ length: Math.min(500, n - i) }, () => new Subscriber(server.url, 'none', 'none'));
      await Promise.all(batch.map((s) => s.ready));
      subscribers.push(...batch);
    }
    const after = await server.rss();
    const latencies: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await new Promise((r) => setTimeout(r, 200));
      const sent = performance.now();
      await fetch(`${server.url}/broadcast`, { method: 'POST' });
      await until(() => subscribers.every((s) => s.arrivals.length > round), 120_000, 'the broadcast');
      for (const s of subscribers) latencies.push(s.arrivals[round] - sent);
    }
    latencies.sort((x, y) => x - y);
    for (const s of subscribers) s.close();
    const kb = (after - before) / n / 1024;
    console.log(
      `${'floor: bare ws broadcast'.padEnd(22)} ${String(n).padStart(6)} subscribers: ${kb.toFixed(1).padStart(6)} KB/subscriber (server RSS)   ` +
        `from the request:  p50 ${percentile(latencies, 50).toFixed(1).padStart(7)} ms  p99 ${percentile(latencies, 99).toFixed(1).padStart(7)} ms`,
    );
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await server.stop();
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function scenario(name: string, servers: Server[], n: number) {
  const [a] = servers;
  const operator = await signToken({ jwtSecret: SECRET }, { sub: 'bench-operator', operator: true });
  const created = await gql(
    a.url,
    'mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }',
    {
      input: {
        name: `bench ${name} ${n}`,
        admin: { email: `admin.${randomBytes(5).toString('hex')}@bench.test`, name: 'Admin' },
        contract: { licenseModel: 'LOCATION', contractedLocations: 0, locationPriceCents: 9900 },
      },
    },
    operator,
  );
  const orgId = created.createOrganization.id;
  const tokens: string[] = [];
  for (let i = 0; i < BILLING_USERS; i++) {
    const user = await gql(
      a.url,
      'mutation($input: AddUserInput!, $org: ID) { addUser(input: $input, organizationId: $org) { id } }',
      {
        input: {
          email: `billing.${i}.${randomBytes(5).toString('hex')}@bench.test`,
          name: `Billing ${i}`,
          role: 'ADMIN',
        },
        org: orgId,
      },
      operator,
    );
    tokens.push(await signToken({ jwtSecret: SECRET }, { sub: user.addUser.id }));
  }
  let sites = 0;
  const raise = (): Promise<{ addLocation: { id: string } }> =>
    gql(
      a.url,
      'mutation($name: String!, $org: ID) { addLocation(input: { name: $name }, organizationId: $org) { id } }',
      { name: `Site ${++sites}`, org: orgId },
      operator,
    );

  await raise(); // the alert every subscriber starts after
  const alerts = await gql(
    a.url,
    'query($id: ID) { organization(id: $id) { alerts(first: 1) { nodes { id } } } }',
    { id: orgId },
    operator,
  );
  const sinceAlertId: string = alerts.organization.alerts.nodes[0].id;
  const rss = async () => (await Promise.all(servers.map((s) => s.rss()))).reduce((x, y) => x + y, 0);
  const subscribers: Subscriber[] = [];
  const connect = async (count: number) => {
    for (let done = 0; done < count; done += 500) {
      const offset = subscribers.length;
      const batch = Array.from(
        { length: Math.min(500, count - done) },
        (_, j) =>
          new Subscriber(
            servers[(offset + j) % servers.length].url,
            tokens[(offset + j) % tokens.length],
            sinceAlertId,
          ),
      );
      await Promise.all(batch.map((s) => s.ready));
      subscribers.push(...batch);
    }
  };
  // Every subscription is live once each subscriber has the latest alert (they subscribed with the sinceAlertId of
  // the alert before the first warm-up, so one still subscribing gets it by replay).
  const warmUp = async (count: number) => {
    await raise();
    try {
      await until(() => subscribers.every((s) => s.arrivals.length >= count), 120_000, 'the warm-up alert');
    } catch (error) {
      const got = subscribers.filter((s) => s.arrivals.length >= count).length;
      console.error(
        `${got} of ${subscribers.length} got the warm-up alert; failures: ${JSON.stringify(subscribers.find((s) => s.failed)?.failed ?? null)}`,
      );
      throw error;
    }
  };
  // Memory: the total growth over all subscribers, and the marginal cost (the slope from n/2 to n), which leaves
  // out one-time costs of a fresh process (heap sizing, code compiled on first use).
  const before = await rss();
  await connect(n / 2);
  await warmUp(1);
  const half = await rss();
  await connect(n / 2);
  await warmUp(2);
  const after = await rss();
  const failed = subscribers.filter((s) => s.failed).length;
  const perSubscriberKb = (after - before) / n / 1024;
  const marginalKb = (after - half) / (n / 2) / 1024;
  const WARM = 2;

  const latencies: number[] = [];
  const afterCommit: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await new Promise((r) => setTimeout(r, 200));
    const sent = performance.now();
    await raise();
    await until(() => subscribers.every((s) => s.arrivals.length >= WARM + round), 120_000, `alert ${round}`);
    const published = a.lastPublished - performance.timeOrigin; // the publisher's wall clock on this process's timeline
    for (const s of subscribers) {
      latencies.push(s.arrivals[WARM + round - 1] - sent);
      afterCommit.push(s.arrivals[WARM + round - 1] - published);
    }
  }
  latencies.sort((x, y) => x - y);
  afterCommit.sort((x, y) => x - y);
  for (const s of subscribers) s.close();
  const row = {
    scenario: name,
    subscribers: n,
    kbPerSubscriber: round1(perSubscriberKb),
    marginalKbPerSubscriber: round1(marginalKb),
    p50: round1(percentile(latencies, 50)),
    p99: round1(percentile(latencies, 99)),
    max: round1(latencies.at(-1)!),
    commitP50: round1(percentile(afterCommit, 50)),
    commitP99: round1(percentile(afterCommit, 99)),
    failed,
  };
  console.log(
    `${name.padEnd(22)} ${String(n).padStart(6)} subscribers: ${row.kbPerSubscriber.toFixed(1).padStart(6)} KB/subscriber (server RSS; marginal ${row.marginalKbPerSubscriber.toFixed(1)})   ` +
      `from the mutation: p50 ${row.p50.toFixed(1).padStart(7)} ms  p99 ${row.p99.toFixed(1).padStart(7)} ms   ` +
      `from the publish after commit: p50 ${row.commitP50.toFixed(1).padStart(7)} ms  p99 ${row.commitP99.toFixed(1).padStart(7)} ms${failed ? `  (${failed} failed)` : ''}`,
  );
  await new Promise((r) => setTimeout(r, 500));
  return row;
}

async function main() {
  const base = new URL(process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const dbName = `bench_subs_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection({
    host: base.hostname,
    port: Number(base.port || 3306),
    user: decodeURIComponent(base.username || 'root'),
    password: decodeURIComponent(base.password),
  });
  await admin.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(base.toString());
  url.pathname = `/${dbName}`;
  const rows = [];
  console.log(
    `billingAlerts delivery (MariaDB; goals: ≤ 50 KB/subscriber, p99 ≤ 100 ms single, ≤ 250 ms through Redis)`,
  );
  try {
    for (const n of SIZES) {
      await floor(n);
      const single = await startServer({ DATABASE_URL: url.toString() });
      try {
        rows.push(await scenario('single instance', [single], n));
      } finally {
        await single.stop();
      }
      const first = await startServer({ DATABASE_URL: url.toString(), REDIS_URL: redisUrl });
      const second = await startServer({ DATABASE_URL: url.toString(), REDIS_URL: redisUrl });
      try {
        rows.push(await scenario('two instances + Redis', [first, second], n));
      } finally {
        await Promise.all([first.stop(), second.stop()]);
      }
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await admin.end();
  }
  if (process.env.BENCH_JSON) console.log(JSON.stringify(rows));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
