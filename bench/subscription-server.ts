import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/config/config';
import { createApp } from '../src/server/app';

/**
 * One server instance for bench:subscriptions, in its own process so its memory is measured alone.
 * Prints {"url": …} once listening; answers "rss" on stdin with {"rss": bytes} after a full GC (run with --expose-gc).
 */
async function main() {
  const app = await createApp({
    ...loadConfig(),
    port: 0,
    seedDemo: false,
    logLevel: 'silent',
    rateLimitRps: 0 /* a benchmark, not a caller */,
  });
  const url = await app.listen(0);
  console.log(JSON.stringify({ url }));
  // Reports the wall-clock instant of each publish (after commit), so latency can also be measured from there.
  const pubSub = app.services.pubSub;
  const publish = pubSub.publish.bind(pubSub);
  pubSub.publish = ((...args: [string, ...unknown[]]) => {
    if (args[0] === 'ALERT_RAISED')
      console.log(JSON.stringify({ published: performance.timeOrigin + performance.now() }));
    return (publish as (...all: unknown[]) => void)(...args);
  }) as typeof publish;
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() === 'rss') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      console.log(JSON.stringify({ rss: process.memoryUsage().rss }));
    }
  });
  lines.on('close', () => {
    void app.stop().finally(() => process.exit(0));
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
