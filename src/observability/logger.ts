import pino, { Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'opus-billing-api' },
    redact: ['req.headers.authorization', 'connectionParams.authorization'],
  });
}
