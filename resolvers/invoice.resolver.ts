import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Invoice, InvoiceStatus, Organization, Permission } from '../entities';
import type { RequestContext } from '../src/server/context';
import { findInOrganization } from '../src/auth/tenancy';
import { isDraftInvoice } from '../src/services/invoice.service';
import { amountDueCents } from '../src/common/money';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../src/services/bounds';
import type { InvoiceView } from '../src/services/invoice.service';
import { HasPermission, OperatorOnly } from './types/directives';
import { BillingContactsInput } from './types/invoice.inputs';
import {
  BillingContactsType,
  InvoiceConnection,
  InvoiceLineItemType,
  InvoiceType,
  NotificationType,
} from './types/invoice.type';
import { money, MoneyType } from './types/money.type';
import { PaymentType } from './types/credit.type';
import { OrganizationType } from './types/organization.type';
import { ConnectionArgs } from './types/connection.type';
import { IdArg, TextArg, TEXT } from './types/validation';

const PAY_INVOICE_DESCRIPTION =
  'Charges the payment method on file for the amount due (R19). The same key with the same arguments ' +
  'returns the first result and never charges twice; with other arguments: IDEMPOTENCY_KEY_REUSED. A ' +
  'paid invoice: ALREADY_PAID. A declined charge records a FAILED payment, raises a PAYMENT_FAILED ' +
  'alert and answers PAYMENT_FAILED; the invoice stays OPEN. Allowed after termination (R21).';

const PAY_INVOICE_IDEMPOTENCY_KEY_DESCRIPTION =
  `A key unique to this payment attempt (1–${MAX_IDEMPOTENCY_KEY_LENGTH} characters), ` + 'kept at least 24 hours.';

const REQUEST_TERMINATION_DESCRIPTION =
  'Asks to terminate the contract (R21): status TERMINATION_REQUESTED; support and the billing ' +
  'recipients are notified.';

@ArgsType()
class InvoicesArgs extends ConnectionArgs {
  @Field(() => InvoiceStatus, { nullable: true, description: 'Only invoices with this status.' })
  status?: InvoiceStatus | null;
}

@Resolver(() => OrganizationType)
export class OrganizationBillingResolver {
  @FieldResolver(() => InvoiceType, {
    nullable: true,
    description: 'What the invoice for the current period would be if it closed now; status DRAFT, never stored (R18).',
  })
  @HasPermission(Permission.MANAGE_BILLING)
  upcomingInvoice(@Root() org: Organization, @Ctx() ctx: RequestContext) {
    return ctx.services.invoices.upcoming(ctx, org.id);
  }

  @FieldResolver(() => InvoiceConnection, { nullable: true, description: 'Issued invoices, newest first (R17).' })
  @HasPermission(Permission.MANAGE_BILLING)
  invoices(@Root() org: Organization, @Ctx() ctx: RequestContext, @Args() { status, ...page }: InvoicesArgs) {
    return ctx.services.invoices.list(ctx.em, org.id, status, page);
  }

  @FieldResolver(() => InvoiceType, {
    nullable: true,
    description: "One issued invoice of this organization (another organization's id: NOT_FOUND).",
  })
  @HasPermission(Permission.MANAGE_BILLING)
  invoice(
    @Root() org: Organization,
    @Ctx() ctx: RequestContext,
    @IdArg('id', { description: 'The invoice.' }) id: string,
  ) {
    return findInOrganization(ctx.em, Invoice, id, org.id);
  }

  @FieldResolver(() => BillingContactsType, {
    nullable: true,
    description: 'Who receives invoice notifications (R22).',
  })
  @HasPermission(Permission.MANAGE_BILLING)
  billingContacts(@Root() org: Organization, @Ctx() ctx: RequestContext) {
    return ctx.services.contacts.contacts(ctx.em, org.id);
  }

  @Mutation(() => BillingContactsType, {
    description: 'Sets the point of contact and additional billing emails (R22). Allowed after termination (R21).',
  })
  @HasPermission(Permission.MANAGE_BILLING)
  updateBillingContacts(
    @Ctx() ctx: RequestContext,
    @Arg('input', () => BillingContactsInput, { description: 'The contacts.' }) input: BillingContactsInput,
    @IdArg('organizationId', {
      nullable: true,
      description: 'Operators: the organization; others: their own (the default).',
    })
    organizationId?: string | null,
  ) {
    return ctx.services.contacts.update(ctx, input, organizationId);
  }

  @Mutation(() => InvoiceType, {
    description: PAY_INVOICE_DESCRIPTION,
  })
  @HasPermission(Permission.MANAGE_BILLING)
  payInvoice(
    @Ctx() ctx: RequestContext,
    @IdArg('invoiceId', { description: 'The invoice.' }) invoiceId: string,
    @TextArg('idempotencyKey', TEXT.idempotencyKey, {
      description: PAY_INVOICE_IDEMPOTENCY_KEY_DESCRIPTION,
    })
    idempotencyKey: string,
  ) {
    return ctx.services.invoicePayments.pay(ctx, invoiceId, idempotencyKey);
  }

  @Mutation(() => OrganizationType, {
    description: REQUEST_TERMINATION_DESCRIPTION,
  })
  @HasPermission(Permission.MANAGE_BILLING)
  requestTermination(
    @Ctx() ctx: RequestContext,
    @TextArg('reason', TEXT.terminationReason, { nullable: true, description: 'Why, for support (optional).' })
    reason?: string | null,
  ) {
    return ctx.services.lifecycle.requestTermination(ctx, reason);
  }

  @Mutation(() => InvoiceType, {
    description:
      "Ends the organization's current period now, issues its invoice (status OPEN) and starts the next period.",
  })
  @OperatorOnly()
  closeBillingPeriod(
    @Ctx() ctx: RequestContext,
    @IdArg('organizationId', { description: 'The organization.' }) organizationId: string,
  ) {
    return ctx.services.invoices.closeCurrentPeriod(ctx, organizationId);
  }

  @Mutation(() => OrganizationType, {
    description:
      'Operators (R21): closes the last period into a final invoice and sets TERMINATED. Open invoices stay payable.',
  })
  @OperatorOnly()
  finalizeTermination(
    @Ctx() ctx: RequestContext,
    @IdArg('organizationId', { description: 'The organization.' }) organizationId: string,
  ) {
    return ctx.services.lifecycle.finalizeTermination(ctx, organizationId);
  }
}

@Resolver(() => InvoiceType)
export class InvoiceResolver {
  @FieldResolver(() => [InvoiceLineItemType], { description: 'The lines, in order (R17).' })
  async lineItems(@Root() invoice: InvoiceView, @Ctx() ctx: RequestContext) {
    const lines = isDraftInvoice(invoice) ? invoice.lines : await ctx.loaders.invoiceLines.load(invoice.id);
    return lines.map((l) => ({ ...l, unitPrice: money(l.unitPriceCents), amount: money(l.amountCents) }));
  }

  @FieldResolver(() => MoneyType, { description: 'Σ line amounts.' })
  subtotal(@Root() invoice: InvoiceView) {
    return money(invoice.subtotalCents);
  }

  @FieldResolver(() => MoneyType, {
    description: 'What is billed: equals subtotal (no taxes or discounts at invoice level).',
  })
  total(@Root() invoice: InvoiceView) {
    return money(invoice.totalCents);
  }

  @FieldResolver(() => MoneyType, { description: 'Σ succeeded payments (R19).' })
  amountPaid(@Root() invoice: InvoiceView) {
    return money(invoice.amountPaidCents);
  }

  @FieldResolver(() => MoneyType, {
    description: 'total − amountPaid − the credit notes that lowered it (R33; refunds leave it alone).',
  })
  amountDue(@Root() invoice: InvoiceView) {
    return money(amountDueCents(invoice));
  }

  @FieldResolver(() => [PaymentType], {
    description: 'Charge attempts for this invoice, oldest first, declined ones included (R19), and refunds (R33).',
  })
  payments(@Root() invoice: InvoiceView, @Ctx() ctx: RequestContext) {
    return isDraftInvoice(invoice) ? [] : ctx.services.invoicePayments.paymentsOf(ctx.em, invoice.id);
  }

  @FieldResolver(() => [NotificationType], {
    description: 'Mail about this invoice: issued, reminders, receipts, failures (R22–R24).',
  })
  notifications(@Root() invoice: InvoiceView, @Ctx() ctx: RequestContext) {
    return isDraftInvoice(invoice) ? [] : ctx.services.invoices.notificationsOf(ctx.em, invoice.id);
  }
}
