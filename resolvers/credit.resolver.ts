import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AssignmentStatus, CreditLot, CreditPurchase, Organization, Payment, Permission } from '../entities';
import type { RequestContext } from '../src/server/context';
import type { CreditBalanceView } from '../src/services/credit.service';
import type { CreditQuoteValue } from '../src/services/credit-pricing';
import { MAX_CREDIT_QUANTITY, MAX_IDEMPOTENCY_KEY_LENGTH, MIN_CREDIT_QUANTITY } from '../src/services/bounds';
import { ConnectionArgs } from './types/connection.type';
import { HasPermission, OperatorOnly } from './types/directives';
import {
  CreditBalanceType,
  CreditLedgerConnection,
  CreditLotType,
  CreditPurchaseType,
  CreditQuoteType,
  PaymentMethodType,
  PaymentType,
  TrainingAssignmentConnection,
} from './types/credit.type';
import { money, MoneyType } from './types/money.type';
import { OrganizationType } from './types/organization.type';
import { IdArg, TextArg, TEXT } from './types/validation';

const CREDIT_QUANTITIES = `${MIN_CREDIT_QUANTITY} to ${MAX_CREDIT_QUANTITY.toLocaleString('en-US')}`;
const ORGANIZATION_ARG = {
  nullable: true,
  description: 'Operators: the organization; others: their own (the default).',
} as const;

@ArgsType()
class AssignmentsArgs extends ConnectionArgs {
  @Field(() => AssignmentStatus, { nullable: true, description: 'Only assignments with this status.' })
  status?: AssignmentStatus | null;
}

function quoteView(q: CreditQuoteValue) {
  return {
    quantity: q.quantity,
    discountPercent: q.discountPercent,
    unitPrice: money(q.unitPriceCents),
    subtotal: money(q.subtotalCents),
    discount: money(q.discountCents),
    total: money(q.totalCents),
  };
}

@Resolver(() => CreditQuoteType)
export class CreditResolver {
  @Query(() => CreditQuoteType, {
    nullable: true,
    description: `Price of buying this many credits now (volume discount applied, R12). Quantity ${CREDIT_QUANTITIES}.`,
  })
  @HasPermission(Permission.MANAGE_BILLING)
  async creditQuote(
    @Ctx() ctx: RequestContext,
    @Arg('quantity', () => Int, { description: `Credits to buy, ${CREDIT_QUANTITIES}.` }) quantity: number,
    @IdArg('organizationId', ORGANIZATION_ARG) organizationId?: string | null,
  ) {
    return quoteView(await ctx.services.creditPurchases.quote(ctx, quantity, organizationId));
  }

  @Mutation(() => CreditPurchaseType, {
    description:
      'R13: buys credits, charging the payment method on file at once at the quoted price; they never expire. R19: the same idempotencyKey with the same quantity returns the first result and never charges twice; with another quantity IDEMPOTENCY_KEY_REUSED. A declined charge: PAYMENT_FAILED (replayed for the same key).',
  })
  @HasPermission(Permission.MANAGE_BILLING)
  purchaseCredits(
    @Ctx() ctx: RequestContext,
    @Arg('quantity', () => Int, { description: `Credits to buy, ${CREDIT_QUANTITIES} (R12 volume tiers).` })
    quantity: number,
    @TextArg('idempotencyKey', TEXT.idempotencyKey, {
      description: `A new unique key per purchase (1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters), remembered at least 24 hours (R19).`,
    })
    idempotencyKey: string,
    @IdArg('organizationId', ORGANIZATION_ARG) organizationId?: string | null,
  ) {
    return ctx.services.creditPurchases.purchaseCredits(ctx, quantity, idempotencyKey, organizationId);
  }

  @Mutation(() => CreditLotType, {
    description:
      'An annual upfront purchase: billed on the next invoice as CREDIT_PURCHASE at the volume price (R12, R13). Operators only. R19: idempotent by key.',
  })
  @OperatorOnly()
  grantCredits(
    @Ctx() ctx: RequestContext,
    @IdArg('organizationId', { description: 'The organization.' }) organizationId: string,
    @Arg('quantity', () => Int, { description: `Credits granted, ${CREDIT_QUANTITIES}.` }) quantity: number,
    @TextArg('idempotencyKey', TEXT.idempotencyKey, {
      description: `A new unique key per grant (1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters), remembered at least 24 hours (R19).`,
    })
    idempotencyKey: string,
    @Arg('expiresAt', () => Date, {
      nullable: true,
      description: 'When the credits expire (must be in the future); null: never.',
    })
    expiresAt?: Date | null,
  ) {
    return ctx.services.creditPurchases.grantCredits(ctx, organizationId, quantity, expiresAt ?? null, idempotencyKey);
  }

  @Mutation(() => PaymentMethodType, {
    description:
      'R20: a token from the payment provider; the sandbox provider takes tok_visa, tok_mastercard, tok_chargeDeclined, tok_insufficientFunds. Replaces the card on file; allowed for terminated organizations (R21: payment obligations survive).',
  })
  @HasPermission(Permission.MANAGE_BILLING)
  updatePaymentMethod(
    @Ctx() ctx: RequestContext,
    @TextArg('token', TEXT.providerToken, {
      description: "The provider's token for the card (never the card number, R20).",
    })
    token: string,
    @IdArg('organizationId', ORGANIZATION_ARG) organizationId?: string | null,
  ) {
    return ctx.services.paymentMethods.update(ctx, token, organizationId);
  }
}

/** Credit fields of Organization. */
@Resolver(() => OrganizationType)
export class OrganizationCreditsResolver {
  @FieldResolver(() => CreditBalanceType, {
    nullable: true,
    description:
      "Credits available, lots in consumption order, this period's use and overage, and the ledger (R15, R16).",
  })
  @HasPermission(Permission.MANAGE_BILLING)
  creditBalance(@Root() org: Organization, @Ctx() ctx: RequestContext) {
    return ctx.services.credits.balance(ctx.em, org.id);
  }

  @FieldResolver(() => PaymentMethodType, {
    nullable: true,
    description: 'The card on file (R20); null when none was added.',
  })
  @HasPermission(Permission.MANAGE_BILLING)
  paymentMethod(@Root() org: Organization, @Ctx() ctx: RequestContext) {
    return ctx.services.paymentMethods.find(ctx.em, org.id);
  }

  @FieldResolver(() => TrainingAssignmentConnection, {
    nullable: true,
    description: 'Premium content assignments, newest first (R14; Relay connection).',
  })
  @HasPermission(Permission.ASSIGN_CONTENT)
  assignments(@Root() org: Organization, @Ctx() ctx: RequestContext, @Args() { status, ...page }: AssignmentsArgs) {
    return ctx.services.assignments.list(ctx.em, org.id, status, page);
  }
}

@Resolver(() => CreditBalanceType)
export class CreditBalanceResolver {
  @FieldResolver(() => MoneyType)
  overageCharge(@Root() b: CreditBalanceView) {
    return money(b.overageChargeCents);
  }

  @FieldResolver(() => MoneyType)
  unitPrice(@Root() b: CreditBalanceView) {
    return money(b.unitPriceCents);
  }

  @FieldResolver(() => CreditLedgerConnection, {
    description: 'Every change of the balance, newest first (R16; Relay connection).',
  })
  ledger(@Root() b: CreditBalanceView, @Ctx() ctx: RequestContext, @Args() page: ConnectionArgs) {
    return ctx.services.credits.ledger(ctx.em, b.organizationId, page);
  }
}

@Resolver(() => CreditLotType)
export class CreditLotResolver {
  @FieldResolver(() => MoneyType)
  unitPrice(@Root() lot: CreditLot) {
    return money(lot.unitPriceCents);
  }
}

@Resolver(() => CreditPurchaseType)
export class CreditPurchaseResolver {
  @FieldResolver(() => MoneyType)
  total(@Root() purchase: CreditPurchase) {
    return money(purchase.totalCents);
  }
}

@Resolver(() => PaymentType)
export class PaymentResolver {
  @FieldResolver(() => MoneyType)
  amount(@Root() payment: Payment) {
    return money(payment.amountCents);
  }
}
