import 'reflect-metadata';
import { loadConfig } from './config/config';
import { DEMO_ADMIN_EMAIL } from './seed/demo';
import { BillingApp, createApp } from './server/app';

/** R36: SIGTERM exits within 10 s on every driver; a drain still running after this long gives up (exit 1). */
const SHUTDOWN_DEADLINE_MS = 9000;

async function main() {
  const config = loadConfig();
  const app = await createApp(config);
  const url = await app.listen(config.port);
  app.log.info(
    {
      url: `${url}/graphql`,
      database: app.dataSource.options.type,
      ...(app.metricsUrl ? { metricsUrl: app.metricsUrl } : {}),
    },
    'Opus Billing API ready',
  );
  console.log(`\n  Opus Billing API: ${url}/graphql  (IDE in the browser, POST and graphql-ws on the same path)`);
  if (config.seedDemo)
    console.log(
      `  A token for the demo admin: npm run token -- ${DEMO_ADMIN_EMAIL}   (operators: npm run token -- --operator)\n`,
    );
  if (config.production && !config.metricsToken && config.metricsPort === undefined) {
    app.log.warn('GET /metrics is not served: set METRICS_TOKEN (bearer token) or METRICS_PORT to expose it');
  }
  exitOnSignals(app);
}

/**
 * The one owner of shutdown (Apollo's own signal handlers are off): the first SIGTERM or SIGINT drains
 * (app.stop) and exits 0; a second signal during the drain neither starts another nor kills the first.
 */
function exitOnSignals(app: BillingApp) {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) {
      app.log.warn({ signal }, 'already draining; exiting when the drain ends');
      return;
    }
    draining = true;
    app.log.info({ signal }, 'draining: finishing in-flight work, then closing sockets, Redis and the database');
    setTimeout(() => {
      app.log.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'the drain did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app.stop().then(
      () => {
        app.log.info('stopped');
        process.exit(0);
      },
      (error) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * What an operator should read when the server cannot start: one line that says what to do, for the failures a
 * configuration causes; a stack only for the unexpected.
 */
function startupFailure(error: unknown, databaseUrl: string | undefined): string | null {
  const e = error as { code?: string; errno?: number; message?: string; address?: string; port?: number };
  if (e?.code === 'ER_BAD_DB_ERROR' || e?.errno === 1049) {
    const url = safeUrl(databaseUrl);
    const name = url?.pathname.replace(/^\//, '') || '?';
    return (
      `The database "${name}" does not exist on ${url?.host ?? 'the MySQL server'}. Create it, then start again: ` +
      `CREATE DATABASE \`${name.replace(/`/g, '``')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;`
    );
  }
  if (e?.code === 'ER_ACCESS_DENIED_ERROR' || e?.code === 'ER_DBACCESS_DENIED_ERROR') {
    return `The database refused the login in DATABASE_URL (${e.message}); check its user, password and grants.`;
  }
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ENOTFOUND' || e?.code === 'ETIMEDOUT') {
    return `Cannot reach the database in DATABASE_URL (${e.code}${e.address ? ` ${e.address}:${e.port}` : ''}); is it running?`;
  }
  if (error instanceof Error && /^(DATABASE_URL|JWT_SECRET|[A-Z_]+ must be)/.test(error.message)) return error.message;
  return null;
}

function safeUrl(databaseUrl: string | undefined): URL | null {
  try {
    return databaseUrl ? new URL(databaseUrl) : null;
  } catch {
    return null;
  }
}

main().catch((error) => {
  const line = startupFailure(error, process.env.DATABASE_URL);
  console.error(line ? `Opus Billing API did not start: ${line}` : error);
  process.exit(1);
});
