import { EntityManager, In } from 'typeorm';
import {
  AlertKind, Contract, CreditEntryKind, CreditLedgerEntry, CreditLot, CreditPurchase, CreditSource, Payment, PaymentMethod,
  PaymentPurpose, PaymentStatus, TrainingAssignment,
} from '../../entities';
import { ALL_PERMISSIONS } from '../../entities/enums';
import { requireOperator } from '../auth/guards';
import { targetOrganizationId } from '../auth/tenancy';
import type { Viewer } from '../auth/viewer';
import { Page, PageArgs, paginate } from '../db/paginate';
import { safeInteger } from '../../entities/columns';
import { execute } from '../db/execute';
import { instantFromSql, sqlInstant } from '../db/sql';
import { DbContext, UnitOfWork } from '../db/unit-of-work';
import { badInput, notFound, paymentFailed } from '../errors/errors';
import type { PaymentProvider } from '../payments/payment-provider';
import { AlertService } from './alert.service';
import { MAX_BILLED_CREDITS_PER_PERIOD, MAX_CREDIT_BALANCE } from './bounds';
import { Clock } from '../common/clock';
import { CreditQuoteValue, quoteCredits, validateCreditQuantity } from './credit-pricing';
import { IdempotencyService, validateIdempotencyKey } from './idempotency.service';
import { forEachIsolated, IsolationOptions } from './job-isolation';
import { OrganizationService } from './organization.service';
import type { ServiceContext } from './service-context';
import { checkText } from './text';
import { MAX_LENGTH } from '../../entities/lengths';

/** Who scheduled jobs act as: they are not requests, and check no permission. */
export const SYSTEM_VIEWER: Viewer = Object.freeze({
  authenticated: true, isOperator: true, subject: 'system:scheduler', user: null, organizationId: null, permissions: new Set(ALL_PERMISSIONS),
});

export interface CreditBalanceView {
  organizationId: string;
  available: number;
  lots: CreditLot[];
  consumedThisPeriod: number;
  overageThisPeriod: number;
  overageChargeCents: number;
  unitPriceCents: number;
}

/** What purchaseCredits remembers under its idempotency key: the purchase, or the declined charge (replayed as PAYMENT_FAILED). */
type PurchaseOutcome = { purchaseId: string } | { declined: { paymentId: string; code: string; message: string } };

/** The credit account of one organization as its writer sees it, under the organization lock. */
export interface LedgerHead {
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

/** Results of a consumption, handed to the statement written alongside it (the assignment's STARTED transition). */
export interface Consumption {
  fromBalance: number;
  overage: number;
}

/** What a writer needs of a lot. */
type LotRef = Pick<CreditLot, 'id' | 'remaining' | 'expiresAt' | 'purchasedAt'>;

/** R15: soonest-expiring first, never-expiring last; then oldest first. */
export function consumptionOrder(a: LotRef, b: LotRef): number {
  const ea = a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const eb = b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  const pa = a.purchasedAt.getTime();
  const pb = b.purchasedAt.getTime();
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const LEDGER_COLUMNS = ['id', 'organizationId', 'sequence', 'kind', 'quantity', 'balanceAfter', 'lotId', 'assignmentId', 'unitPriceCents', 'periodId', 'createdAt'] as const;

/**
 * Credits (R12–R16): quotes, the payment method on file, dashboard purchases, annual grants, consumption at
 * training start, expiry, and the append-only ledger.
 *
 * Every change of an organization's credits runs under that organization's write lock
 * (UnitOfWork.forOrganization) inside one unit of work, and writes one ledger entry per change with a
 * gapless per-organization `sequence`: the ledger head (last sequence and balanceAfter) is read under the lock,
 * so concurrent writers queue instead of racing, and the balance always equals the ledger (R16).
 */
export class CreditService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly organizations: OrganizationService,
    private readonly alerts: AlertService,
    private readonly idempotency: IdempotencyService,
    readonly provider: PaymentProvider,
  ) {}

  // ---------------------------------------------------------------- pricing (R12)

  /** R12: the price of `quantity` credits now, at the organization's list price with the volume discount. */
  async quote(ctx: ServiceContext, quantity: number, organizationIdArg?: string | null): Promise<CreditQuoteValue> {
    const organizationId = targetOrganizationId(ctx.viewer, organizationIdArg);
    validateCreditQuantity(quantity);
    const contract = await this.contractOf(ctx.em, organizationId);
    return quoteCredits(quantity, contract.creditUnitPriceCents);
  }

  // ---------------------------------------------------------------- payment method (R20)

  paymentMethod(em: EntityManager, organizationId: string): Promise<PaymentMethod | null> {
    return em.findOne(PaymentMethod, { where: { organizationId } });
  }

  /**
   * R20: exchanges a provider token for the card on file (replacing the previous one). Allowed for terminated
   * organizations too: their open invoices stay payable (R21).
   */
  async updatePaymentMethod(ctx: ServiceContext, token: string, organizationIdArg?: string | null): Promise<PaymentMethod> {
    checkText('token', token, { max: MAX_LENGTH.providerToken, min: 1 }); // R34
    // The provider call happens before the lock is taken: a slow provider never holds up the organization's writers.
    const card = await this.provider.attach(token);
    return this.uow.forOrganization(ctx, { organizationId: organizationIdArg }, { allowTerminated: true }, async (tx) => {
      const { organizationId } = tx;
      const method = (await tx.em.findOne(PaymentMethod, { where: { organizationId } })) ?? tx.em.create(PaymentMethod, { organizationId });
      Object.assign(method, { brand: card.brand, last4: card.last4, expMonth: card.expMonth, expYear: card.expYear, providerRef: card.ref, updatedAt: this.clock.now() });
      return tx.em.save(method);
    });
  }

  // ---------------------------------------------------------------- dashboard purchase (R13, R19)

  /**
   * R13: charges the payment method on file at the quoted price at once. Success: a DASHBOARD lot that never
   * expires, a PURCHASE entry and a SUCCEEDED payment. A declined charge: a FAILED payment is committed (with the
   * idempotency key, so the same key replays the same PAYMENT_FAILED without charging again, as Stripe does), no
   * lot, no entry, and PAYMENT_FAILED. No card on file: PAYMENT_FAILED and nothing is written (the same key may be
   * retried once a card is added).
   */
  async purchaseCredits(ctx: ServiceContext, quantity: number, idempotencyKey: string, organizationIdArg?: string | null): Promise<CreditPurchase> {
    validateCreditQuantity(quantity);
    validateIdempotencyKey(idempotencyKey);
    const outcome = await this.uow.forOrganization(ctx, { organizationId: organizationIdArg }, {}, async (tx): Promise<PurchaseOutcome> => {
      const { organizationId } = tx;
      return this.idempotency.run(tx, { organizationId, key: idempotencyKey, operation: 'purchaseCredits', args: { quantity } }, async ({ providerKey }) => {
        const contract = await this.contractOf(tx.em, organizationId);
        const quote = quoteCredits(quantity, contract.creditUnitPriceCents);
        // Before the charge: a purchase the balance cannot hold is refused without charging.
        this.assertBalanceHolds(await this.readHead(tx, organizationId, this.clock.now()), quantity);
        const method = await this.paymentMethod(tx.em, organizationId);
        if (!method) throw paymentFailed('No payment method on file: add a card with updatePaymentMethod, then buy again', 'no_payment_method');
        const charge = quote.totalCents > 0 ? await this.provider.charge(quote.totalCents, method.providerRef, providerKey) : null;
        const now = this.clock.now();
        const payment = tx.em.create(Payment, {
          organizationId, purpose: PaymentPurpose.CREDIT_PURCHASE, invoiceId: null, amountCents: quote.totalCents,
          status: charge?.status === 'failed' ? PaymentStatus.FAILED : PaymentStatus.SUCCEEDED,
          failureCode: charge?.status === 'failed' ? charge.code : null, providerRef: charge?.chargeRef ?? null, createdAt: now,
        });
        await tx.em.insert(Payment, payment);
        if (charge?.status === 'failed') return { declined: { paymentId: payment.id, code: charge.code, message: charge.message } };

        const head = await this.openLedger(tx, organizationId, now);
        const lot = await this.addLot(tx, head, CreditSource.DASHBOARD, quote, now, null, CreditEntryKind.PURCHASE);
        const purchase = tx.em.create(CreditPurchase, { organizationId, quantity, totalCents: quote.totalCents, lotId: lot.id, paymentId: payment.id, createdAt: now });
        await tx.em.insert(CreditPurchase, purchase);
        return { purchaseId: purchase.id };
      });
    });
    if ('declined' in outcome) {
      const { code, message, paymentId } = outcome.declined;
      throw paymentFailed(`The payment was declined (${code}): ${message}`, code, paymentId);
    }
    return this.findPurchase(ctx.em, outcome.purchaseId);
  }

  async findPurchase(em: EntityManager, id: string): Promise<CreditPurchase> {
    return em.findOneOrFail(CreditPurchase, { where: { id }, relations: { lot: true, payment: true } });
  }

  // ---------------------------------------------------------------- annual grant (R13)

  /**
   * R13: an annual upfront purchase (operators). An ANNUAL lot priced at the volume tier, billed on the next
   * invoice as a CREDIT_PURCHASE line (lots with source ANNUAL and purchasedAt / periodId in the period), with
   * an optional expiry that must lie in the future.
   */
  async grantCredits(ctx: ServiceContext, organizationId: string, quantity: number, expiresAt: Date | null | undefined, idempotencyKey: string): Promise<CreditLot> {
    requireOperator(ctx.viewer);
    validateCreditQuantity(quantity);
    validateIdempotencyKey(idempotencyKey);
    if (expiresAt && Number.isNaN(expiresAt.getTime())) throw badInput('expiresAt', 'expiresAt is not a valid instant');
    const lotId = await this.uow.forOrganization(ctx, { organizationId }, {}, async (tx) => {
      const args = { organizationId, quantity, expiresAt: expiresAt ? expiresAt.toISOString() : null };
      return this.idempotency.run(tx, { organizationId, key: idempotencyKey, operation: 'grantCredits', args }, async () => {
        const now = this.clock.now();
        if (expiresAt && expiresAt.getTime() <= now.getTime()) throw badInput('expiresAt', 'expiresAt must be in the future');
        const contract = await this.contractOf(tx.em, organizationId);
        const quote = quoteCredits(quantity, contract.creditUnitPriceCents);
        const head = await this.openLedger(tx, organizationId, now);
        this.assertBalanceHolds(head, quantity);
        if (!(await this.reserveBilledCredits(tx.em, head, quantity))) {
          throw badInput('quantity', `At most ${MAX_BILLED_CREDITS_PER_PERIOD.toLocaleString('en-US')} credits can be granted or used at zero balance in one billing period`);
        }
        const lot = await this.addLot(tx, head, CreditSource.ANNUAL, quote, now, expiresAt ?? null, CreditEntryKind.GRANT);
        return lot.id;
      });
    });
    return ctx.em.findOneByOrFail(CreditLot, { id: lotId });
  }

  // ---------------------------------------------------------------- consumption (R14, R15)

  /**
   * R15: plans the consumption of an assignment's credits on the head read under the lock (nothing is written
   * until `flush`). The caller holds the organization lock and has checked that the assignment is not started yet
   * (R14: exactly once). Takes from the soonest-expiring unexpired lot first, one CONSUMPTION entry per lot touched;
   * what the balance cannot cover is one OVERAGE entry counting the credits billed at the credit unit price, balance
   * unchanged. Several assignments may be planned on one head, in order, and flushed together.
   */
  planConsumption(tx: ServiceContext, head: LedgerHead, assignment: Pick<TrainingAssignment, 'id' | 'credits'>, now: Date): Consumption {
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
      head.pendingEntries.push(this.entry(tx.em, head, CreditEntryKind.CONSUMPTION, -take, now, { lotId: lot.id, assignmentId: assignment.id }));
    }
    if (needed > 0) {
      head.pendingEntries.push(this.entry(tx.em, head, CreditEntryKind.OVERAGE, needed, now, { assignmentId: assignment.id, unitPriceCents: head.unitPriceCents }));
    }
    return { fromBalance: assignment.credits - needed, overage: needed };
  }

  /** The credits an assignment of `credits` would take beyond the balance (due lots no longer count). */
  overageIfConsumed(head: LedgerHead, credits: number): number {
    const due = head.dueLots.reduce((sum, lot) => sum + lot.remaining, 0);
    return Math.max(0, credits - Math.max(0, head.balance - due));
  }

  /**
   * R34 (bounds.ts): credits billed in one period (annual grants and overage) stay within MAX_BILLED_CREDITS_PER_PERIOD,
   * so an invoice's credit lines fit. Counts `credits` against the head's period and says whether they fit; the sum
   * is read once per head (under the organization lock) and only by the writes that bill credits.
   */
  async reserveBilledCredits(em: EntityManager, head: LedgerHead, credits: number): Promise<boolean> {
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
    const due = head.dueLots.reduce((sum, lot) => sum + lot.remaining, 0);
    if (head.balance - due + quantity > MAX_CREDIT_BALANCE) {
      throw badInput('quantity', `A balance holds at most ${MAX_CREDIT_BALANCE.toLocaleString('en-US')} credits; use some before buying more`);
    }
  }

  /**
   * Writes what was planned on the head — expiries, lot decrements (one guarded UPDATE per lot), all entries (one
   * INSERT) — together with the caller's own statements, then raises the alerts the change crossed (R16).
   * The statements are independent and issued together: the driver sends them back to back on the transaction's
   * connection, so the organization lock is held for one round of writes, not one per statement.
   */
  async flush(tx: ServiceContext, head: LedgerHead, alongside: Array<() => Promise<unknown>> = []): Promise<void> {
    this.planExpiry(tx, head);
    const writes: Array<Promise<unknown>> = [];
    for (const lot of head.pendingExpiries) {
      writes.push(
        execute(tx.em, 'UPDATE credit_lot SET remaining = 0, expiredAt = ? WHERE id = ? AND expiredAt IS NULL AND remaining = ?', [
          sqlInstant(tx.em, head.asOf), lot.id, lot.remaining,
        ]).then((affected) => {
          if (affected !== 1) throw new Error(`credit lot ${lot.id} changed outside the organization lock`);
        }),
      );
    }
    for (const [lotId, take] of head.pendingTakes) writes.push(this.takeFromLot(tx.em, lotId, take));
    writes.push(this.appendEntries(tx.em, head.pendingEntries));
    for (const statement of alongside) writes.push(statement());
    head.pendingTakes = new Map();
    head.pendingEntries = [];
    head.pendingExpiries = [];
    await Promise.all(writes);
    await this.alertOnDecrease(tx, head);
    head.balanceAtLock = head.balance; // later changes are measured from here
  }

  // ---------------------------------------------------------------- expiry

  /**
   * Expires every lot past its expiresAt as of `asOf` with credits left: an EXPIRY entry for what remained, and
   * the lot stops counting. For the scheduler (a system job: no viewer check). Safe on several instances at once:
   * each organization is handled under its lock and re-reads its due lots there, so each lot is expired once.
   * Returns how many lots it expired.
   */
  async expireLots(db: DbContext, asOf: Date, options: IsolationOptions = {}): Promise<number> {
    const ctx: ServiceContext = { viewer: SYSTEM_VIEWER, ...db };
    const rows: Array<{ organizationId: string }> = await ctx.em
      .createQueryBuilder(CreditLot, 'l')
      .select('DISTINCT l.organizationId', 'organizationId')
      .where('l.expiredAt IS NULL AND l.remaining > 0 AND l.expiresAt <= :asOf', { asOf: sqlInstant(ctx.em, asOf) })
      .orderBy('l.organizationId', 'ASC')
      .getRawMany();
    let expired = 0;
    // R35: one transaction per organization; one that fails keeps its lots for the next run, the others expire theirs.
    await forEachIsolated(rows, ({ organizationId }) => ({ organizationId }), async ({ organizationId }) => {
      expired += await this.uow.forOrganization(ctx, { organizationId }, { allowTerminated: true }, async (tx) => {
        const head = await this.openLedger(tx, organizationId, asOf);
        return head.lotsExpired;
      });
    }, options);
    return expired;
  }

  // ---------------------------------------------------------------- reads

  /** R15, R16: the balance as of now: unexpired lots with credits left in consumption order, and this period's use. */
  async balance(em: EntityManager, organizationId: string): Promise<CreditBalanceView> {
    const now = this.clock.now();
    const lots = (await this.liveLots(em, organizationId)).filter((l) => !l.expiresAt || l.expiresAt.getTime() > now.getTime());
    const [contract, period] = await Promise.all([this.contractOf(em, organizationId), this.organizations.currentPeriod(em, organizationId)]);
    let consumed = 0;
    let overage = 0;
    let overageChargeCents = 0;
    if (period) {
      const sums: Array<{ kind: CreditEntryKind; quantity: string | number | null; charge: string | number | null }> = await em
        .createQueryBuilder(CreditLedgerEntry, 'e')
        .select('e.kind', 'kind')
        .addSelect('SUM(e.quantity)', 'quantity')
        .addSelect('SUM(e.quantity * COALESCE(e.unitPriceCents, 0))', 'charge')
        .where('e.organizationId = :organizationId AND e.periodId = :periodId', { organizationId, periodId: period.id })
        .andWhere('e.kind IN (:...kinds)', { kinds: [CreditEntryKind.CONSUMPTION, CreditEntryKind.OVERAGE] })
        .groupBy('e.kind')
        .getRawMany();
      for (const s of sums) {
        if (s.kind === CreditEntryKind.CONSUMPTION) consumed += -Number(s.quantity ?? 0);
        if (s.kind === CreditEntryKind.OVERAGE) {
          overage += Number(s.quantity ?? 0);
          overageChargeCents += safeInteger(s.charge ?? 0, 'overage charge'); // a DECIMAL string on MariaDB
        }
      }
    }
    return {
      organizationId, lots, available: lots.reduce((sum, l) => sum + l.remaining, 0),
      // "consumed" = every credit used by trainings started this period, from the balance or as overage
      consumedThisPeriod: consumed + overage, overageThisPeriod: overage, overageChargeCents,
      unitPriceCents: contract.creditUnitPriceCents,
    };
  }

  /** R16: the ledger, newest entry first (keyset over the gapless sequence), with each entry's lot and assignment. */
  async ledger(em: EntityManager, organizationId: string, args: PageArgs): Promise<Page<CreditLedgerEntry>> {
    const qb = em.createQueryBuilder(CreditLedgerEntry, 'e').where('e.organizationId = :organizationId', { organizationId });
    const page = await paginate(qb, args, { column: 'sequence', direction: 'DESC', unique: true });
    const nodes = page.nodes;
    const lotIds = [...new Set(nodes.map((e) => e.lotId).filter((id): id is string => !!id))];
    const assignmentIds = [...new Set(nodes.map((e) => e.assignmentId).filter((id): id is string => !!id))];
    const [lots, assignments] = await Promise.all([
      lotIds.length ? em.find(CreditLot, { where: { id: In(lotIds) } }) : [],
      assignmentIds.length ? em.find(TrainingAssignment, { where: { id: In(assignmentIds) } }) : [],
    ]);
    const lotById = new Map(lots.map((l) => [l.id, l]));
    const assignmentById = new Map(assignments.map((a) => [a.id, a]));
    for (const e of nodes) {
      e.lot = e.lotId ? lotById.get(e.lotId) ?? null : null;
      e.assignment = e.assignmentId ? assignmentById.get(e.assignmentId) ?? null : null;
    }
    return page;
  }

  // ---------------------------------------------------------------- internals (under the organization lock)

  private async contractOf(em: EntityManager, organizationId: string): Promise<Contract> {
    const contract = await this.organizations.contract(em, organizationId);
    if (!contract) throw notFound('Organization', organizationId);
    return contract;
  }

  /** Lots that still hold credits and have no EXPIRY entry, in consumption order (few per organization). */
  private async liveLots(em: EntityManager, organizationId: string): Promise<CreditLot[]> {
    const lots = await em
      .createQueryBuilder(CreditLot, 'l')
      .where('l.organizationId = :organizationId AND l.expiredAt IS NULL AND l.remaining > 0', { organizationId })
      .getMany();
    return lots.sort(consumptionOrder);
  }

  /**
   * Reads the ledger head under the lock: the last sequence and balance, the open period, the unit price, the
   * CREDITS_LOW reference, and the lots with credits — two statements issued together, no writes. Lots past
   * `asOf` are set aside as due: the next write expires them first (EXPIRY entries), so every entry written
   * afterwards carries the balance that really counts. This is the hot path of every start (R14).
   */
  async readHead(tx: ServiceContext, organizationId: string, asOf: Date): Promise<LedgerHead> {
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
      tx.em.query('SELECT id, remaining, expiresAt, purchasedAt FROM credit_lot WHERE organizationId = ? AND expiredAt IS NULL AND remaining > 0', [organizationId]),
    ])) as [Array<Record<string, string | number | null>>, Array<{ id: string; remaining: number | string; expiresAt: Date | string | null; purchasedAt: Date | string }>];
    if (row.unitPriceCents === null || row.unitPriceCents === undefined) throw notFound('Organization', organizationId);
    const lots: LotRef[] = lotRows
      .map((r) => ({ id: r.id, remaining: Number(r.remaining), expiresAt: instantFromSql(r.expiresAt), purchasedAt: instantFromSql(r.purchasedAt)! }))
      .sort(consumptionOrder);
    const balance = Number(row.balance ?? 0);
    const isDue = (l: LotRef) => !!l.expiresAt && l.expiresAt.getTime() <= asOf.getTime();
    return {
      organizationId, sequence: Number(row.lastSequence ?? 0), balance, balanceAtLock: balance,
      periodId: (row.periodId as string | null) ?? null, unitPriceCents: safeInteger(row.unitPriceCents, 'unit price'), lastAddition: Number(row.lastAddition ?? 0),
      liveLots: lots.filter((l) => !isDue(l)), dueLots: lots.filter(isDue), asOf, lotsExpired: 0, pendingEntries: [], pendingTakes: new Map(), pendingExpiries: [],
    };
  }

  /** The head with the due lots already expired (purchases, grants, expireLots). */
  private async openLedger(tx: ServiceContext, organizationId: string, asOf: Date): Promise<LedgerHead> {
    const head = await this.readHead(tx, organizationId, asOf);
    await this.flush(tx, head);
    return head;
  }

  /** Plans the expiry of the head's due lots: their EXPIRY entries, and the lots to empty at flush. */
  private planExpiry(tx: ServiceContext, head: LedgerHead): void {
    for (const lot of head.dueLots) {
      head.balance -= lot.remaining;
      head.lotsExpired++;
      head.pendingExpiries.push(lot);
      head.pendingEntries.push(this.entry(tx.em, head, CreditEntryKind.EXPIRY, -lot.remaining, head.asOf, { lotId: lot.id }));
    }
    head.dueLots = [];
  }

  /** A new lot and its PURCHASE or GRANT entry. */
  private async addLot(
    tx: ServiceContext, head: LedgerHead, source: CreditSource, quote: CreditQuoteValue, now: Date, expiresAt: Date | null, kind: CreditEntryKind,
  ): Promise<CreditLot> {
    const lot = tx.em.create(CreditLot, {
      organizationId: head.organizationId, source, quantity: quote.quantity, remaining: quote.quantity, unitPriceCents: quote.unitPriceCents,
      discountPercent: quote.discountPercent, totalCents: quote.totalCents, purchasedAt: now, expiresAt, expiredAt: null, periodId: head.periodId,
    });
    await tx.em.insert(CreditLot, lot);
    head.balance += quote.quantity;
    head.lastAddition = quote.quantity;
    await this.appendEntries(tx.em, [this.entry(tx.em, head, kind, quote.quantity, now, { lotId: lot.id })]);
    return lot;
  }

  /** Guarded decrement: with the organization lock it always applies; without it, it would refuse to go below zero. */
  private async takeFromLot(em: EntityManager, lotId: string, take: number): Promise<void> {
    const affected = await execute(em, 'UPDATE credit_lot SET remaining = remaining - ? WHERE id = ? AND remaining >= ? AND expiredAt IS NULL', [take, lotId, take]);
    if (affected !== 1) throw new Error(`credit lot ${lotId} changed outside the organization lock`);
  }

  /** R16: appends entries (one statement). The ledger is append-only: nothing in this service updates or deletes an entry. */
  private async appendEntries(em: EntityManager, entries: CreditLedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const row = `(${LEDGER_COLUMNS.map(() => '?').join(', ')})`;
    await execute(
      em,
      `INSERT INTO credit_ledger_entry (${LEDGER_COLUMNS.map((c) => `\`${c}\``).join(', ')}) VALUES ${entries.map(() => row).join(', ')}`,
      entries.flatMap((e) => [
        e.id, e.organizationId, e.sequence, e.kind, e.quantity, e.balanceAfter, e.lotId, e.assignmentId, e.unitPriceCents, e.periodId, sqlInstant(em, e.createdAt),
      ]),
    );
  }

  /** The next ledger entry (advances the head's sequence; the head's balance is already the balance after it). */
  private entry(
    em: EntityManager, head: LedgerHead, kind: CreditEntryKind, quantity: number, createdAt: Date,
    refs: { lotId?: string; assignmentId?: string; unitPriceCents?: number },
  ): CreditLedgerEntry {
    head.sequence += 1;
    return em.create(CreditLedgerEntry, {
      organizationId: head.organizationId, sequence: head.sequence, kind, quantity, balanceAfter: head.balance,
      lotId: refs.lotId ?? null, assignmentId: refs.assignmentId ?? null, unitPriceCents: refs.unitPriceCents ?? null,
      periodId: head.periodId, createdAt,
    });
  }

  /**
   * R16: CREDITS_LOW when the balance falls to or below 10 % of the last purchase or grant, CREDITS_DEPLETED when it
   * reaches 0 — once per crossing: only a change that moves the balance from above a threshold to at-or-below it
   * raises, so nothing is raised again until a purchase or grant has lifted the balance back above.
   */
  private async alertOnDecrease(tx: ServiceContext, head: LedgerHead): Promise<void> {
    const { organizationId, balanceAtLock: before, balance: after, lastAddition: reference } = head;
    if (after >= before) return;
    const isLow = (balance: number) => balance * 10 <= reference;
    if (!isLow(before) && isLow(after)) {
      await this.alerts.raise(tx, {
        organizationId, kind: AlertKind.CREDITS_LOW,
        message: `Credit balance is ${after}, at or below 10% of the last purchase of ${reference} credits`,
      });
    }
    if (before > 0 && after === 0) {
      await this.alerts.raise(tx, {
        organizationId, kind: AlertKind.CREDITS_DEPLETED,
        message: 'Credit balance is 0: further premium content is billed as overage at the credit unit price',
      });
    }
  }
}
