import { EntityManager } from 'typeorm';
import { BillingPeriod, Contract, LicenseKind, LineItemKind, Organization } from '../../entities';
import { DraftLine, formatDay, InvoiceLineSource } from './invoice-lines';
import { formatUsd, multiplyCents } from '../common/money';
import type { UsageService } from './usage.service';

const TERMS = {
  [LicenseKind.USER]: { base: LineItemKind.SEATS, overage: LineItemKind.SEAT_OVERAGE, unit: 'seat', inUse: 'active users' },
  [LicenseKind.LOCATION]: { base: LineItemKind.LOCATIONS, overage: LineItemKind.LOCATION_OVERAGE, unit: 'location', inUse: 'active locations' },
} as const;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * R9, R10 on the invoice: the contracted licenses, and the peak of simultaneous use above them. Billed =
 * max(peak, contracted): the contracted number is always billed (SEATS / LOCATIONS), what the peak went beyond it
 * is overage (SEAT_OVERAGE / LOCATION_OVERAGE) at the same unit price, with the first moment of that peak.
 */
export class LicenseInvoiceLines implements InvoiceLineSource {
  constructor(private readonly usage: Pick<UsageService, 'peak' | 'peakOfOpenPeriod'>) {}

  async lines(em: EntityManager, org: Organization, contract: Contract, from: Date, to: Date, openPeriod?: BillingPeriod): Promise<DraftLine[]> {
    const model = contract.licenseModel;
    const terms = TERMS[model];
    const contracted = model === LicenseKind.USER ? contract.contractedSeats : contract.contractedLocations;
    const unitPriceCents = model === LicenseKind.USER ? contract.seatPriceCents : contract.locationPriceCents;
    const { peak, peakAt } = openPeriod
      ? await this.usage.peakOfOpenPeriod(em, model, openPeriod, to)
      : await this.usage.peak(em, org.id, model, from, to);
    const lines: DraftLine[] = [];
    if (contracted > 0) {
      lines.push({
        kind: terms.base,
        description: `${plural(contracted, `contracted ${terms.unit}`)} at ${formatUsd(unitPriceCents)}${peakAt ? ` (peak of ${peak} ${terms.inUse} on ${formatDay(peakAt)})` : ''}`,
        quantity: contracted, unitPriceCents, amountCents: multiplyCents(unitPriceCents, contracted), peakAt,
      });
    }
    const overage = Math.max(0, peak - contracted);
    if (overage > 0) {
      lines.push({
        kind: terms.overage,
        description: `Peak of ${peak} ${terms.inUse} on ${formatDay(peakAt!)}, ${contracted} contracted: ${plural(overage, `additional ${terms.unit}`)}`,
        quantity: overage, unitPriceCents, amountCents: multiplyCents(unitPriceCents, overage), peakAt,
      });
    }
    return lines;
  }
}
