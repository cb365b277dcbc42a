import { EntityManager } from 'typeorm';
import { BillingPeriod, Contract, LicenseKind, Organization } from '../../entities';
import { BilledPeriod, DraftLine, formatDay, InvoiceLineSource } from './invoice-lines';
import { formatUsd, multiplyCents } from '../common/money';
import { licenseTerms } from './license-terms';
import { peakAfterChange, type UsageService } from './usage.service';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * R9, R10 on the invoice: the contracted licenses, and the peak of simultaneous use above them. Billed =
 * max(peak, contracted): the contracted number is always billed (SEATS / LOCATIONS), what the peak went beyond it
 * is overage (SEAT_OVERAGE / LOCATION_OVERAGE) at the same unit price, with the first moment of that peak.
 */
export class LicenseInvoiceLines implements InvoiceLineSource {
  constructor(private readonly usage: Pick<UsageService, 'peak' | 'peakOfOpenPeriod' | 'ofPeriod'>) {}

  async lines(
    em: EntityManager,
    org: Organization,
    contract: Contract,
    { from, to, open, changedAt }: BilledPeriod,
  ): Promise<DraftLine[]> {
    const model = contract.licenseModel;
    const { contracted, unitPriceCents, baseLine, overageLine, words } = licenseTerms(contract, model);
    const { peak, peakAt } = open
      ? await this.peakOfOpenPeriod(em, open, model, to, changedAt?.[model] ?? 0)
      : await this.usage.peak(em, org.id, model, from, to);
    const lines: DraftLine[] = [];
    // R30: every license line carries the evidence of the one billed peak — none for R32's hypothetical licenses
    // (changedAt): nobody was in use at a peak that has not happened.
    const evidenceOf = changedAt ? undefined : { organizationId: org.id, kind: model };
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

  /** R18's peak so far; with R32's `delta` licenses changed at `to` (now), the peak as it would be after them. */
  private async peakOfOpenPeriod(em: EntityManager, open: BillingPeriod, model: LicenseKind, to: Date, delta: number) {
    const before = await this.usage.peakOfOpenPeriod(em, model, open, to);
    if (delta === 0) return before;
    const { inUse } = await this.usage.ofPeriod(em, model, open);
    return peakAfterChange(before, inUse, delta, to);
  }
}
