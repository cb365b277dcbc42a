import { EntityManager } from 'typeorm';
import { AuditAction, CreditEntryKind, CreditLedgerEntry, CreditLot, TrainingAssignment } from '../../entities';
import type { AuditLog } from './audit-log';
import { multiplyCents } from '../common/money';
import { safeInteger } from '../../entities/columns';
import { execute } from '../db/execute';
import type { Scoped } from '../db/organization-scope';
import { instantFromSql, sqlInstant } from '../db/sql';
import { badInput, conflict, notFound } from '../errors/errors';
import { AlertService } from './alert.service';
import { BalanceChange, raiseCreditAlerts } from './credit-alerts';
import { addToCreditTallies } from './credit-tallies';
import { MAX_BILLED_CREDITS_PER_PERIOD, MAX_CREDIT_BALANCE } from './bounds';
import { Consumption, consumptionOrder, creditsIn, LotRef, NewLot } from './credit-lots';
import type { ServiceContext } from './service-context';

type Tx = Scoped<ServiceContext>;

/** The credit account of one organization as its writer sees it, under the organization lock. */
interface LedgerHead {
  organizationId: string;
  /** Last sequence written; entries appended advance it. */
  sequence: number;
  /** The balance after the last entry appended. */
  balance: number;
  /** The balance when the writer took the lock, before lazy expiry (for alert crossings). */
  balanceAtLock: number;
  periodId: string | null;
  unitPriceCents: number;
  /** Quantity of the last PURCHASE or GRANT (the CREDITS_LOW reference, R16); 0 when there was none. */
  lastAddition: number;
  /** Lots with credits and no EXPIRY entry that are still valid, in consumption order. */
  liveLots: LotRef[];
  /** Lots past expiresAt still holding credits: expired (EXPIRY entries) by the next write. */
  dueLots: LotRef[];
  asOf: Date;
  lotsExpired: number;
  /** Planned but not yet written: entries to append and credits to take per lot (see planConsumption / flush). */
  pendingEntries: CreditLedgerEntry[];
  pendingTakes: Map<string, number>;
  pendingExpiries: LotRef[];
  /** R34: credits billed while this period is open (GRANT and OVERAGE entries), read when first needed. */
  billedThisPeriod?: number;
}

/** What one consume call did: per assignment its consumption or refusal, the balance it left, the overage it used. */
export interface ConsumptionRun {
  outcomes: Array<Consumption | Error>;
  /** The balance after the run's entries (and the expiries it wrote): the credits available. */
  balanceAfter: number;
  /** Credits the run used at zero balance (R15: billed as overage on the period's invoice). */
  overageCredits: number;
}

/** Credits used at zero balance in one period at one unit price (R15), and what they cost. */
export interface OverageAtPrice {
  unitPriceCents: number;
  credits: number;
  chargeCents: number;
}

/**
 * R15, R17: the one definition of a period's credit overage — the OVERAGE entries written while the period was open
 * (their periodId), whenever they were recorded, so usage after the period's end but before its close belongs to it.
 * One row per unit price in force when used, cheapest first. The dashboard (CreditService.balance) and the invoice
 * (CreditInvoiceLines) both read it, so they always agree.
 */
export async function periodOverage(
  em: EntityManager,
  organizationId: string,
  periodId: string,
): Promise<OverageAtPrice[]> {
  const rows = await em
    .createQueryBuilder(CreditLedgerEntry, 'e')
    .select('e.unitPriceCents', 'unitPriceCents')
    .addSelect('SUM(e.quantity)', 'credits')
    .where('e.organizationId = :organizationId AND e.periodId = :periodId AND e.kind = :kind', {
      organizationId,
      periodId,
      kind: CreditEntryKind.OVERAGE,
    })
    .groupBy('e.unitPriceCents')
    .orderBy('e.unitPriceCents', 'ASC')
    .getRawMany<{ unitPriceCents: number | string; credits: number | string }>();
  return (
    rows
      // Raw rows skip the column transformer: read them as safe integers too (R34: refused, never rounded).
      .map((row) => ({
        unitPriceCents: safeInteger(row.unitPriceCents, 'unit price'),
        credits: safeInteger(row.credits, 'overage credits'),
      }))
      .filter((row) => row.credits > 0)
      .map((row) => ({ ...row, chargeCents: multiplyCents(row.unitPriceCents, row.credits) }))
  );
}

const LEDGER_COLUMNS = [
  'id',
  'organizationId',
  'sequence',
  'kind',
  'quantity',
  'balanceAfter',
  'lotId',
  'assignmentId',
  'unitPriceCents',
  'periodId',
  'createdAt',
] as const;

/**
 * The credit ledger of one organization (R15, R16): the only writer of credit lots and ledger entries. Every call
 * takes the organization scope — the organization's write lock is held — reads the ledger head (last sequence and
 * balanceAfter) under it, and appends one entry per change with a gapless per-organization `sequence`, so
 * concurrent writers queue instead of racing and the balance always equals the ledger (R16). The head is private:
 * callers say what happens (consume, add a lot, expire), never how it is written.
 */
export class CreditLedger {
  constructor(
    private readonly alerts: AlertService,
    private readonly audit: AuditLog,
  ) {}

  /**
   * R14, R15: consumes the credits of assignments being started, in order, in one round of reads and one round of
   * writes. The caller has checked that each is not started yet (R14: exactly once). Returns, per assignment, what it
   * took — or the CONFLICT refusing it when its overage would pass MAX_BILLED_CREDITS_PER_PERIOD (R34; nothing of
   * it is written).
   */
  async consume(
    tx: Tx,
    assignments: ReadonlyArray<Pick<TrainingAssignment, 'id' | 'credits'>>,
    at: Date,
  ): Promise<ConsumptionRun> {
    const head = await this.readHead(tx, at);
    const outcomes: Array<Consumption | Error> = [];
    for (const assignment of assignments) {
      // R34: overage is billed on the period's invoice, whose credit lines are bounded (bounds.ts).
      const overageCredits = this.overageIfConsumed(head, assignment.credits);
      if (overageCredits > 0 && !(await this.reserveBilledCredits(tx.em, head, overageCredits))) {
        outcomes.push(
          conflict(
            `At most ${MAX_BILLED_CREDITS_PER_PERIOD.toLocaleString('en-US')} credits can be used at zero balance in one billing period: buy credits first`,
          ),
        );
        continue;
      }
      outcomes.push(this.planConsumption(tx, head, assignment, at));
    }
    await this.flush(tx, head);
    const overageCredits = outcomes.reduce((sum, o) => sum + (o instanceof Error ? 0 : o.overage), 0);
    return { outcomes, balanceAfter: head.balance, overageCredits };
  }

  /**
   * R34: refuses (BAD_USER_INPUT) adding `quantity` credits the balance (a 32-bit column) could not hold; writes
   * nothing. Returns the balance change the addition would make (after the due lots expire), for R32's preview of
   * the alerts it would end. Reads only, so the preview calls it outside any organization scope.
   */
  async assertCanAdd(
    tx: Pick<Tx, 'em' | 'organizationId'>,
    quantity: number,
    asOf: Date,
  ): Promise<Omit<BalanceChange, 'organizationId'>> {
    const head = await this.readHead(tx, asOf);
    this.assertBalanceHolds(head, quantity);
    const before = head.balance - creditsIn(head.dueLots);
    return { before, after: before + quantity, reference: quantity };
  }

  /** R13: a new lot and its PURCHASE or GRANT entry, after expiring the lots due as of `now`. */
  async addLot(tx: Tx, lot: NewLot, now: Date): Promise<CreditLot> {
    const head = await this.openLedger(tx, now);
    this.assertBalanceHolds(head, lot.quote.quantity);
    if (lot.billed && !(await this.reserveBilledCredits(tx.em, head, lot.quote.quantity))) {
      throw badInput(
        'quantity',
        `At most ${MAX_BILLED_CREDITS_PER_PERIOD.toLocaleString('en-US')} credits can be granted or used at zero balance in one billing period`,
      );
    }
    return this.insertLot(tx, head, lot, now);
  }

  /** Expires the organization's lots past their expiresAt as of `asOf` (EXPIRY entries); returns how many. */
  async expireDue(tx: Tx, asOf: Date): Promise<number> {
    const head = await this.openLedger(tx, asOf);
    return head.lotsExpired;
  }

  // ---------------------------------------------------------------- the head (private)

  /**
   * R15: plans the consumption of an assignment's credits on the head read under the lock (nothing is written
   * until `flush`). Takes from the soonest-expiring unexpired lot first, one CONSUMPTION entry per lot touched;
   * what the balance cannot cover is one OVERAGE entry counting the credits billed at the credit unit price, balance
   * unchanged. Several assignments may be planned on one head, in order, and flushed together.
   */
  private planConsumption(
    tx: ServiceContext,
    head: LedgerHead,
    assignment: Pick<TrainingAssignment, 'id' | 'credits'>,
    now: Date,
  ): Consumption {
    this.planExpiry(tx, head);
    let needed = assignment.credits;
    for (const lot of head.liveLots) {
      if (needed === 0) break;
      if (lot.remaining === 0) continue;
      const take = Math.min(needed, lot.remaining);
      lot.remaining -= take;
      head.pendingTakes.set(lot.id, (head.pendingTakes.get(lot.id) ?? 0) + take);
      needed -= take;
      head.balance -= take;
      head.pendingEntries.push(
        this.entry(tx.em, head, CreditEntryKind.CONSUMPTION, -take, now, {
          lotId: lot.id,
          assignmentId: assignment.id,
        }),
      );
    }
    if (needed > 0) {
      head.pendingEntries.push(
        this.entry(tx.em, head, CreditEntryKind.OVERAGE, needed, now, {
          assignmentId: assignment.id,
          unitPriceCents: head.unitPriceCents,
        }),
      );
    }
    return { fromBalance: assignment.credits - needed, overage: needed };
  }

  /** The credits an assignment of `credits` would take beyond the balance (due lots no longer count). */
  private overageIfConsumed(head: LedgerHead, credits: number): number {
    const due = creditsIn(head.dueLots);
    return Math.max(0, credits - Math.max(0, head.balance - due));
  }

  /**
   * R34 (bounds.ts): credits billed in one period (annual grants and overage) stay within MAX_BILLED_CREDITS_PER_PERIOD,
   * so an invoice's credit lines fit. Counts `credits` against the head's period and says whether they fit; the sum
   * is read once per head (under the organization lock) and only by the writes that bill credits.
   */
  private async reserveBilledCredits(em: EntityManager, head: LedgerHead, credits: number): Promise<boolean> {
    if (head.billedThisPeriod === undefined) {
      const [row] = await em.query(
        `SELECT COALESCE(SUM(e.quantity), 0) AS billed FROM credit_ledger_entry e
          WHERE e.organizationId = ? AND e.periodId ${head.periodId ? '= ?' : 'IS NULL'} AND e.kind IN ('GRANT', 'OVERAGE')`,
        head.periodId ? [head.organizationId, head.periodId] : [head.organizationId],
      );
      head.billedThisPeriod = Number(row.billed);
    }
    if (head.billedThisPeriod + credits > MAX_BILLED_CREDITS_PER_PERIOD) return false;
    head.billedThisPeriod += credits;
    return true;
  }

  /** R34: the balance (a 32-bit column) stays within MAX_CREDIT_BALANCE. */
  private assertBalanceHolds(head: LedgerHead, quantity: number): void {
    const due = creditsIn(head.dueLots);
    if (head.balance - due + quantity > MAX_CREDIT_BALANCE) {
      throw badInput(
        'quantity',
        `A balance holds at most ${MAX_CREDIT_BALANCE.toLocaleString('en-US')} credits; use some before buying more`,
      );
    }
  }

  /**
   * Writes what was planned on the head — expiries, lot decrements (one guarded UPDATE per lot), all entries (one
   * INSERT) — then raises the alerts the change crossed (R16).
   * The statements are independent and issued together: the driver sends them back to back on the transaction's
   * connection, so the organization lock is held for one round of writes, not one per statement.
   */
  private async flush(tx: Tx, head: LedgerHead): Promise<void> {
    this.planExpiry(tx, head);
    const writes: Array<Promise<unknown>> = [];
    for (const lot of head.pendingExpiries) {
      // R31: time expired the lot, whichever write found it due first: SYSTEM (with that write's request id).
      writes.push(
        this.audit.record(tx, {
          action: AuditAction.CREDITS_EXPIRED,
          targetType: 'CreditLot',
          targetId: lot.id,
          changes: { remaining: { before: lot.remaining, after: 0 } },
          at: head.asOf,
          bySystem: true,
        }),
      );
      writes.push(
        execute(
          tx.em,
          'UPDATE credit_lot SET remaining = 0, expiredAt = ? WHERE id = ? AND expiredAt IS NULL AND remaining = ?',
          [sqlInstant(tx.em, head.asOf), lot.id, lot.remaining],
        ).then((affected) => {
          if (affected !== 1) throw new Error(`credit lot ${lot.id} changed outside the organization lock`);
        }),
      );
    }
    for (const [lotId, take] of head.pendingTakes) writes.push(this.takeFromLot(tx.em, lotId, take));
    writes.push(this.appendEntries(tx.em, head.pendingEntries));
    head.pendingTakes = new Map();
    head.pendingEntries = [];
    head.pendingExpiries = [];
    await Promise.all(writes);
    await raiseCreditAlerts(this.alerts, tx, {
      organizationId: head.organizationId,
      before: head.balanceAtLock,
      after: head.balance,
      reference: head.lastAddition,
    });
    head.balanceAtLock = head.balance; // later changes are measured from here
  }

  /**
   * Reads the ledger head under the lock: the last sequence and balance, the open period, the unit price, the
   * CREDITS_LOW reference, and the lots with credits — two statements issued together, no writes. Lots past
   * `asOf` are set aside as due: the next write expires them first (EXPIRY entries), so every entry written
   * afterwards carries the balance that really counts. This is the hot path of every start (R14).
   */
  private async readHead(tx: Pick<Tx, 'em' | 'organizationId'>, asOf: Date): Promise<LedgerHead> {
    const { organizationId } = tx;
    const [[row], lotRows] = (await Promise.all([
      tx.em.query(
        `SELECT
          (SELECT e.sequence FROM credit_ledger_entry e WHERE e.organizationId = ? ORDER BY e.sequence DESC LIMIT 1) AS lastSequence,
          (SELECT e.balanceAfter FROM credit_ledger_entry e WHERE e.organizationId = ? ORDER BY e.sequence DESC LIMIT 1) AS balance,
          (SELECT e.quantity FROM credit_ledger_entry e WHERE e.organizationId = ? AND e.kind IN ('PURCHASE', 'GRANT') ORDER BY e.sequence DESC LIMIT 1) AS lastAddition,
          (SELECT p.id FROM billing_period p WHERE p.openForOrganizationId = ?) AS periodId,
          (SELECT c.creditUnitPriceCents FROM contract c WHERE c.organizationId = ?) AS unitPriceCents`,
        [organizationId, organizationId, organizationId, organizationId, organizationId],
      ),
      tx.em.query(
        'SELECT id, remaining, expiresAt, purchasedAt FROM credit_lot WHERE organizationId = ? AND expiredAt IS NULL AND remaining > 0',
        [organizationId],
      ),
    ])) as [
      Array<Record<string, string | number | null>>,
      Array<{ id: string; remaining: number | string; expiresAt: Date | string | null; purchasedAt: Date | string }>,
    ];
    if (row.unitPriceCents === null || row.unitPriceCents === undefined) throw notFound('Organization', organizationId);
    const lots: LotRef[] = lotRows
      .map((r) => ({
        id: r.id,
        remaining: Number(r.remaining),
        expiresAt: instantFromSql(r.expiresAt),
        purchasedAt: instantFromSql(r.purchasedAt)!,
      }))
      .sort(consumptionOrder);
    const balance = Number(row.balance ?? 0);
    const isDue = (l: LotRef) => !!l.expiresAt && l.expiresAt.getTime() <= asOf.getTime();
    return {
      organizationId,
      sequence: Number(row.lastSequence ?? 0),
      balance,
      balanceAtLock: balance,
      periodId: (row.periodId as string | null) ?? null,
      unitPriceCents: safeInteger(row.unitPriceCents, 'unit price'),
      lastAddition: Number(row.lastAddition ?? 0),
      liveLots: lots.filter((l) => !isDue(l)),
      dueLots: lots.filter(isDue),
      asOf,
      lotsExpired: 0,
      pendingEntries: [],
      pendingTakes: new Map(),
      pendingExpiries: [],
    };
  }

  /** The head with the due lots already expired (purchases, grants, expireLots). */
  private async openLedger(tx: Tx, asOf: Date): Promise<LedgerHead> {
    const head = await this.readHead(tx, asOf);
    await this.flush(tx, head);
    return head;
  }

  /** Plans the expiry of the head's due lots: their EXPIRY entries, and the lots to empty at flush. */
  private planExpiry(tx: ServiceContext, head: LedgerHead): void {
    for (const lot of head.dueLots) {
      head.balance -= lot.remaining;
      head.lotsExpired++;
      head.pendingExpiries.push(lot);
      head.pendingEntries.push(
        this.entry(tx.em, head, CreditEntryKind.EXPIRY, -lot.remaining, head.asOf, { lotId: lot.id }),
      );
    }
    head.dueLots = [];
  }

  /** Inserts a new lot and appends its PURCHASE or GRANT entry. */
  private async insertLot(
    tx: ServiceContext,
    head: LedgerHead,
    { source, quote, expiresAt, kind }: NewLot,
    now: Date,
  ): Promise<CreditLot> {
    const lot = tx.em.create(CreditLot, {
      organizationId: head.organizationId,
      source,
      quantity: quote.quantity,
      remaining: quote.quantity,
      unitPriceCents: quote.unitPriceCents,
      discountPercent: quote.discountPercent,
      totalCents: quote.totalCents,
      purchasedAt: now,
      expiresAt,
      expiredAt: null,
      periodId: head.periodId,
    });
    await tx.em.insert(CreditLot, lot);
    const before = head.balance;
    head.balance += quote.quantity;
    head.lastAddition = quote.quantity;
    await this.appendEntries(tx.em, [this.entry(tx.em, head, kind, quote.quantity, now, { lotId: lot.id })]);
    // R25: lifted above the low mark, the open CREDITS_LOW / CREDITS_DEPLETED alerts end.
    await raiseCreditAlerts(this.alerts, tx, {
      organizationId: head.organizationId,
      before,
      after: head.balance,
      reference: head.lastAddition,
    });
    head.balanceAtLock = head.balance;
    return lot;
  }

  /** Guarded decrement: with the organization lock it always applies; without it, it would refuse to go below zero. */
  private async takeFromLot(em: EntityManager, lotId: string, take: number): Promise<void> {
    const affected = await execute(
      em,
      'UPDATE credit_lot SET remaining = remaining - ? WHERE id = ? AND remaining >= ? AND expiredAt IS NULL',
      [take, lotId, take],
    );
    if (affected !== 1) throw new Error(`credit lot ${lotId} changed outside the organization lock`);
  }

  /**
   * R16: appends entries (one statement) and adds them to the period and daily tallies (credit-tallies.ts) in the
   * same round of writes. The ledger is append-only: nothing in this service updates or deletes an entry.
   */
  private async appendEntries(em: EntityManager, entries: CreditLedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const row = `(${LEDGER_COLUMNS.map(() => '?').join(', ')})`;
    const tallied = addToCreditTallies(em, entries);
    await execute(
      em,
      `INSERT INTO credit_ledger_entry (${LEDGER_COLUMNS.map((c) => `\`${c}\``).join(', ')}) VALUES ${entries.map(() => row).join(', ')}`,
      entries.flatMap((e) => [
        e.id,
        e.organizationId,
        e.sequence,
        e.kind,
        e.quantity,
        e.balanceAfter,
        e.lotId,
        e.assignmentId,
        e.unitPriceCents,
        e.periodId,
        sqlInstant(em, e.createdAt),
      ]),
    );
    await tallied;
  }

  /** The next ledger entry (advances the head's sequence; the head's balance is already the balance after it). */
  private entry(
    em: EntityManager,
    head: LedgerHead,
    kind: CreditEntryKind,
    quantity: number,
    createdAt: Date,
    refs: { lotId?: string; assignmentId?: string; unitPriceCents?: number },
  ): CreditLedgerEntry {
    head.sequence += 1;
    return em.create(CreditLedgerEntry, {
      organizationId: head.organizationId,
      sequence: head.sequence,
      kind,
      quantity,
      balanceAfter: head.balance,
      lotId: refs.lotId ?? null,
      assignmentId: refs.assignmentId ?? null,
      unitPriceCents: refs.unitPriceCents ?? null,
      periodId: head.periodId,
      createdAt,
    });
  }
}
