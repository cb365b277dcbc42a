import { createHash } from 'node:crypto';
import { IdempotencyKey } from '../../entities';
import { sqlInstant } from '../db/sql';
import type { DbContext } from '../db/unit-of-work';
import { badInput, conflict, idempotencyKeyReused } from '../errors/errors';
import { Clock } from '../common/clock';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './bounds';
import { checkText } from './text';

/** Keys are remembered at least this long (R19); `purgeExpired` deletes older ones. */
const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface IdempotentCall {
  organizationId: string;
  key: string;
  /** The mutation's name; a key is bound to one operation. */
  operation: string;
  /** Everything that defines the request: the same key with other arguments is refused. */
  args: unknown;
}

/** What the work receives: a key for the payment provider's own idempotency, derived from this call. */
export interface IdempotencyScope {
  providerKey: string;
  argumentsHash: string;
}

export function validateIdempotencyKey(key: string, field = 'idempotencyKey'): void {
  if (typeof key !== 'string' || key.trim().length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw badInput(field, `idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  checkText(field, key, { max: MAX_IDEMPOTENCY_KEY_LENGTH, min: 1 }); // R34: no control or invisible characters
}

/** JSON with object keys sorted, so equal arguments hash equally whatever their order. */
function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * R19: the one idempotency mechanism for every money mutation (purchaseCredits, grantCredits, payInvoice).
 *
 * `run` must be called inside a unit of work AFTER the organization's write lock is taken
 * (UnitOfWork.forOrganization): the lock serializes calls with the same key, so the second one reads the
 * first one's committed row and replays its result; the unique (organizationId, idempotencyKey) index is the
 * backstop. The work's result must be JSON-serializable (ids, or a remembered failure); callers turn it back into
 * objects. The row is written in the same transaction as the effect: a work that throws stores nothing, so the
 * same key may be retried; a work that returns (also a declined charge, returned as a value) is remembered.
 */
export class IdempotencyService {
  constructor(private readonly clock: Clock) {}

  async run<R>(tx: DbContext, call: IdempotentCall, work: (scope: IdempotencyScope) => Promise<R>): Promise<R> {
    if (!tx.afterCommit)
      throw new Error('idempotency.run must be called inside a unit of work, under the organization lock');
    validateIdempotencyKey(call.key);
    const argumentsHash = createHash('sha256')
      .update(canonicalJson({ operation: call.operation, args: call.args }))
      .digest('hex');
    const existing = await tx.em.findOne(IdempotencyKey, {
      where: { organizationId: call.organizationId, idempotencyKey: call.key },
    });
    if (existing) {
      if (existing.operation !== call.operation || existing.argumentsHash !== argumentsHash)
        throw idempotencyKeyReused(call.operation);
      return JSON.parse(existing.result) as R;
    }
    // The provider sees a key unique to this organization, operation, key and arguments (providers keep keys ~24 h).
    const providerKey = `${call.organizationId}:${call.operation}:${argumentsHash.slice(0, 16)}:${call.key}`;
    const result = await work({ providerKey, argumentsHash });
    try {
      await tx.em.insert(
        IdempotencyKey,
        tx.em.create(IdempotencyKey, {
          organizationId: call.organizationId,
          idempotencyKey: call.key,
          operation: call.operation,
          argumentsHash,
          result: JSON.stringify(result ?? null),
          createdAt: this.clock.now(),
        }),
      );
    } catch (error) {
      // Only reachable when a caller forgot the organization lock: refuse rather than apply the effect twice.
      if (isDuplicateKey(error)) throw conflict('A request with this idempotency key is in progress; retry it');
      throw error;
    }
    return result;
  }

  /**
   * Deletes keys older than the retention; the scheduler calls this. A key is created on the real clock (requests
   * never run on the test clock), so its retention is measured there too: a key goes only when both `asOf` and the
   * real clock are past createdAt + 24 h. A test-clock run far ahead (runScheduledJobs(asOf: now + 14 days)) thus
   * never shortens the guarantee a client holds for a request it made minutes ago.
   */
  async purgeExpired(ctx: DbContext, asOf: Date): Promise<number> {
    const now = this.clock.now();
    const cutoff = new Date(Math.min(asOf.getTime(), now.getTime()) - IDEMPOTENCY_RETENTION_MS);
    const result = await ctx.em
      .createQueryBuilder()
      .delete()
      .from(IdempotencyKey)
      .where('createdAt < :cutoff', { cutoff: sqlInstant(ctx.em, cutoff) })
      .execute();
    return result.affected ?? 0;
  }
}

function isDuplicateKey(error: unknown): boolean {
  const e = error as { driverError?: { code?: string; errno?: number }; code?: string; errno?: number };
  const code = e.driverError?.code ?? e.code;
  const errno = e.driverError?.errno ?? e.errno;
  return (
    errno === 1062 ||
    code === 'ER_DUP_ENTRY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
