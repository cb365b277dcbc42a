import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config';
import { signToken } from '../src/auth/jwt';

/**
 * Server CPU per request for abusive documents (and, beside them, for ordinary ones), read from /proc/<pid>/stat
 * of the built server (dist/src/main.js, NODE_ENV=production, its own process): the issue's goal is ≤ 2 ms of CPU
 * to refuse each of them. Run after `npm run build`: `node dist/bench/refusal-cpu.js` (DATABASE_URL: default an
 * in-memory SQLite; refusals read nothing from it; ONLY: a regular expression of the labels to run). Prints one line per document: ms of CPU per request, answer.
 */
const REQUESTS = Number(process.env.REQUESTS ?? 400);
const WARM_UP = 100;
const CONCURRENCY = 4;
const SECRET = 'refusal-cpu-bench-secret';

const abusive: Record<string, string> = {
  'depth 1,500': `{ ${'viewer { '.repeat(1500)}id${' }'.repeat(1500)} }`,
  '500 aliases': `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: viewer { isOperator }`).join(' ')} }`,
  '~1 MB of tokens': `{ viewer { ${'isOperator '.repeat(90_000)}} }`,
  '450 conflicting same-name fields': `{ viewer { user { ${Array.from({ length: 450 }, (_, i) => `id: ${i % 2 ? 'email' : 'name'}`).join(' ')} } } }`,
  '450 same-name fields with arguments': `{ ${Array.from({ length: 450 }, (_, i) => `viewer(a:${i})`).join(' ')} }`,
  '15 aliases of upcomingInvoice': `{ organization { ${Array.from({ length: 15 }, (_, i) => `u${i}: upcomingInvoice { total { formatted } lineItems { kind description quantity amount { formatted } } }`).join(' ')} } }`,
};

const ordinary: Record<string, string> = {
  'a syntax error (HTTP and refusal floor)': '{',
  'flat viewer': '{ viewer { user { id } } }',
  'README BillingDashboard': readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8').match(
    /query BillingDashboard \{[\s\S]*?\n {3}\}\n/,
  )![0],
  'one upcomingInvoice':
    '{ organization { upcomingInvoice { total { formatted } lineItems { kind description quantity amount { formatted } } } } }',
  'users(first: 100)': '{ organization { users(first: 100) { nodes { id email name role status permissions } } } }',
};

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15 of stat)
}

const TICKS_PER_MS = 100 / 1000; // USER_HZ

async function main() {
  const port = 40000 + Math.floor(Math.random() * 20000);
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    JWT_SECRET: SECRET,
    RATE_LIMIT_RPS: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: process.env.DATABASE_URL ?? 'sqlite::memory:',
    SEED_DEMO: '0',
    BILLING_SCHEDULER_INTERVAL_MS: '0',
  };
  const server = spawn(
    process.execPath,
    [
      ...(process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : []),
      join(__dirname, '..', 'src', 'main.js'),
    ],
    {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Opus Billing API:')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
  const url = `http://localhost:${port}/graphql`;
  const config = { ...loadConfig(env) };
  const post = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: res.status,
      body: (await res.json()) as { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> },
    };
  };
  try {
    const operator = await signToken(config, { sub: 'operator', operator: true });
    const created = await post(
      operator,
      'mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }',
      {
        input: {
          name: 'Bench',
          admin: { email: `bench.${Date.now()}@example.test`, name: 'Admin' },
          contract: { licenseModel: 'USER', contractedSeats: 10, seatPriceCents: 1500 },
        },
      },
    );
    const orgId = created.body.data.createOrganization.id;
    const users = await post(operator, 'query($id: ID) { organization(id: $id) { users { nodes { id } } } }', {
      id: orgId,
    });
    const admin = await signToken(config, { sub: users.body.data.organization.users.nodes[0].id });

    const measure = async (label: string, query: string) => {
      let answer = '';
      const run = async (count: number) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next++ < count) {
              try {
                const { status, body } = await post(admin, query);
                answer = `${status} ${body.errors?.[0]?.extensions?.code ?? 'data'}${body.errors ? `: ${body.errors[0].message.slice(0, 70)}` : ''}`;
              } catch (error) {
                answer = `no answer: ${((error as Error).cause as Error | undefined)?.message ?? error}`;
              }
            }
          }),
        );
      };
      await run(WARM_UP);
      const before = cpuTicks(server.pid!);
      await run(REQUESTS);
      const perRequest = (cpuTicks(server.pid!) - before) / TICKS_PER_MS / REQUESTS;
      console.log(
        `${label.padEnd(38)} ${perRequest.toFixed(2).padStart(6)} ms CPU/request  (${(query.length / 1024).toFixed(1)} KB; ${answer})`,
      );
    };
    console.log(
      `server CPU per request, ${REQUESTS} requests each after ${WARM_UP} to warm up, ${CONCURRENCY} at a time`,
    );
    const only = new RegExp(process.env.ONLY ?? '');
    for (const [label, query] of [...Object.entries(abusive), ...Object.entries(ordinary)])
      if (only.test(label)) await measure(label, query);
  } finally {
    server.kill('SIGTERM');
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
