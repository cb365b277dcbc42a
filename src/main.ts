import 'reflect-metadata';
import { loadConfig } from './config/config';
import { DEMO_ADMIN_EMAIL } from './seed/demo';
import { createApp } from './server/app';

async function main() {
  const config = loadConfig();
  const app = await createApp(config);
  const url = await app.listen(config.port);
  app.log.info({ url: `${url}/graphql`, database: app.dataSource.options.type }, 'Opus Billing API ready');
  console.log(`\n  Opus Billing API: ${url}/graphql  (IDE in the browser, POST and graphql-ws on the same path)`);
  if (config.seedDemo) console.log(`  A token for the demo admin: npm run token -- ${DEMO_ADMIN_EMAIL}   (operators: npm run token -- --operator)\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'draining connections');
    try {
      await app.stop();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
