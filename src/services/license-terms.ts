import { AlertKind, Contract, LicenseKind, LineItemKind } from '../../entities';

/** The words a license model is described with, on invoice lines and in alerts. */
export interface LicenseWords {
  /** One license: "seat" / "location". */
  unit: string;
  /** What holds the licenses: "active users" / "active locations". */
  inUse: string;
}

/** What a contract says about one license model, for the dashboard, the R11 alert and the invoice lines. */
export interface LicenseTerms {
  kind: LicenseKind;
  /** Licenses the contract includes (always billed, R9). */
  contracted: number;
  /** The price of one license, contracted or overage. */
  unitPriceCents: number;
  /** The invoice line of the contracted licenses. */
  baseLine: LineItemKind;
  /** The invoice line of the peak above them. */
  overageLine: LineItemKind;
  /** The alert raised by an activation beyond the contract (R11). */
  alertKind: AlertKind;
  /** The alert that ends an overage condition (R25). */
  resolvedAlertKind: AlertKind;
  words: LicenseWords;
}

const BY_KIND = {
  [LicenseKind.USER]: {
    baseLine: LineItemKind.SEATS,
    overageLine: LineItemKind.SEAT_OVERAGE,
    alertKind: AlertKind.SEAT_OVERAGE,
    resolvedAlertKind: AlertKind.SEAT_OVERAGE_RESOLVED,
    words: { unit: 'seat', inUse: 'active users' },
  },
  [LicenseKind.LOCATION]: {
    baseLine: LineItemKind.LOCATIONS,
    overageLine: LineItemKind.LOCATION_OVERAGE,
    alertKind: AlertKind.LOCATION_OVERAGE,
    resolvedAlertKind: AlertKind.LOCATION_OVERAGE_RESOLVED,
    words: { unit: 'location', inUse: 'active locations' },
  },
} as const;

/**
 * R7: the one place that maps a license model to the contract's columns, its invoice line kinds and its alert.
 * USER bills seats (contractedSeats at seatPriceCents); LOCATION bills locations (contractedLocations at
 * locationPriceCents).
 */
export function licenseTerms(contract: Contract, kind: LicenseKind): LicenseTerms {
  const seats = kind === LicenseKind.USER;
  return {
    kind,
    contracted: seats ? contract.contractedSeats : contract.contractedLocations,
    unitPriceCents: seats ? contract.seatPriceCents : contract.locationPriceCents,
    ...BY_KIND[kind],
  };
}

/** R25: the alert kinds of one license model's overage condition (raised, and the resolution that ends it). */
export function overageAlertKinds(kind: LicenseKind): { alertKind: AlertKind; resolvedAlertKind: AlertKind } {
  return { alertKind: BY_KIND[kind].alertKind, resolvedAlertKind: BY_KIND[kind].resolvedAlertKind };
}
