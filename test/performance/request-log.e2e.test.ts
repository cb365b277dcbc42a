import { Writable } from 'node:stream';
import pino from 'pino';
import { startServer, TestServer } from '../support/harness';

describe('request logs: errors and slow requests always, the rest sampled', () => {
  let server: TestServer;
  const lines: Array<Record<string, any>> = [];
  const requestLines = () => lines.filter((l) => l.msg === 'graphql request');

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    server = await startServer('sqlite', {
      config: { logSampleRate: 0, logSlowMs: 60_000 },
      appOptions: { log: pino({ level: 'info' }, sink) },
    });
  });
  afterAll(() => server.close());

  it('a fast request without errors is not logged when LOG_SAMPLE_RATE is 0; one with an error is, with its request id', async () => {
    const ok = await server.gql('{ viewer { permissions } }');
    expect(ok.errors).toBeUndefined();
    expect(requestLines()).toHaveLength(0);

    const failed = await server.gql('{ organization { id } }', {}, null, { 'x-request-id': 'req-with-an-error' });
    expect(failed.errors?.length).toBeGreaterThan(0);
    expect(requestLines()).toEqual([
      expect.objectContaining({ requestId: 'req-with-an-error', errors: failed.errors!.length }),
    ]);
  });
});
