import 'reflect-metadata';
import { loadConfig } from '../src/config/config';
import { createApp } from '../src/server/app';

/**
 * bench:audit-log's server: the real app (src/server/app.ts, configured from the environment as src/main.ts is), with
 * R31's writer replaced by a no-op when BENCH_AUDIT_LOG=off — the benchmark's "without" side. The switch lives here,
 * in the benchmark, never in the server: production has no way to turn the audit log off.
 * Prints `Opus Billing API: http://…/graphql` once listening; SIGTERM stops it.
 */
async function main() {
  const app = await createApp(loadConfig());
  if (process.env.BENCH_AUDIT_LOG === 'off') app.services.auditLog.record = async () => {};
  const url = await app.listen(0);
  console.log(`Opus Billing API: ${url}/graphql (audit log ${process.env.BENCH_AUDIT_LOG === 'off' ? 'off' : 'on'})`);
  process.once('SIGTERM', () => {
    void app.stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
