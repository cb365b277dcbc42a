import { loadConfig } from '../../src/config/config';
import { shouldLogRequest } from '../../src/observability/request-log';

describe('request logs that cost little', () => {
  const policy = { slowMs: 500, sampleRate: 0.01 };
  const never = () => 0.999; // a draw above every sample rate below 1

  it('a request with an error is always logged, however fast', () => {
    expect(shouldLogRequest({ durationMs: 1, errorCount: 1 }, policy, never)).toBe(true);
    expect(shouldLogRequest({ durationMs: 1, errorCount: 1 }, { slowMs: 500, sampleRate: 0 }, never)).toBe(true);
  });

  it('a slow request is always logged, from LOG_SLOW_MS on', () => {
    expect(shouldLogRequest({ durationMs: 500, errorCount: 0 }, policy, never)).toBe(true);
    expect(shouldLogRequest({ durationMs: 499, errorCount: 0 }, policy, never)).toBe(false);
  });

  it('the other requests are sampled at LOG_SAMPLE_RATE', () => {
    expect(shouldLogRequest({ durationMs: 3, errorCount: 0 }, policy, () => 0.005)).toBe(true);
    expect(shouldLogRequest({ durationMs: 3, errorCount: 0 }, policy, () => 0.01)).toBe(false);
    expect(shouldLogRequest({ durationMs: 3, errorCount: 0 }, { slowMs: 500, sampleRate: 1 }, never)).toBe(true);
    expect(shouldLogRequest({ durationMs: 3, errorCount: 0 }, { slowMs: 500, sampleRate: 0 }, () => 0)).toBe(false);
  });

  it('defaults: 1 % sampled in production, every request elsewhere; 500 ms is slow; a rate above 1 stops the start', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret' };
    expect(loadConfig(production)).toMatchObject({ logSampleRate: 0.01, logSlowMs: 500 });
    expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({ logSampleRate: 1, logSlowMs: 500 });
    expect(loadConfig({ ...production, LOG_SAMPLE_RATE: '0.2', LOG_SLOW_MS: '50' })).toMatchObject({
      logSampleRate: 0.2,
      logSlowMs: 50,
    });
    expect(() => loadConfig({ LOG_SAMPLE_RATE: '5' })).toThrow(/LOG_SAMPLE_RATE/);
  });
});
