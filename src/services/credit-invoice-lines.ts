import { EntityManager } from 'typeorm';
import { Contract, CreditLot, CreditSource, LineItemKind, Organization } from '../../entities';
import { sqlInstant } from '../db/sql';
import { OverageAtPrice, periodOverage } from './credit-ledger';
import { periodCreditUse } from './credit-tallies';
import { lotsOfOpenPeriod } from './credit-lots';
import { BilledPeriod, DraftLine, formatDay, InvoiceLineSource } from './invoice-lines';
import { formatUsd, multiplyCents } from '../common/money';

/**
 * R13, R15 on the invoice: annual grants of the period at their volume price (CREDIT_PURCHASE, one line each),
 * and the period's credit overage (`periodOverage`, the same rows the dashboard shows) at the unit price in force
 * when used (CREDIT_OVERAGE, one line per price). Dashboard purchases were charged at once and are not billed again.
 */
export class CreditInvoiceLines implements InvoiceLineSource {
  async lines(
    em: EntityManager,
    org: Organization,
    _contract: Contract,
    { periodId, from, to, open }: BilledPeriod,
  ): Promise<DraftLine[]> {
    const grants = open
      ? (await lotsOfOpenPeriod(em, org.id, open.start)).grants.filter((lot) => lot.purchasedAt < to)
      : await this.grants(em, org.id, from, to);
    const lines: DraftLine[] = grants.map((lot) => ({
      kind: LineItemKind.CREDIT_PURCHASE,
      description: `Annual purchase of ${lot.quantity} credits on ${formatDay(lot.purchasedAt)}${lot.discountPercent ? ` (${lot.discountPercent}% volume discount)` : ''}${lot.expiresAt ? `, expiring ${formatDay(lot.expiresAt)}` : ''}`,
      quantity: lot.quantity,
      unitPriceCents: lot.unitPriceCents,
      // The lot's total is the quoted price (rounded once over the whole purchase), not unit × quantity.
      amountCents: lot.totalCents,
      peakAt: null,
    }));
    for (const { credits, unitPriceCents, chargeCents } of await this.overage(em, org.id, { periodId, open })) {
      lines.push({
        kind: LineItemKind.CREDIT_OVERAGE,
        description: `${credits} credit${credits === 1 ? '' : 's'} used at zero balance, at ${formatUsd(unitPriceCents)} each`,
        quantity: credits,
        unitPriceCents,
        amountCents: chargeCents,
        peakAt: null,
      });
    }
    return lines;
  }

  /** Annual grants purchased in [from, to) (R13), oldest first. */
  private grants(em: EntityManager, organizationId: string, from: Date, to: Date): Promise<CreditLot[]> {
    return em
      .createQueryBuilder(CreditLot, 'l')
      .where(
        'l.organizationId = :organizationId AND l.source = :source AND l.purchasedAt >= :from AND l.purchasedAt < :to',
        {
          organizationId,
          source: CreditSource.ANNUAL,
          from: sqlInstant(em, from),
          to: sqlInstant(em, to),
        },
      )
      .orderBy('l.purchasedAt', 'ASC')
      .addOrderBy('l.id', 'ASC')
      .getMany();
  }

  /**
   * The period's overage per unit price. The preview of the open period (R18) reads the tallies kept on write (the
   * same rows the dashboard's balance reads); an issued invoice sums the ledger (`periodOverage`, the truth). Both
   * count the OVERAGE entries carrying the period's id, and the property tests hold the tallies to the ledger.
   */
  private async overage(
    em: EntityManager,
    organizationId: string,
    { periodId, open }: Pick<BilledPeriod, 'periodId' | 'open'>,
  ): Promise<OverageAtPrice[]> {
    if (!open) return periodOverage(em, organizationId, periodId);
    const { overage } = await periodCreditUse(em, organizationId, periodId);
    return overage
      .filter((row) => row.credits > 0)
      .map((row) => ({ ...row, chargeCents: multiplyCents(row.unitPriceCents, row.credits) }));
  }
}
