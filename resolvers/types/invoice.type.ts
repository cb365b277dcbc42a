import { registerEnumType, Field, ID, Int, ObjectType } from 'type-graphql';
import { InvoiceStatus, LineItemKind, NotificationKind, NotificationStatus } from '../../entities';
import { ConnectionType } from './connection.type';
import { MoneyType } from './money.type';

const BILLING_CONTACTS_RECIPIENTS_DESCRIPTION =
  'Who invoice notifications go to now: the point of contact, the additional emails and every active ' +
  'user holding MANAGE_BILLING, lower-cased, without duplicates.';

registerEnumType(InvoiceStatus, {
  name: 'InvoiceStatus',
  description: 'R17–R19: where an invoice is in its life.',
  valuesConfig: {
    DRAFT: { description: 'The upcoming invoice of the open period (R18): a preview, never stored.' },
    OPEN: { description: 'Issued and awaiting payment; reminders go out before the due date (R23).' },
    PAID: { description: 'Paid in full (or issued at $0.00).' },
    VOID: { description: 'Cancelled by an operator; nothing is owed.' },
    UNCOLLECTIBLE: { description: 'Written off as uncollectible.' },
  },
});
registerEnumType(LineItemKind, {
  name: 'LineItemKind',
  description: 'R17: what an invoice line bills.',
  valuesConfig: {
    SEATS: { description: 'Contracted seats × seat price (USER model, R9).' },
    SEAT_OVERAGE: { description: 'Peak active users above the contracted seats × seat price (R9).' },
    LOCATIONS: { description: 'Contracted locations × location price (LOCATION model, R10).' },
    LOCATION_OVERAGE: { description: 'Peak active locations above the contracted number × location price (R10).' },
    CREDIT_PURCHASE: { description: 'An annual upfront credit purchase of the period at its volume price (R13).' },
    CREDIT_OVERAGE: { description: 'Credits used at zero balance × the credit unit price (R15).' },
  },
});
registerEnumType(NotificationKind, {
  name: 'NotificationKind',
  description: 'R22–R24: why a notification was sent.',
  valuesConfig: {
    INVOICE_ISSUED: { description: 'A period closed and its invoice was issued (R17).' },
    INVOICE_REMINDER: { description: 'The invoice is due in 15, 7, 3 or 1 days (R23).' },
    PAYMENT_RECEIPT: { description: 'A payment succeeded (R19).' },
    PAYMENT_FAILED: { description: 'A charge was declined (R19).' },
    TERMINATION_REQUESTED: { description: 'The organization asked to terminate; support is told (R21).' },
    BILLING_ALERT: { description: 'An alert rule with the EMAIL channel raised an alert (R26).' },
    CREDIT_NOTE_ISSUED: { description: 'An operator issued a credit note on the invoice (R33).' },
  },
});
registerEnumType(NotificationStatus, {
  name: 'NotificationStatus',
  description: 'R24: delivery state in the outbox.',
  valuesConfig: {
    PENDING: { description: 'Written; not delivered yet (or waiting to retry).' },
    SENT: { description: 'Delivered.' },
    FAILED: { description: 'Gave up after the bounded number of attempts.' },
  },
});

@ObjectType('InvoiceLineItem', { description: 'One line of an invoice (R17).' })
export class InvoiceLineItemType {
  @Field(() => LineItemKind, { description: 'What the line bills.' }) kind: LineItemKind;
  @Field({ description: 'Readable, e.g. "Peak of 4 active users on Nov 3, 2026, 3 contracted".' }) description: string;
  @Field(() => Int, { description: 'How many units.' }) quantity: number;
  @Field(() => MoneyType, { description: 'Price of one unit.' }) unitPrice: MoneyType;
  @Field(() => MoneyType, { description: 'quantity × unitPrice.' }) amount: MoneyType;
  @Field(() => Date, {
    nullable: true,
    description: 'For SEATS, SEAT_OVERAGE, LOCATIONS and LOCATION_OVERAGE: when the billed peak was first reached.',
  })
  peakAt: Date | null;
}

@ObjectType('Notification', { description: 'A mail in the outbox (R22–R24).' })
export class NotificationType {
  @Field(() => ID, { description: 'Opaque id.' }) id: string;
  @Field(() => NotificationKind, { description: 'Why it was sent.' }) kind: NotificationKind;
  @Field(() => Int, { nullable: true, description: 'For INVOICE_REMINDER: days before the due date (15, 7, 3 or 1).' })
  offsetDays: number | null;
  @Field(() => [String], { description: 'Who it goes to: a snapshot taken when it was written (R22).' })
  recipients: string[];
  @Field(() => NotificationStatus, { description: 'PENDING, SENT or FAILED (R24).' }) status: NotificationStatus;
  @Field({ description: 'When it was written (in the transaction that caused it).' }) createdAt: Date;
  @Field(() => Date, { nullable: true, description: 'When it was delivered.' }) sentAt: Date | null;
}

@ObjectType('Invoice', { description: 'An issued invoice (R17), or the DRAFT preview of the open period (R18).' })
export class InvoiceType {
  @Field(() => ID, { description: 'Opaque id; the preview\'s starts with "upcoming-".' }) id: string;
  @Field(() => String, {
    nullable: true,
    description: 'Null on a DRAFT preview. Otherwise INV-000001, INV-000002…: unique and gapless per organization.',
  })
  number: string | null;
  @Field(() => InvoiceStatus, { description: 'DRAFT, OPEN, PAID, VOID or UNCOLLECTIBLE.' }) status: InvoiceStatus;
  @Field({ description: 'First instant billed.' }) periodStart: Date;
  @Field({ description: 'First instant after the billed period.' }) periodEnd: Date;
  @Field(() => Date, { nullable: true, description: 'When it was issued; null on a preview.' }) issuedAt: Date | null;
  @Field(() => Date, { nullable: true, description: "issuedAt + the contract's paymentTermsDays; null on a preview." })
  dueAt: Date | null;
  @Field({ description: 'Always USD.' }) currency: string;
}

export const InvoiceConnection = ConnectionType('Invoice', InvoiceType, 'invoice');

@ObjectType('BillingContacts', { description: 'R22: who receives invoice notifications.' })
export class BillingContactsType {
  @Field(() => String, { nullable: true, description: 'The point of contact on the Billing page.' })
  pointOfContactEmail: string | null;
  @Field(() => [String], { description: 'More addresses for invoice notifications.' }) additionalEmails: string[];
  @Field(() => [String], {
    description: BILLING_CONTACTS_RECIPIENTS_DESCRIPTION,
  })
  recipients: string[];
}
