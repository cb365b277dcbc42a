import { Agent, request } from 'node:http';
import { Client } from 'graphql-ws';
import { createOrg, DRIVERS, REDIS_URL, uniqueEmail } from '../support/harness';
import { BILLING_ALERTS } from '../licenses/support';
import { ChildTestServer, startChild } from './support';
import { sleep } from '../support/wait';

/** A LOCATION contract with no location included: every addLocation raises an alert for the dashboard. */
const EVERY_LOCATION_ALERTS = { licenseModel: 'LOCATION', contractedLocations: 0, locationPriceCents: 4900 };
const ADD_LOCATION = `mutation($name: String!) { addLocation(input: { name: $name }) { id name } }`;
const ADD_USER = `mutation($input: AddUserInput!) { addUser(input: $input) { id } }`;

/** A request on one of `agent`'s keep-alive connections; resolves with the status and the parsed body. */
function post(
  base: string,
  agent: Agent,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; errors?: unknown; data?: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        agent,
        method: body ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, ...(body ? JSON.parse(text) : {}) }));
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

/** A live billingAlerts subscription that records how its socket ended. */
function subscribe(client: Client) {
  const state = { received: 0, closeCode: undefined as number | undefined, errors: [] as unknown[] };
  const closed = new Promise<number>((resolve) => {
    client.on('closed', (event) => {
      state.closeCode = (event as { code: number }).code;
      resolve(state.closeCode);
    });
  });
  client.subscribe(
    { query: BILLING_ALERTS, variables: {} },
    {
      next: () => {
        state.received++;
      },
      error: (error) => {
        state.errors.push(error);
      },
      complete: () => {},
    },
  );
  return { state, closed };
}

describe.each(DRIVERS)('R36: SIGTERM drains the production server on %s', (driver) => {
  let server: ChildTestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = () =>
    startChild(driver, {
      // A tick every 20 ms: one is running, or about to, whenever the signal arrives.
      BILLING_SCHEDULER_INTERVAL_MS: '20',
      ...(REDIS_URL ? { REDIS_URL } : {}),
      // The budget on (generously), so its Redis client is one more thing the drain must close.
      RATE_LIMIT_RPS: '10000',
      RATE_LIMIT_BURST: '10000',
    });

  /** An organization with an admin on a live subscription, and a burst of mutations sent all at once. */
  async function inFlightWork(s: ChildTestServer) {
    const org = await createOrg(s.asTestServer, EVERY_LOCATION_ALERTS);
    const dashboard = subscribe(s.ws(org.adminToken));
    // The subscription is live once an alert arrives through it (alerts raised before it was set up are not replayed).
    for (let i = 0; i < 50 && dashboard.state.received === 0; i++) {
      const raised = await s.gql(ADD_LOCATION, { name: `Warm-up ${i}` }, org.adminToken);
      expect(raised.errors).toBeUndefined();
      await sleep(100);
    }
    expect(dashboard.state.errors).toEqual([]);
    expect(dashboard.state.received).toBeGreaterThan(0);

    // Thirty connections the server has accepted (a round trip on each), then one mutation on each, all at once:
    // what a client sent on an open connection before the signal is in flight and must be answered.
    const agent = new Agent({ keepAlive: true, maxSockets: 30 });
    await Promise.all(Array.from({ length: 30 }, () => post(s.url, agent, '/healthz')));
    const finishedAt: number[] = [];
    const sent = Array.from({ length: 30 }, (_, i) =>
      post(
        s.url,
        agent,
        '/graphql',
        org.adminToken,
        i % 2 === 0
          ? { query: ADD_LOCATION, variables: { name: `Site ${i + 1}` } }
          : { query: ADD_USER, variables: { input: { email: uniqueEmail(), name: `User ${i}` } } },
      ).then((res) => {
        finishedAt.push(Date.now());
        return res;
      }),
    );
    // Signal once the server is answering the burst, so the rest of it is in flight.
    while (finishedAt.length === 0) await sleep(1);
    return { org, dashboard, sent, finishedAt };
  }

  it('R36: in-flight mutations complete, sockets close with 1001, the scheduler, Redis and the pool close, exit 0 within 10 s', async () => {
    server = await start();
    const { dashboard, sent, finishedAt } = await inFlightWork(server);
    const signalled = Date.now();
    const exit = await server.child.stop('SIGTERM', 15000);
    const results = await Promise.all(sent);

    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(10000);
    expect(results.map((r) => [r.status, r.errors])).toEqual(results.map(() => [200, undefined]));
    expect(finishedAt.filter((t) => t >= signalled).length).toBeGreaterThan(0); // some really were in flight
    expect(await dashboard.closed).toBe(1001);
    const output = server.child.output();
    expect(output).toMatch(/"msg":"stopped"/);
    expect(output).not.toMatch(/shutdown failed|did not finish in time|Error:|\n\s+at /);
  });

  it('R36: a second SIGTERM or SIGINT during the drain neither hangs nor crashes it', async () => {
    server = await start();
    const { sent } = await inFlightWork(server);
    const child = server.child;
    const started = Date.now();
    child.child.kill('SIGTERM');
    await sleep(5);
    child.child.kill('SIGINT');
    await sleep(5);
    child.child.kill('SIGTERM');
    const exit = await child
      .stop('SIGINT', 15000)
      .catch((error) => ({ code: -1, signal: null, ms: Number.NaN, error }));
    const results = await Promise.all(sent);

    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10000);
    expect(results.every((r) => r.status === 200 && !r.errors)).toBe(true);
    expect(child.output()).toMatch(/already draining/);
    expect(child.output()).not.toMatch(/shutdown failed|did not finish in time/);
  });
});
