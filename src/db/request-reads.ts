import type DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import type { BillingPeriod, Contract, CreditLot, Organization, UsageAggregate } from '../../entities';

/**
 * The reads one GraphQL operation shares: each row is read once per operation however many fields need it (the
 * Billing page asks for the contract, the open period and the usage of the period from four fields). The
 * operation's loaders (src/loaders) implement it; services find them through the entity manager the operation
 * reads with, so a service reads through them without knowing about requests. A transaction's manager has none:
 * a change always reads the database afresh, under its lock.
 */
export interface RequestReads {
  organization: DataLoader<string, Organization | null>;
  contract: DataLoader<string, Contract | null>;
  openPeriod: DataLoader<string, BillingPeriod | null>;
  /** The usage aggregate of a period and license kind, keyed `usageAggregateKey(organizationId, periodId, kind)`. */
  usageAggregate: DataLoader<string, UsageAggregate | null>;
  /** A period's credit use from its tallies, keyed `creditUseKey(organizationId, periodId)`. */
  creditUse: DataLoader<string, PeriodCreditUse>;
  /** An organization's live lots and this period's annual grants, keyed `lotsKey(organizationId, periodStart)`. */
  lotsOfOpenPeriod: DataLoader<string, { live: CreditLot[]; grants: CreditLot[] }>;
  /** Credits used over a run of UTC days and the first consumption (R28), keyed `trailingUseKey(…)`. */
  trailingCreditUse: DataLoader<string, TrailingCreditUse>;
}

/** R28's inputs from the credit side: credits used over a run of UTC days, and the first consumption ever. */
export interface TrailingCreditUse {
  credits: number;
  firstConsumptionAt: Date | null;
}

/** A period's credit use (R15): credits taken from the balance, and overage per unit price (cheapest first). */
export interface PeriodCreditUse {
  consumedFromBalance: number;
  overage: Array<{ unitPriceCents: number; credits: number }>;
}

export const lotsKey = (organizationId: string, periodStart: Date) => `${organizationId}|${periodStart.toISOString()}`;

export const trailingUseKey = (organizationId: string, fromDay: string, toDay: string) =>
  `${organizationId}|${fromDay}|${toDay}`;

export const creditUseKey = (organizationId: string, periodId: string) => `${organizationId}|${periodId}`;

export const usageAggregateKey = (organizationId: string, periodId: string, kind: string) =>
  `${organizationId}|${periodId}|${kind}`;

const readsByManager = new WeakMap<EntityManager, () => RequestReads>();

/** Binds an operation's own entity manager to its reads (made on first use by `reads`). */
export function bindRequestReads(em: EntityManager, reads: () => RequestReads): void {
  readsByManager.set(em, reads);
}

/** The operation's shared reads when `em` is an operation's manager; undefined inside a transaction or a job. */
export function requestReads(em: EntityManager): RequestReads | undefined {
  return readsByManager.get(em)?.();
}
