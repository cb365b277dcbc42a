import { Arg, FieldResolver, ID, Resolver, Root, Subscription } from 'type-graphql';
import { Permission } from '../entities';
import type { BillingStateView } from '../src/services/billing-state.service';
import type { RequestContext } from '../src/server/context';
import { BillingStateType } from './types/billing-state.type';
import { HasPermission } from './types/directives';
import { money, MoneyType } from './types/money.type';

const BILLING_STATE_DESCRIPTION =
  "The organization's live counters (R27): at once, then after every committed change that moves them, at most " +
  'one push per 250 ms per subscriber.';

@Resolver(() => BillingStateType)
export class BillingStateResolver {
  @FieldResolver(() => MoneyType)
  upcomingInvoiceTotal(@Root() state: BillingStateView) {
    return money(state.upcomingInvoiceTotalCents);
  }

  @Subscription(() => BillingStateType, {
    description: BILLING_STATE_DESCRIPTION,
    subscribe: ({ args, context }) =>
      (context as RequestContext).services.billingStateStream.subscribe(
        (context as RequestContext).viewer,
        args.organizationId,
      ),
  })
  @HasPermission(Permission.MANAGE_BILLING)
  billingState(
    @Root() state: BillingStateView,
    // Scalar @Arg (not an @Args class): this method runs once per push per subscriber.
    @Arg('organizationId', () => ID, {
      nullable: true,
      description: 'The organization (operators: any; users: their own, the default; another id is NOT_FOUND, R5).',
    })
    _organizationId?: string | null,
  ): BillingStateView {
    return state;
  }
}
