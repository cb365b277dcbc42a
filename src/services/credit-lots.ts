import { EntityManager } from 'typeorm';
import { CreditEntryKind, CreditLot, CreditSource } from '../../entities';
import { lotsKey, requestReads } from '../db/request-reads';
import { sqlInstant } from '../db/sql';
import type { CreditQuoteValue } from './credit-pricing';

/** What the ledger's writer needs of a lot. */
export type LotRef = Pick<CreditLot, 'id' | 'remaining' | 'expiresAt' | 'purchasedAt'>;

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

/** The credits the lots still hold. */
export const creditsIn = (lots: readonly LotRef[]) => lots.reduce((sum, lot) => sum + lot.remaining, 0);

/** What a consumption took: from the balance, and beyond it as overage (R15). */
export interface Consumption {
  fromBalance: number;
  overage: number;
}

/** A lot added by a purchase or a grant (R13). */
export interface NewLot {
  source: CreditSource;
  quote: CreditQuoteValue;
  expiresAt: Date | null;
  kind: CreditEntryKind.PURCHASE | CreditEntryKind.GRANT;
  /** R34: the lot is billed on this period's invoice (annual grants), so it counts against MAX_BILLED_CREDITS_PER_PERIOD. */
  billed: boolean;
}

/** An organization's lots as the Billing page needs them: what it can still spend, and what it is billed for. */
export interface LotsOfOpenPeriod {
  /** Lots that still hold credits and have no EXPIRY entry (few per organization), in no particular order. */
  live: CreditLot[];
  /** Annual grants purchased since the open period's start (billed on its invoice, R13). */
  grants: CreditLot[];
}

/**
 * Both in one statement: the balance and the invoice preview read them together on the Billing page; through the
 * operation's shared reads when there are some.
 */
export function lotsOfOpenPeriod(
  em: EntityManager,
  organizationId: string,
  periodStart: Date,
): Promise<LotsOfOpenPeriod> {
  const reads = requestReads(em);
  if (reads) return reads.lotsOfOpenPeriod.load(lotsKey(organizationId, periodStart));
  return readLotsOfOpenPeriod(em, organizationId, periodStart);
}

export async function readLotsOfOpenPeriod(
  em: EntityManager,
  organizationId: string,
  periodStart: Date,
): Promise<LotsOfOpenPeriod> {
  const lots = await em
    .createQueryBuilder(CreditLot, 'l')
    .where('l.organizationId = :organizationId', { organizationId })
    .andWhere('((l.expiredAt IS NULL AND l.remaining > 0) OR (l.source = :annual AND l.purchasedAt >= :periodStart))', {
      annual: CreditSource.ANNUAL,
      periodStart: sqlInstant(em, periodStart),
    })
    .getMany();
  return splitLotsOfOpenPeriod(lots, periodStart);
}

/**
 * The live lots and the open period's annual grants among `lots` (those `readLotsOfOpenPeriod` selects); also R26's
 * evaluation, which reads them with its other inputs.
 */
export function splitLotsOfOpenPeriod(lots: readonly CreditLot[], periodStart: Date): LotsOfOpenPeriod {
  const start = periodStart.getTime();
  return {
    live: lots.filter((l) => l.expiredAt === null && l.remaining > 0),
    grants: lots
      .filter((l) => l.source === CreditSource.ANNUAL && l.purchasedAt.getTime() >= start)
      .sort((a, b) => a.purchasedAt.getTime() - b.purchasedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}
