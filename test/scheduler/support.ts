import { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerSession } from 'smtp-server';
import { sqlInstant } from '../../src/db/sql';
import { HOUR } from '../support/clock';
import { ok, TestServer } from '../support/harness';

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  messageId: string;
  notificationId: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/** What the peer does with the next delivery attempts, one entry per attempt (a connection carries one message). */
export type Refusal = { stage: 'greeting' | 'mail' | 'rcpt' | 'data'; code: number };

/** A real SMTP server (smtp-server) that records what it accepted and refuses on demand with 4xx/5xx. */
export interface SmtpPeer {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** Every attempt the peer saw (accepted or refused), for "it was tried" checks. */
  attempts: number;
  refuseNext(...refusals: Refusal[]): void;
  /** Delays the answer to DATA (a slow server). */
  holdDataMs: number;
  onData?: () => void;
  /** Stops listening (connections are refused) until `resume()`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpPeer(): Promise<SmtpPeer> {
  const plans = new Map<string, Refusal | undefined>();
  const queue: Refusal[] = [];
  const refusal = (r: Refusal) =>
    Object.assign(new Error(`${r.code} refused by the test peer at ${r.stage}`), { responseCode: r.code });
  const planFor = (session: SMTPServerSession, stage: Refusal['stage']) => {
    const plan = plans.get(session.id);
    return plan && plan.stage === stage ? refusal(plan) : null;
  };
  let port = 0;
  const peer: SmtpPeer = {
    url: '',
    port: 0,
    received: [],
    attempts: 0,
    holdDataMs: 0,
    refuseNext: (...r) => void queue.push(...r),
    pause: async () => new Promise<void>((resolve) => server.server.close(() => resolve())),
    resume: async () => new Promise<void>((resolve) => server.server.listen(port, '127.0.0.1', () => resolve())),
    close: async () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(session, callback) {
      peer.attempts++;
      const plan = queue.shift();
      plans.set(session.id, plan);
      callback(plan?.stage === 'greeting' ? refusal(plan) : undefined);
    },
    onMailFrom(_address, session, callback) {
      callback(planFor(session, 'mail') ?? undefined);
    },
    onRcptTo(_address, session, callback) {
      callback(planFor(session, 'rcpt') ?? undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      peer.onData?.();
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        setTimeout(() => {
          const refused = planFor(session, 'data');
          if (refused) return callback(refused);
          const parsed = parseMail(Buffer.concat(chunks).toString('utf8'));
          peer.received.push({
            ...parsed,
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          });
          callback();
        }, peer.holdDataMs);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.server.address() as AddressInfo).port;
  peer.port = port;
  peer.url = `smtp://127.0.0.1:${port}`;
  return peer;
}

/** Enough of RFC 5322/MIME to read what nodemailer writes: folded headers, encoded words, multipart, QP and base64. */
export function parseMail(raw: string): Omit<ReceivedMail, 'envelopeFrom' | 'envelopeTo'> {
  const root = parsePart(raw);
  const parts: MimePart[] = [];
  const walk = (p: MimePart) => (p.children.length ? p.children.forEach(walk) : parts.push(p));
  walk(root);
  const body = (type: string) =>
    parts.find((p) => (p.headers.get('content-type') ?? 'text/plain').startsWith(type))?.body ?? '';
  const addresses = (v: string) =>
    v
      .split(',')
      .map((a) => (/<([^>]+)>/.exec(a)?.[1] ?? a).trim())
      .filter(Boolean);
  return {
    messageId: root.headers.get('message-id') ?? '',
    notificationId: root.headers.get('x-opus-notification-id') ?? '',
    from: root.headers.get('from') ?? '',
    to: addresses(root.headers.get('to') ?? ''),
    subject: root.headers.get('subject') ?? '',
    text: body('text/plain'),
    html: body('text/html'),
  };
}

interface MimePart {
  headers: Map<string, string>;
  body: string;
  children: MimePart[];
}

function parsePart(raw: string): MimePart {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const rest = split < 0 ? '' : raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.startsWith('multipart/') && boundary) {
    const sections = rest.split(`--${boundary}`).slice(1);
    const children = sections
      .filter((s) => !s.startsWith('--'))
      .map((s) => parsePart(s.replace(/^\r\n/, '').replace(/\r\n$/, '')));
    return { headers, body: '', children };
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  let body = rest;
  if (encoding === 'quoted-printable') {
    const bytes = Buffer.from(
      rest.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
    body = bytes.toString('utf8');
  } else if (encoding === 'base64') {
    body = Buffer.from(rest.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return { headers, body: body.replace(/\r\n/g, '\n'), children: [] };
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_m, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    );
}

export const RUN = /* GraphQL */ `
  mutation Run($asOf: DateTime!) {
    runScheduledJobs(asOf: $asOf) {
      asOf
      remindersQueued
      notificationsSent
      periodsClosed
      lotsExpired
      failures {
        job
        organizationId
        code
      }
    }
  }
`;

/** runScheduledJobs as an operator; throws on errors, and when some organization failed (R35: the report lists it). */
export async function runJobs(server: TestServer, asOf: Date) {
  const { failures, ...counts } = (await ok(server.gql(RUN, { asOf: asOf.toISOString() }, server.operatorToken)))
    .runScheduledJobs;
  if (failures.length) throw new Error(`scheduled jobs failed: ${JSON.stringify(failures)}`);
  return counts as {
    asOf: string;
    remindersQueued: number;
    notificationsSent: number;
    periodsClosed: number;
    lotsExpired: number;
  };
}

export const CLOSE = /* GraphQL */ `
  mutation ($id: ID!) {
    closeBillingPeriod(organizationId: $id) {
      id
      number
      status
      issuedAt
      dueAt
    }
  }
`;

/** Closes the organization's current period now (by its clock) and returns the issued invoice. */
export async function issueInvoice(
  server: TestServer,
  orgId: string,
): Promise<{ id: string; number: string; status: string; issuedAt: string; dueAt: string }> {
  return (await ok(server.gql(CLOSE, { id: orgId }, server.operatorToken))).closeBillingPeriod;
}

export interface NotificationRow {
  id: string;
  kind: string;
  offsetDays: number | null;
  status: string;
  attempts: number;
  recipients: string[];
  lastError: string | null;
}

/** Notifications of one invoice, straight from the database, oldest first. */
export async function notificationsOf(server: TestServer, invoiceId: string): Promise<NotificationRow[]> {
  const rows: Array<Record<string, unknown>> = await server.app.dataSource.query(
    'SELECT id, kind, offsetDays, status, attempts, recipients, lastError FROM notification WHERE invoiceId = ? ORDER BY createdAt, id',
    [invoiceId],
  );
  return rows.map((r) => ({
    id: String(r.id),
    kind: String(r.kind),
    offsetDays: r.offsetDays === null ? null : Number(r.offsetDays),
    status: String(r.status),
    attempts: Number(r.attempts),
    recipients: JSON.parse(String(r.recipients)) as string[],
    lastError: (r.lastError as string | null) ?? null,
  }));
}

/** Pays through payInvoice (R19) as an operator, with a sandbox card put on file first. */
export async function markPaid(server: TestServer, invoiceId: string): Promise<void> {
  const [{ organizationId }] = await server.app.dataSource.query('SELECT organizationId FROM invoice WHERE id = ?', [
    invoiceId,
  ]);
  await ok(
    server.gql(
      `mutation($org: ID) { updatePaymentMethod(token: "tok_visa", organizationId: $org) { last4 } }`,
      { org: organizationId },
      server.operatorToken,
    ),
  );
  const paid = await server.gql(
    `mutation($id: ID!, $key: String!) { payInvoice(invoiceId: $id, idempotencyKey: $key) { status } }`,
    { id: invoiceId, key: `pay-${invoiceId}` },
    server.operatorToken,
  );
  if (paid.errors || paid.data.payInvoice.status !== 'PAID') throw new Error(JSON.stringify(paid.errors ?? paid.data));
}

/** Dates the organization's idempotency keys `hours` back on the real clock (keys age on it, never on the test clock). */
export async function dateIdempotencyKeysBack(
  server: TestServer,
  organizationId: string,
  hours: number,
): Promise<void> {
  await server.app.dataSource.query('UPDATE idempotency_key SET createdAt = ? WHERE organizationId = ?', [
    sqlInstant(server.app.dataSource.manager, new Date(Date.now() - hours * HOUR)),
    organizationId,
  ]);
}

export async function markVoid(server: TestServer, invoiceId: string): Promise<void> {
  await server.app.dataSource.query("UPDATE invoice SET status = 'VOID' WHERE id = ?", [invoiceId]);
}
