import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { Permission } from '../entities';
import type { RequestContext } from '../src/server/context';
import { BillingChangeInput, BillingChangePreviewType } from './types/billing-change.type';
import { HasPermission } from './types/directives';
import { money } from './types/money.type';
import { IdArg } from './types/validation';

/** Query.previewBillingChange (R32). */
@Resolver(() => BillingChangePreviewType)
export class BillingChangeResolver {
  @Query(() => BillingChangePreviewType, {
    nullable: true,
    description: 'Prices hypothetical changes without writing anything (R32).',
  })
  @HasPermission(Permission.MANAGE_BILLING)
  async previewBillingChange(
    @Ctx() ctx: RequestContext,
    @Arg('input', () => BillingChangeInput, { description: 'The changes, as if made now.' }) input: BillingChangeInput,
    @IdArg('organizationId', {
      nullable: true,
      description: 'Operators: the organization; others: their own (the default).',
    })
    organizationId?: string | null,
  ): Promise<BillingChangePreviewType> {
    const preview = await ctx.services.billingChanges.preview(ctx, input, organizationId);
    return {
      current: preview.current,
      proposed: preview.proposed,
      difference: money(preview.differenceCents),
      chargedNow: money(preview.chargedNowCents),
      alerts: preview.alerts,
      allowed: preview.allowed,
    };
  }
}
