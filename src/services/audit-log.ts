import { randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { ActorKind, AuditAction, AuditChange, AuditEvent } from '../../entities';
import { MAX_LENGTH } from '../../entities/lengths';
import type { Viewer } from '../auth/viewer';
import { Clock } from '../common/clock';
import type { Scoped } from '../db/organization-scope';
import { Page, PageArgs, paginate } from '../db/paginate';
import { execute } from '../db/execute';
import { sqlInstant } from '../db/sql';
import { badInput } from '../errors/errors';
import type { ServiceContext } from './service-context';

/** What a change tells the audit log; the actor, the request and the organization come from the scope. */
export interface AuditEntry {
  action: AuditAction;
  /** e.g. User, Location, Contract, Invoice. */
  targetType: string;
  targetId: string;
  /** The changed fields as { before, after } (a field that did not exist before has before: null). */
  changes: Record<string, AuditChange>;
  reason?: string | null;
  /** When it happened; default now. Scheduled jobs pass their `asOf` (the test clock's instant). */
  at?: Date;
  /**
   * Who asked, when it is not the scope's viewer and request: a start batched into another request's transaction
   * (AssignmentService.start) is recorded for the request that asked for it.
   */
  requestedBy?: { viewer: Viewer; requestId?: string };
  /** Time, not a person, made the change (a lot's expiry found due by whichever write came first): SYSTEM. */
  bySystem?: boolean;
}

/** What the writer needs of the scope: the transaction, who acts, the request, and the organization. */
export type AuditScope = ServiceContext & Pick<Scoped<ServiceContext>, 'organizationId'>;

/**
 * The changes of an update: each of `fields` whose value differs between `before` and `after` (compared as JSON, so
 * dates and arrays compare by value), as { before, after }.
 */
export function changedFields<K extends string>(
  before: { [key in K]: unknown },
  after: { [key in K]: unknown },
  fields: readonly K[],
): Record<string, AuditChange> {
  const changes: Record<string, AuditChange> = {};
  for (const field of fields) {
    const [b, a] = [before[field] ?? null, after[field] ?? null];
    if (JSON.stringify(b) !== JSON.stringify(a)) changes[field] = { before: b, after: a };
  }
  return changes;
}

/** The changes of a creation: every field of `created` as { before: null, after }. */
export function createdFields(created: Record<string, unknown>): Record<string, AuditChange> {
  return Object.fromEntries(
    Object.entries(created).map(([field, after]) => [field, { before: null, after: after ?? null }]),
  );
}

/** The filters of Organization.auditLog (R31). */
export interface AuditLogFilter {
  action?: AuditAction | null;
  /** A user id: the events that user made. */
  actorId?: string | null;
  targetId?: string | null;
  /** Only events at or after this instant; one in the future is BAD_USER_INPUT. */
  since?: Date | null;
}

/**
 * R31: never a token, a card detail or a secret. Call sites record facts ("set", an id, an amount), never such values;
 * this is the net under them: a changed field whose name says token, secret, password, card, CVC, last4 or brand is
 * recorded as "[redacted]" (nested objects too).
 */
const SECRET_FIELD = /token|secret|password|passwd|card|cvc|cvv|last4|brand|pan$|iban/i;
const REDACTED = '[redacted]';

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value instanceof Date) return value.toISOString();
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, v]) => [
      key,
      SECRET_FIELD.test(key) ? REDACTED : redact(v),
    ]),
  );
}

/** R31: who acted, from the viewer — the scheduler (SYSTEM), an operator (its token subject) or a user. */
export function actorOf(viewer: Viewer): Pick<AuditEvent, 'actorKind' | 'actorUserId' | 'actorSubject'> {
  if (viewer.system) return { actorKind: ActorKind.SYSTEM, actorUserId: null, actorSubject: null };
  const actorSubject = viewer.subject === null ? null : viewer.subject.slice(0, MAX_LENGTH.tokenSubject);
  if (viewer.isOperator) return { actorKind: ActorKind.OPERATOR, actorUserId: null, actorSubject };
  return { actorKind: ActorKind.USER, actorUserId: viewer.user?.id ?? null, actorSubject };
}

/**
 * A time-ordered id (UUIDv7: 48 bits of Unix milliseconds, then a 12-bit counter, then random bits), monotonic per
 * process: ids of one instance never go backwards, even within a millisecond or if the wall clock steps back. So the
 * id alone orders the log newest first, and every index ends in it.
 */
let lastMs = 0;
let counter = 0;
export function timeOrderedId(): string {
  let ms = Date.now();
  if (ms > lastMs) {
    lastMs = ms;
    counter = 0;
  } else {
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      lastMs = ++ms;
      counter = 0;
    }
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const INSERT_EVENT =
  'INSERT INTO audit_event (id, organizationId, action, actorKind, actorUserId, actorSubject, targetType, targetId, ' +
  'changes, reason, requestId, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * R31: the audit log. `record` is the one writer: every billing-relevant change calls it inside its organization
 * scope, so the event commits or rolls back with the change. It costs one INSERT and no read: the organization, the
 * viewer and the request id are already in the scope.
 */
export class AuditLog {
  constructor(private readonly clock: Clock) {}

  async record(scope: AuditScope, entry: AuditEntry): Promise<void> {
    const e = this.eventOf(scope, entry);
    // Raw, as the credit writers do: it runs under the organization's lock, where the query builder's cost counts.
    await execute(scope.em, INSERT_EVENT, [
      e.id,
      e.organizationId,
      e.action,
      e.actorKind,
      e.actorUserId,
      e.actorSubject,
      e.targetType,
      e.targetId,
      JSON.stringify(e.changes),
      e.reason,
      e.requestId,
      sqlInstant(scope.em, e.createdAt),
    ]);
  }

  /** The row `record` writes. */
  eventOf(scope: AuditScope, entry: AuditEntry): AuditEvent {
    const viewer = entry.bySystem ? { ...scope.viewer, system: true } : (entry.requestedBy?.viewer ?? scope.viewer);
    const requestId = entry.requestedBy ? entry.requestedBy.requestId : scope.requestId;
    const event = new AuditEvent();
    Object.assign(event, {
      id: timeOrderedId(),
      organizationId: scope.organizationId,
      action: entry.action,
      ...actorOf(viewer),
      targetType: entry.targetType,
      targetId: entry.targetId,
      changes: redact(entry.changes) as Record<string, AuditChange>,
      reason: entry.reason ?? null,
      requestId: requestId ? requestId.slice(0, MAX_LENGTH.requestId) : null,
      createdAt: entry.at ?? this.clock.now(),
    } satisfies Partial<AuditEvent>);
    return event;
  }

  /** Organization.auditLog: newest first, keyset-paged over the time-ordered id, each filter on its own index. */
  list(em: EntityManager, organizationId: string, filter: AuditLogFilter, page: PageArgs): Promise<Page<AuditEvent>> {
    if (filter.since && filter.since.getTime() > this.clock.now().getTime())
      throw badInput('since', 'since must not be in the future');
    const qb = em.createQueryBuilder(AuditEvent, 'a').where('a.organizationId = :organizationId', { organizationId });
    if (filter.action) qb.andWhere('a.action = :action', { action: filter.action });
    if (filter.actorId) qb.andWhere('a.actorUserId = :actorId', { actorId: filter.actorId });
    if (filter.targetId) qb.andWhere('a.targetId = :targetId', { targetId: filter.targetId });
    if (filter.since) qb.andWhere('a.createdAt >= :since', { since: sqlInstant(em, filter.since) });
    return paginate(qb, page, { column: 'id', direction: 'DESC', unique: true });
  }
}
