import { Args, ArgsType, Ctx, Field, FieldResolver, Resolver, Root } from 'type-graphql';
import { Organization, Permission } from '../entities';
import type { LicenseView } from '../src/services/license.service';
import type { RequestContext } from '../src/server/context';
import { ConnectionArgs } from './types/connection.type';
import { BillingAlertConnection } from './types/billing-alert.type';
import { HasPermission } from './types/directives';
import { LicenseType } from './types/license.type';
import { money, MoneyType } from './types/money.type';
import { OrganizationType } from './types/organization.type';

@ArgsType()
class AlertsArgs extends ConnectionArgs {
  @Field(() => Boolean, { nullable: true, description: 'True: only alerts nobody has acknowledged yet.' })
  unacknowledgedOnly?: boolean | null;
}

/** Organization.license and Organization.alerts (R7–R11). */
@Resolver(() => OrganizationType)
export class OrganizationLicenseResolver {
  @FieldResolver(() => LicenseType, {
    nullable: true,
    description:
      'The license the contract bills by (USER seats or LOCATION licenses), over the open billing period (R7–R10).',
  })
  @HasPermission(Permission.MANAGE_BILLING)
  license(@Root() org: Organization, @Ctx() ctx: RequestContext) {
    return ctx.services.licenses.forOrganization(ctx.em, org.id);
  }

  @FieldResolver(() => BillingAlertConnection, {
    nullable: true,
    description: 'Billing alerts, newest first (Relay connection; R11).',
  })
  @HasPermission(Permission.MANAGE_BILLING)
  alerts(@Root() org: Organization, @Ctx() ctx: RequestContext, @Args() { unacknowledgedOnly, ...page }: AlertsArgs) {
    return ctx.services.alerts.list(ctx.em, org.id, Boolean(unacknowledgedOnly), page);
  }
}

@Resolver(() => LicenseType)
export class LicenseResolver {
  @FieldResolver(() => MoneyType)
  unitPrice(@Root() license: LicenseView) {
    return money(license.unitPriceCents);
  }
}
