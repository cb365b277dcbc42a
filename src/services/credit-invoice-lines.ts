import { EntityManager } from 'typeorm';
import { Contract, CreditEntryKind, CreditLedgerEntry, CreditLot, CreditSource, LineItemKind, Organization } from '../../entities';
import { safeInteger } from '../../entities/columns';
import { sqlInstant } from '../db/sql';
import { DraftLine, formatDay, InvoiceLineSource } from './invoice-lines';
import { formatUsd, multiplyCents } from '../common/money';

/**
 * R13, R15 on the invoice: annual grants of the period at their volume price (CREDIT_PURCHASE, one line each),
 * and credits used at zero balance at the unit price in force when used (CREDIT_OVERAGE, one line per price).
 * Dashboard purchases were charged at once and are not billed again.
 */
export class CreditInvoiceLines implements InvoiceLineSource {
  async lines(em: EntityManager, org: Organization, _contract: Contract, from: Date, to: Date): Promise<DraftLine[]> {
    const window = { organizationId: org.id, from: sqlInstant(em, from), to: sqlInstant(em, to) };
    const grants = await em
      .createQueryBuilder(CreditLot, 'l')
      .where('l.organizationId = :organizationId AND l.source = :source AND l.purchasedAt >= :from AND l.purchasedAt < :to', { ...window, source: CreditSource.ANNUAL })
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
    const overage = await em
      .createQueryBuilder(CreditLedgerEntry, 'e')
      .select('e.unitPriceCents', 'unitPriceCents')
      .addSelect('SUM(e.quantity)', 'credits')
      .where('e.organizationId = :organizationId AND e.kind = :kind AND e.createdAt >= :from AND e.createdAt < :to', { ...window, kind: CreditEntryKind.OVERAGE })
      .groupBy('e.unitPriceCents')
      .orderBy('e.unitPriceCents', 'ASC')
      .getRawMany<{ unitPriceCents: number | string; credits: number | string }>();
    for (const row of overage) {
      // Raw rows skip the column transformer: read them as safe integers too (R34: refused, never rounded).
      const credits = safeInteger(row.credits, 'overage credits');
      const unitPriceCents = safeInteger(row.unitPriceCents, 'unit price');
      if (credits <= 0) continue;
      lines.push({
        kind: LineItemKind.CREDIT_OVERAGE,
        description: `${credits} credit${credits === 1 ? '' : 's'} used at zero balance, at ${formatUsd(unitPriceCents)} each`,
        quantity: credits, unitPriceCents, amountCents: multiplyCents(unitPriceCents, credits), peakAt: null,
      });
    }
    return lines;
  }
}
