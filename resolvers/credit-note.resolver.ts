import { Arg, Args, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { SafeIntResolver } from 'graphql-scalars';
import { CreditNote, CreditNoteReason, Invoice, Organization, Permission } from '../entities';
import { MAX_LENGTH } from '../entities/lengths';
import type { RequestContext } from '../src/server/context';
import { isDraftInvoice, type InvoiceView } from '../src/services/invoice.service';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../src/services/bounds';
import { ConnectionArgs } from './types/connection.type';
import { CreditNoteConnection, CreditNoteType } from './types/credit-note.type';
import { HasPermission, OperatorOnly } from './types/directives';
import { InvoiceType } from './types/invoice.type';
import { money, MoneyType } from './types/money.type';
import { OrganizationType } from './types/organization.type';
import { IdArg, TextArg, TEXT } from './types/validation';

const ISSUE_CREDIT_NOTE_DESCRIPTION =
  'Corrects an issued invoice (R33): lowers its amount due, or refunds a PAID one to the card. Idempotent by key (R19).';

/** R33: issueCreditNote (operators) and a credit note's fields. */
@Resolver(() => CreditNoteType)
export class CreditNoteResolver {
  @Mutation(() => CreditNoteType, { description: ISSUE_CREDIT_NOTE_DESCRIPTION })
  @OperatorOnly()
  issueCreditNote(
    @Ctx() ctx: RequestContext,
    @IdArg('invoiceId', { description: 'An issued invoice, OPEN or PAID (the DRAFT preview: BAD_USER_INPUT).' })
    invoiceId: string,
    @Arg('amountCents', () => SafeIntResolver, {
      description: 'Positive integer cents, at most the invoice total less its earlier credit notes.',
    })
    amountCents: number,
    @Arg('reason', () => CreditNoteReason, { description: 'Why.' }) reason: CreditNoteReason,
    @TextArg(
      'memo',
      { max: MAX_LENGTH.creditNoteMemo, multiline: true },
      { nullable: true, description: `A note for the record, at most ${MAX_LENGTH.creditNoteMemo} characters.` },
    )
    memo: string | null | undefined,
    @TextArg('idempotencyKey', TEXT.idempotencyKey, {
      description: `A key unique to this credit note (1–${MAX_IDEMPOTENCY_KEY_LENGTH} characters), kept at least 24 hours.`,
    })
    idempotencyKey: string,
  ) {
    return ctx.services.creditNotes.issue(ctx, { invoiceId, amountCents, reason, memo, idempotencyKey });
  }

  @FieldResolver(() => InvoiceType, { description: 'The invoice it corrects.' })
  invoice(@Root() note: CreditNote, @Ctx() ctx: RequestContext) {
    return ctx.em.findOneByOrFail(Invoice, { id: note.invoiceId, organizationId: note.organizationId });
  }

  @FieldResolver(() => MoneyType, { description: 'What it credits (positive).' })
  amount(@Root() note: CreditNote) {
    return money(note.amountCents);
  }

  @FieldResolver(() => MoneyType, {
    description: 'The part refunded to the card (on a PAID invoice); the rest lowered the amount due.',
  })
  refunded(@Root() note: CreditNote) {
    return money(note.refundedCents);
  }
}

/** R33: Organization.creditNotes. */
@Resolver(() => OrganizationType)
export class OrganizationCreditNotesResolver {
  @FieldResolver(() => CreditNoteConnection, {
    nullable: true,
    description: "The organization's credit notes, newest first (R33).",
  })
  @HasPermission(Permission.MANAGE_BILLING)
  creditNotes(@Root() org: Organization, @Ctx() ctx: RequestContext, @Args() page: ConnectionArgs) {
    return ctx.services.creditNotes.list(ctx.em, org.id, page);
  }
}

/** R33: Invoice.creditNotes and Invoice.credited. */
@Resolver(() => InvoiceType)
export class InvoiceCreditNotesResolver {
  @FieldResolver(() => [CreditNoteType], { description: 'Its credit notes, oldest first (R33); none on a preview.' })
  creditNotes(@Root() invoice: InvoiceView, @Ctx() ctx: RequestContext) {
    return isDraftInvoice(invoice) ? [] : ctx.services.creditNotes.ofInvoices(ctx.em, [invoice.id]);
  }

  @FieldResolver(() => MoneyType, { description: 'Sum of its credit notes.' })
  credited(@Root() invoice: InvoiceView) {
    return money(isDraftInvoice(invoice) ? 0 : invoice.creditedCents);
  }
}
