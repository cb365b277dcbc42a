import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { WebSocketServer } from 'ws';

/**
 * The floor for bench:subscriptions: a bare `ws` server that sends one ~400-byte message to every connected socket
 * when asked (POST /broadcast) — no GraphQL, no database, no authorization. What it costs is what this machine's
 * sockets cost.
 */
const message = JSON.stringify({
  id: '1',
  type: 'next',
  payload: {
    data: {
      billingAlerts: {
        id: '00000000-0000-0000-0000-000000000000',
        sequence: 1,
        kind: 'LOCATION_OVERAGE',
        message:
          'Location overage: adding "Site 1" makes 1 active locations on a contract of 0. 1 additional location at $99.00 add an estimated $99.00 to the next invoice.',
        contracted: 0,
        inUse: 1,
        estimatedAdditionalCharge: { cents: 9900, formatted: '$99.00' },
        location: { id: '00000000-0000-0000-0000-000000000000', name: 'Site 1' },
      },
    },
  },
});
const http = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/broadcast') {
    for (const client of wss.clients) client.send(message);
    res.end('{}');
  } else res.writeHead(404).end();
});
const wss = new WebSocketServer({ server: http, path: '/graphql' });
wss.on('connection', (socket) => socket.on('message', () => socket.send(JSON.stringify({ type: 'connection_ack' }))));
http.listen(0, () => {
  const address = http.address();
  console.log(JSON.stringify({ url: `http://localhost:${typeof address === 'object' && address ? address.port : 0}` }));
});
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'rss') {
    (globalThis as { gc?: () => void }).gc?.();
    console.log(JSON.stringify({ rss: process.memoryUsage().rss }));
  }
});
lines.on('close', () => process.exit(0));
