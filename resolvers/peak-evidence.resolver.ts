import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../src/server/context';
import type { LicenseView } from '../src/services/license.service';
import type { InvoiceLineView, LicenseEvidenceView } from '../src/services/peak-evidence.service';
import { ConnectionArgs } from './types/connection.type';
import { InvoiceLineItemType } from './types/invoice.type';
import { LicenseType } from './types/license.type';
import { LocationType, UserType } from './types/organization.type';
import { LicenseEvidenceConnection, LicenseEvidenceType } from './types/peak-evidence.type';

const PEAK_EVIDENCE_DESCRIPTION =
  'Who or what was in use at peakAt: exactly peakThisPeriod users (USER) or locations (LOCATION), oldest ' +
  'activation first; empty until there is a peak (R30).';

const LINE_EVIDENCE_DESCRIPTION =
  'License lines: who or what was in use at the billed peak, frozen when the invoice was issued (the same on SEATS ' +
  'and SEAT_OVERAGE, or LOCATIONS and LOCATION_OVERAGE); on the DRAFT preview, the live evidence of the open ' +
  'period. Null on credit lines (R30).';

/** License.peakEvidence (R30). */
@Resolver(() => LicenseType)
export class LicensePeakEvidenceResolver {
  @FieldResolver(() => LicenseEvidenceConnection, { description: PEAK_EVIDENCE_DESCRIPTION })
  peakEvidence(@Root() license: LicenseView, @Ctx() ctx: RequestContext, @Args() page: ConnectionArgs) {
    return ctx.services.peakEvidence.live(ctx.em, license, license.peakAt, page);
  }
}

/** InvoiceLineItem.evidence (R30). */
@Resolver(() => InvoiceLineItemType)
export class InvoiceLineEvidenceResolver {
  @FieldResolver(() => LicenseEvidenceConnection, { nullable: true, description: LINE_EVIDENCE_DESCRIPTION })
  evidence(@Root() line: InvoiceLineView, @Ctx() ctx: RequestContext, @Args() page: ConnectionArgs) {
    return ctx.services.peakEvidence.ofLine(ctx.em, line, page, (request) => ctx.loaders.invoiceEvidence.load(request));
  }
}

/** LicenseEvidence.user and .location (R30), through the operation's loaders. */
@Resolver(() => LicenseEvidenceType)
export class LicenseEvidenceResolver {
  @FieldResolver(() => UserType, { nullable: true, description: 'USER license: the active user.' })
  user(@Root() evidence: LicenseEvidenceView, @Ctx() ctx: RequestContext) {
    return evidence.userId ? ctx.loaders.user.load(evidence.userId) : null;
  }

  @FieldResolver(() => LocationType, { nullable: true, description: 'LOCATION license: the active location.' })
  location(@Root() evidence: LicenseEvidenceView, @Ctx() ctx: RequestContext) {
    return evidence.locationId ? ctx.loaders.location.load(evidence.locationId) : null;
  }
}
