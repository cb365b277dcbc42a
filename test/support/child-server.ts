import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { TEST_SECRET } from './harness';

/** The built server (`npm test` builds before jest runs). */
export const BUILT_MAIN = resolve(__dirname, '../../dist/src/main.js');

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from the signal sent by `stop` (or from `exited` being awaited after a kill) to the exit. */
  ms: number;
}

/** The real built server as a child process, as an operator runs it (`node dist/src/main.js`). */
export interface ChildServer {
  /** Base URL, e.g. http://localhost:39123 (append /graphql). */
  url: string;
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` and waits for the exit, at most `timeoutMs` (then SIGKILLs it and rejects). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ChildExit>;
  /** kill -9, and wait for the exit. */
  kill(): Promise<void>;
}

/**
 * Spawns `node dist/src/main.js` with production defaults (NODE_ENV=production, the suite's JWT secret, a free port,
 * the scheduler and the request budget off) plus `env`, and resolves once it logs that it is ready (its URL is read from the log line).
 */
export async function spawnServer(
  env: Record<string, string | undefined> = {},
  options: { readyTimeoutMs?: number } = {},
): Promise<ChildServer> {
  if (!existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run npm run build first (npm test does)`);
  const child = spawn(process.execPath, [BUILT_MAIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      JWT_SECRET: TEST_SECRET,
      PORT: '0',
      BILLING_SCHEDULER_INTERVAL_MS: '0',
      // Suites send bursts on purpose; the ones about the request budget (R36) set it.
      RATE_LIMIT_RPS: '0',
      LOG_LEVEL: 'info',
      ...env,
    } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const url = await new Promise<string>((ready, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`the server did not become ready in time:\n${output}`));
    }, options.readyTimeoutMs ?? 30000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(output);
      if (match) {
        clearTimeout(timer);
        ready(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`the server exited before it was ready (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 15000) {
      const started = Date.now();
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, fail) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          fail(new Error(`the server did not exit within ${timeoutMs} ms of ${signal}:\n${output}`));
        }, timeoutMs);
      });
      try {
        const exit = await Promise.race([exited, timeout]);
        return { ...exit, ms: Date.now() - started };
      } finally {
        clearTimeout(timer);
      }
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
