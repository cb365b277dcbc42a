import { EntityManager } from 'typeorm';
import { Contract, CreditLot, CreditSource, LineItemKind, Organization } from '../../entities';
import { sqlInstant } from '../db/sql';
import { periodOverage } from './credit-ledger';
import { BilledPeriod, DraftLine, formatDay, InvoiceLineSource } from './invoice-lines';
import { formatUsd } from '../common/money';

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
    { periodId, from, to }: BilledPeriod,
  ): Promise<DraftLine[]> {
    const grants = await em
      .createQueryBuilder(CreditLot, 'l')
      .where(
        'l.organizationId = :organizationId AND l.source = :source AND l.purchasedAt >= :from AND l.purchasedAt < :to',
        {
          organizationId: org.id,
          source: CreditSource.ANNUAL,
          from: sqlInstant(em, from),
          to: sqlInstant(em, to),
        },
      )
      .orderBy('l.purchasedAt', 'ASC')
      .addOrderBy('l.id', 'ASC')
      .getMany();
    const lines: DraftLine[] = grants.map((lot) => ({
      kind: LineItemKind.CREDIT_PURCHASE,
      description: `Annual purchase of ${lot.quantity} credits on ${formatDay(lot.purchasedAt)}${lot.discountPercent ? ` (${lot.discountPercent}% volume discount)` : ''}${lot.expiresAt ? `, expiring ${formatDay(lot.expiresAt)}` : ''}`,
      quantity: lot.quantity,
      unitPriceCents: lot.unitPriceCents,
      // The lot's total is the quoted price (rounded once over the whole purchase), not unit × quantity.
      amountCents: lot.totalCents,
      peakAt: null,
    }));
    for (const { credits, unitPriceCents, chargeCents } of await periodOverage(em, org.id, periodId)) {
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
}
