import { EntityManager } from 'typeorm';
import { Contract, Organization } from '../../entities';
import { BilledPeriod, DraftLine, formatDay, InvoiceLineSource } from './invoice-lines';
import { formatUsd, multiplyCents } from '../common/money';
import { licenseTerms } from './license-terms';
import type { UsageService } from './usage.service';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * R9, R10 on the invoice: the contracted licenses, and the peak of simultaneous use above them. Billed =
 * max(peak, contracted): the contracted number is always billed (SEATS / LOCATIONS), what the peak went beyond it
 * is overage (SEAT_OVERAGE / LOCATION_OVERAGE) at the same unit price, with the first moment of that peak.
 */
export class LicenseInvoiceLines implements InvoiceLineSource {
  constructor(private readonly usage: Pick<UsageService, 'peak' | 'peakOfOpenPeriod'>) {}

  async lines(
    em: EntityManager,
    org: Organization,
    contract: Contract,
    { from, to, open }: BilledPeriod,
  ): Promise<DraftLine[]> {
    const model = contract.licenseModel;
    const { contracted, unitPriceCents, baseLine, overageLine, words } = licenseTerms(contract, model);
    const { peak, peakAt } = open
      ? await this.usage.peakOfOpenPeriod(em, model, open, to)
      : await this.usage.peak(em, org.id, model, from, to);
    const lines: DraftLine[] = [];
    // R30: every license line carries the evidence of the one billed peak.
    const evidenceOf = { organizationId: org.id, kind: model };
    if (contracted > 0) {
      lines.push({
        kind: baseLine,
        description: `${plural(contracted, `contracted ${words.unit}`)} at ${formatUsd(unitPriceCents)}${peakAt ? ` (peak of ${peak} ${words.inUse} on ${formatDay(peakAt)})` : ''}`,
        quantity: contracted,
        unitPriceCents,
        amountCents: multiplyCents(unitPriceCents, contracted),
        peakAt,
        evidenceOf,
      });
    }
    const overage = Math.max(0, peak - contracted);
    if (overage > 0) {
      lines.push({
        kind: overageLine,
        description: `Peak of ${peak} ${words.inUse} on ${formatDay(peakAt!)}, ${contracted} contracted: ${plural(overage, `additional ${words.unit}`)}`,
        quantity: overage,
        unitPriceCents,
        amountCents: multiplyCents(unitPriceCents, overage),
        peakAt,
        evidenceOf,
      });
    }
    return lines;
  }
}
