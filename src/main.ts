import 'reflect-metadata';
import { AppConfig, loadConfig } from './config/config';
import { DEMO_ADMIN_EMAIL } from './seed/demo';
import type { BillingApp } from './server/app';
import { checkPortFree, checkRedisReachable, startupFailure } from './server/startup';

/** R36: SIGTERM exits within 10 s on every driver; a drain still running after this long gives up (exit 1). */
const SHUTDOWN_DEADLINE_MS = 9000;

/** What the start was given, for the failure line (none while the configuration itself is being read). */
let started: AppConfig | undefined;

async function main() {
  const config = loadConfig();
  started = config;
  await checkPortFree(config.port, 'PORT');
  if (config.metricsPort !== undefined) await checkPortFree(config.metricsPort, 'METRICS_PORT');
  if (config.redisUrl) await checkRedisReachable(config.redisUrl);
  // Imported once the configuration is known good: ormconfig builds a DataSource from DATABASE_URL on import.
  const { createApp } = await import('./server/app.js');
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

main().catch((error: unknown) => {
  // Startup failures are one line on stderr and exit 1 (src/server/startup.ts); the stack only when asked for.
  console.error(
    `Opus Billing API did not start: ${startupFailure(error, {
      databaseUrl: started?.databaseUrl ?? process.env.DATABASE_URL,
      port: started?.port,
      metricsPort: started?.metricsPort,
    })}`,
  );
  if (/^(debug|trace)$/.test(process.env.LOG_LEVEL ?? '') && error instanceof Error) console.error(error.stack);
  process.exit(1);
});
