import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import Redis from 'ioredis';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { signToken } from '../../src/auth/jwt';
import { QUERY_LIMITS } from '../../src/server/query-limits';
import { codes, DRIVERS, REDIS_URL, startServer, TEST_SECRET, TestServer, wsOnce } from '../support/harness';
import { sleep } from '../support/wait';

const VIEWER = `{ viewer { isOperator } }`;
/** R36's budget for these tests: one request a second, five at once. */
const BUDGET = { rateLimitRps: 1, rateLimitBurst: 5 };

/** A token of its own for each test: budgets are per subject (and, through Redis, outlive a server). */
const freshOperator = () => signToken({ jwtSecret: TEST_SECRET }, { sub: `operator-${randomUUID()}`, operator: true });

async function post(url: string, token: string | null, query = VIEWER) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as { data?: any; errors?: any[] },
  };
}

describe.each(DRIVERS)('R36: each caller has a request budget, on %s', (driver) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(driver, { config: BUDGET });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('R36: a burst beyond RATE_LIMIT_BURST is refused with 429, Retry-After in whole seconds and RATE_LIMITED; then the budget refills', async () => {
    const token = await freshOperator();
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(server.url, token)));
    const served = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(served.length).toBeGreaterThanOrEqual(5);
    expect(served.length).toBeLessThanOrEqual(6); // the burst, plus at most the next second's request
    expect(served.length + refused.length).toBe(10);
    for (const a of refused) {
      expect(a.retryAfter).toMatch(/^[1-9][0-9]*$/);
      expect(a.body.data).toBeUndefined();
      expect(a.body.errors).toEqual([
        {
          message: expect.stringMatching(/Too many requests/),
          extensions: { code: 'RATE_LIMITED', retryAfterSeconds: Number(a.retryAfter) },
        },
      ]);
    }
    await sleep(Number(refused[0].retryAfter) * 1000);
    expect((await post(server.url, token)).status).toBe(200);
  });

  it("R36: another caller is not throttled, and a forged token naming a subject never spends that subject's budget", async () => {
    const throttled = await freshOperator();
    const other = await freshOperator();
    await Promise.all(Array.from({ length: 10 }, () => post(server.url, throttled)));
    expect((await post(server.url, throttled)).status).toBe(429);
    expect((await post(server.url, other)).status).toBe(200);

    const victimSub = `operator-${randomUUID()}`;
    const victim = await signToken({ jwtSecret: TEST_SECRET }, { sub: victimSub, operator: true });
    const forged = await new SignJWT({ scope: 'operator' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(victimSub)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-secret-of-this-server'));
    const forgedAnswers = await Promise.all(Array.from({ length: 10 }, () => post(server.url, forged)));
    expect(forgedAnswers.every((a) => a.status === 401 || a.status === 429)).toBe(true); // spent the address's budget
    expect((await post(server.url, victim)).status).toBe(200);
  });

  it('R36: over graphql-ws an operation over budget gets an error of its own; the socket stays open', async () => {
    const token = await freshOperator();
    // One socket for the whole test (not lazy: a lazy client closes its socket whenever it has nothing running).
    const client = createClient({
      url: server.url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {},
    });
    let closed = false;
    client.on('closed', () => (closed = true));
    let connections = 0;
    client.on('connected', () => connections++);
    const answers = await Promise.all(Array.from({ length: 10 }, () => wsOnce(client, VIEWER)));
    const refused = answers.filter((a) => a.errors);
    expect(answers.filter((a) => a.data?.viewer).length).toBeGreaterThanOrEqual(5);
    expect(refused.length).toBeGreaterThanOrEqual(4);
    for (const a of refused)
      expect(a.errors).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED' }) }),
      ]);
    await sleep(Number(refused[0].errors![0].extensions!.retryAfterSeconds) * 1000);
    expect((await wsOnce(client, VIEWER)).data).toEqual({ viewer: { isOperator: true } });
    expect(closed).toBe(false);
    expect(connections).toBe(1);
    await client.dispose();
  });

  (REDIS_URL ? it : it.skip)('R36: with REDIS_URL every instance spends one budget', async () => {
    const [a, b] = [
      await startServer(driver, { config: { ...BUDGET, redisUrl: REDIS_URL } }),
      await startServer(driver, { config: { ...BUDGET, redisUrl: REDIS_URL } }),
    ];
    try {
      const sub = `operator-${randomUUID()}`;
      const token = await signToken({ jwtSecret: TEST_SECRET }, { sub, operator: true });
      const first = await Promise.all(Array.from({ length: 3 }, () => post(a.url, token)));
      const second = await Promise.all(Array.from({ length: 5 }, () => post(b.url, token)));
      expect(first.map((x) => x.status)).toEqual([200, 200, 200]);
      const served = second.filter((x) => x.status === 200).length;
      expect(served).toBeGreaterThanOrEqual(2);
      expect(served).toBeLessThanOrEqual(3); // 5 in all, plus at most the next second's request
      expect(second.some((x) => x.status === 429)).toBe(true);
      // one key per caller, living as long as its bucket takes to fill again (5 tokens at 1 a second)
      const store = new Redis(REDIS_URL!);
      try {
        const ttl = await store.ttl(`opus-billing:budget:sub:${sub}`);
        expect(ttl).toBeGreaterThanOrEqual(4);
        expect(ttl).toBeLessThanOrEqual(6);
      } finally {
        store.disconnect();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('R36: RATE_LIMIT_RPS=0 turns the budget off', async () => {
    const open = await startServer(driver, { config: { rateLimitRps: 0, rateLimitBurst: 1 } });
    try {
      const answers = await Promise.all(Array.from({ length: 30 }, () => post(open.url, server.operatorToken)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
    } finally {
      await open.close();
    }
  });
});

/**
 * Sends from `loops` callers-in-parallel (one caller: one token) for `ms`; how many were served and over how long
 * (from the first request sent to the last one answered).
 */
async function keepSending(url: string, token: string, ms: number, loops = 6) {
  const started = Date.now();
  let served = 0;
  let refused = 0;
  let other = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (Date.now() - started < ms) {
        const { status } = await post(url, token);
        if (status === 200) served++;
        else if (status === 429) refused++;
        else other++;
      }
    }),
  );
  return { served, refused, other, seconds: (Date.now() - started) / 1000 };
}

describe.each(DRIVERS)(
  'R36: the budget is a token bucket: bursts up to RATE_LIMIT_BURST, RATE_LIMIT_RPS sustained, on %s',
  (driver) => {
    // A bucket as deep as one second's rate, and one four seconds deep (where a burst reserve refilling beside the rate
    // would show). Both run at once, on servers of their own.
    const SHAPES = [
      { rateLimitRps: 20, rateLimitBurst: 20 },
      { rateLimitRps: 10, rateLimitBurst: 40 },
    ];

    const sustained = (redisUrl?: string) => async () => {
      await Promise.all(
        SHAPES.map(async (shape) => {
          const server = await startServer(driver, { config: { ...shape, ...(redisUrl ? { redisUrl } : {}) } });
          try {
            const { served, refused, other, seconds } = await keepSending(server.url, await freshOperator(), 3000);
            const bucket = shape.rateLimitBurst + shape.rateLimitRps * seconds;
            expect(other).toBe(0);
            expect(served).toBeLessThanOrEqual(Math.ceil(bucket * 1.1));
            // The whole budget is served to a caller who asked for more; a client slowed down by a busy host, which
            // asked for less than the budget, is served (nearly) all it asked.
            const asked = served + refused;
            expect(served).toBeGreaterThanOrEqual(Math.floor(Math.min(bucket, asked) * 0.9));
          } finally {
            await server.close();
          }
        }),
      );
    };

    it('R36: a caller who keeps sending for 3 s is served BURST + RPS × 3, in memory', sustained());
    (REDIS_URL ? it : it.skip)(
      'R36: a caller who keeps sending for 3 s is served BURST + RPS × 3, through Redis',
      sustained(REDIS_URL),
    );
  },
);

describe.each(DRIVERS)('R36: the cost of validation itself is bounded, on %s', (driver) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(driver);
  });
  afterAll(async () => {
    await server?.close();
  });

  /** 450 same-name fields with conflicting arguments: about 5 KB, under every other limit, quadratic to validate. */
  const CONFLICTING = `{ ${Array.from({ length: 450 }, (_, i) => `viewer(a:${i})`).join(' ')} }`;

  it('R36: 450 same-name fields with conflicting arguments are refused before validation, cheaply, on both transports', async () => {
    expect(CONFLICTING.length).toBeGreaterThan(5000);
    expect(CONFLICTING.length).toBeLessThan(6500);
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 16 }, () => server.gql(CONFLICTING, {}, server.operatorToken)),
    );
    const elapsed = Date.now() - started;
    for (const res of answers) {
      expect(res.status).toBe(400);
      expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(res.errors![0].message).toBe(
        `"viewer" is selected more than ${QUERY_LIMITS.sameNameFields} times in one selection set; select it once (or under different aliases)`,
      );
    }
    // Validating them took 200–440 ms each (3–7 s for the 16); refusing them is a linear walk of the document.
    expect(elapsed).toBeLessThan(2500);
    const ws = await wsOnce(server.ws(server.operatorToken), CONFLICTING);
    expect(ws.errors).toEqual([expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);

    // the same through fragments: the document's selections are bounded too
    const fragments = `{ ${Array.from({ length: 250 }, (_, i) => `...F${i}`).join(' ')} } ${Array.from({ length: 250 }, (_, i) => `fragment F${i} on Query { viewer(a:${i}) }`).join(' ')}`;
    const viaFragments = await server.gql(fragments, {}, server.operatorToken);
    expect(viaFragments.errors![0].message).toMatch(new RegExp(`more than ${QUERY_LIMITS.selections} selections`));
    // an ordinary query still passes
    expect((await server.gql(VIEWER, {}, server.operatorToken)).data).toEqual({ viewer: { isOperator: true } });
  });
});
