import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Organization, Permission } from '../entities';
import type { RequestContext } from '../src/server/context';
import { HasPermission } from './types/directives';
import { BillingForecastType } from './types/forecast.type';
import { money } from './types/money.type';
import { OrganizationType } from './types/organization.type';

/** Organization.forecast (R28). */
@Resolver(() => OrganizationType)
export class OrganizationForecastResolver {
  @FieldResolver(() => BillingForecastType, {
    nullable: true,
    description:
      'R28: the credit burn rate, when credits run out, and the invoice total this burn projects for the period ' +
      'end. Null without an open period.',
  })
  @HasPermission(Permission.MANAGE_BILLING)
  async forecast(@Root() org: Organization, @Ctx() ctx: RequestContext): Promise<BillingForecastType | null> {
    const forecast = await ctx.services.forecasts.forecast(ctx, org.id);
    return (
      forecast && {
        creditBurnPerDay: forecast.creditBurnPerDay,
        creditsExhaustedAt: forecast.creditsExhaustedAt,
        projectedInvoiceTotal: money(forecast.projectedInvoiceTotalCents),
      }
    );
  }
}
