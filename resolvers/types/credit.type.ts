import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AssignmentStatus } from '../../entities/training-assignment.entity';
import { CreditEntryKind } from '../../entities/credit-ledger-entry.entity';
import { CreditSource } from '../../entities/credit-lot.entity';
import { PaymentKind, PaymentStatus } from '../../entities/payment.entity';
import {
  DEFAULT_ASSIGNMENT_CREDITS,
  MAX_ASSIGNMENT_CREDITS,
  MAX_CONTENT_ID_LENGTH,
  MAX_CREDIT_QUANTITY,
  MIN_ASSIGNMENT_CREDITS,
  MIN_CREDIT_QUANTITY,
} from '../../src/services/bounds';
import { ConnectionType } from './connection.type';
import { MoneyType } from './money.type';
import { UserType } from './organization.type';
import { IsId, IsText, TEXT } from './validation';

const CREDIT_LEDGER_ENTRY_QUANTITY_DESCRIPTION =
  'Signed: positive adds credits, negative removes them; OVERAGE entries count credits billed, not ' +
  'taken from a lot.';

const ASSIGN_PREMIUM_CONTENT_INPUT_CREDITS_DESCRIPTION =
  `Credits the training costs, ${MIN_ASSIGNMENT_CREDITS} to ${MAX_ASSIGNMENT_CREDITS} (default ` +
  `${DEFAULT_ASSIGNMENT_CREDITS}), consumed when the assignee starts (R14).`;

registerEnumType(PaymentKind, {
  name: 'PaymentKind',
  description: 'R19, R33: which way the money went.',
  valuesConfig: {
    CHARGE: { description: 'Charged to the card on file (a payment or a credit purchase).' },
    REFUND: { description: 'Given back to the card by a credit note on a PAID invoice (R33).' },
  },
});

registerEnumType(CreditSource, {
  name: 'CreditSource',
  description: 'R13: how a credit lot was bought.',
  valuesConfig: {
    ANNUAL: { description: 'An annual upfront purchase (grantCredits): billed on the next invoice; may expire.' },
    DASHBOARD: {
      description: 'Bought on the dashboard (purchaseCredits): charged at once to the card on file; never expires.',
    },
  },
});
registerEnumType(CreditEntryKind, {
  name: 'CreditEntryKind',
  description: 'R16: what a credit ledger entry records.',
  valuesConfig: {
    PURCHASE: { description: 'A dashboard purchase added credits (R13).' },
    GRANT: { description: 'An annual upfront purchase added credits (R13).' },
    CONSUMPTION: { description: 'Training started: credits taken from one lot (R14, R15).' },
    OVERAGE: {
      description:
        'Training started at zero balance: credits billed at the credit unit price; the balance is unchanged (R15).',
    },
    EXPIRY: { description: 'A lot passed its expiry: what remained of it stops counting.' },
  },
});
registerEnumType(AssignmentStatus, {
  name: 'AssignmentStatus',
  description: 'R14: the life of a premium content assignment.',
  valuesConfig: {
    ASSIGNED: { description: 'Assigned; nothing consumed yet; may still be cancelled for free.' },
    STARTED: { description: 'The assignee began training: its credits were consumed, exactly once.' },
    CANCELLED: { description: 'Cancelled before start; nothing was consumed.' },
  },
});
registerEnumType(PaymentStatus, {
  name: 'PaymentStatus',
  description: 'R13, R19: the outcome of a charge on the payment method on file.',
  valuesConfig: {
    SUCCEEDED: { description: 'The provider charged the card.' },
    FAILED: { description: 'The provider declined the charge; see failureCode.' },
  },
});

@ObjectType('PaymentMethod', {
  description: 'R20: the card on file, as the payment provider describes it; card numbers never reach the API.',
})
export class PaymentMethodType {
  @Field({ description: 'Card brand, e.g. Visa, Mastercard.' }) brand: string;
  @Field({ description: 'Last four digits of the card number.' }) last4: string;
  @Field(() => Int, { description: 'Expiry month, 1 to 12.' }) expMonth: number;
  @Field(() => Int, { description: 'Expiry year, four digits.' }) expYear: number;
}

@ObjectType('Payment', {
  description: 'R13, R19: one charge attempt on the payment method on file; declined ones are recorded too.',
})
export class PaymentType {
  @Field(() => ID, { description: 'Opaque id.' }) id: string;
  @Field(() => MoneyType, { description: 'The amount charged (or attempted).' }) amount: MoneyType;
  @Field(() => PaymentStatus, { description: 'SUCCEEDED or FAILED.' }) status: PaymentStatus;
  @Field(() => PaymentKind, {
    description: 'REFUND: money returned to the card by a credit note on a PAID invoice (amount positive).',
  })
  kind: PaymentKind;
  @Field(() => String, { nullable: true, description: 'e.g. card_declined, insufficient_funds; null when SUCCEEDED.' })
  failureCode: string | null;
  @Field({ description: 'When the charge was attempted (UTC).' }) createdAt: Date;
}

@ObjectType('CreditLot', {
  description: 'R13, R15: credits bought together; consumption takes from the soonest-expiring lot first.',
})
export class CreditLotType {
  @Field(() => ID, { description: 'Opaque id.' }) id: string;
  @Field(() => CreditSource, { description: 'ANNUAL (grantCredits) or DASHBOARD (purchaseCredits) (R13).' })
  source: CreditSource;
  @Field(() => Int, { description: 'Credits bought.' }) quantity: number;
  @Field(() => Int, { description: 'Credits left (0 once consumed or expired).' }) remaining: number;
  @Field(() => MoneyType, { description: 'Price paid per credit after the volume discount (R12), rounded half up.' })
  unitPrice: MoneyType;
  @Field({ description: 'When the lot was bought or granted (UTC).' }) purchasedAt: Date;
  @Field(() => Date, { nullable: true, description: 'Null: never expires (dashboard purchases, R13).' })
  expiresAt: Date | null;
}

@ObjectType('TrainingAssignment', {
  description: 'R14: premium content assigned to a user; credits are consumed when the assignee starts, exactly once.',
})
export class TrainingAssignmentType {
  @Field(() => ID, { description: 'Opaque id.' }) id: string;
  @Field(() => UserType, { description: "The assignee (R15: consumed credits stay bound to this user's assignment)." })
  user: UserType;
  @Field({ description: "The premium content (the content catalogue's id)." }) contentId: string;
  @Field(() => Int, { description: 'Credits the training costs, consumed at start (R14).' }) credits: number;
  @Field(() => AssignmentStatus, { description: 'ASSIGNED, STARTED or CANCELLED (R14).' }) status: AssignmentStatus;
  @Field({ description: 'When the content was assigned (UTC); consumes nothing (R14).' }) assignedAt: Date;
  @Field(() => Date, { nullable: true, description: 'When the assignee began training (UTC); null before.' })
  startedAt: Date | null;
  @Field(() => Int, { description: 'Of the credits consumed at start: how many came from the balance (R15).' })
  creditsFromBalance: number;
  @Field(() => Int, {
    description: 'Of the credits consumed at start: how many were billed as overage at the credit unit price (R15).',
  })
  creditsOverage: number;
}

export const TrainingAssignmentConnection = ConnectionType(
  'TrainingAssignment',
  TrainingAssignmentType,
  'training assignment',
);

@ObjectType('CreditLedgerEntry', {
  description: 'R16: one immutable change of the credit balance, written in the transaction that made it.',
})
class CreditLedgerEntryType {
  @Field(() => ID, { description: 'Opaque id.' }) id: string;
  @Field(() => CreditEntryKind, { description: 'What happened (R16).' }) kind: CreditEntryKind;
  @Field(() => Int, {
    description: CREDIT_LEDGER_ENTRY_QUANTITY_DESCRIPTION,
  })
  quantity: number;
  @Field(() => Int, { description: 'The balance after this entry (R16: never below zero).' }) balanceAfter: number;
  @Field(() => CreditLotType, {
    nullable: true,
    description: 'The lot added, consumed from or expired; null for OVERAGE.',
  })
  lot: CreditLotType | null;
  @Field(() => TrainingAssignmentType, {
    nullable: true,
    description: 'The assignment whose start consumed credits (CONSUMPTION, OVERAGE).',
  })
  assignment: TrainingAssignmentType | null;
  @Field({ description: 'When the change happened (UTC).' }) createdAt: Date;
}

export const CreditLedgerConnection = ConnectionType('CreditLedger', CreditLedgerEntryType, 'credit ledger entry');

@ObjectType('CreditBalance', { description: "R15, R16: the organization's credits now and this billing period's use." })
export class CreditBalanceType {
  @Field(() => Int, {
    description: 'Credits available: the remainders of unexpired lots (R16: equals the ledger, never below zero).',
  })
  available: number;
  @Field(() => [CreditLotType], {
    description: 'Unexpired lots with credits left, soonest-expiring first (consumption order, R15).',
  })
  lots: CreditLotType[];
  @Field(() => Int, {
    description:
      'Credits consumed by trainings started in the open billing period, from the balance and as overage (R14).',
  })
  consumedThisPeriod: number;
  @Field(() => Int, { description: 'Credits used at zero balance this period, billed at the credit unit price (R15).' })
  overageThisPeriod: number;
  @Field(() => MoneyType, { description: "What this period's overage adds to its invoice (CREDIT_OVERAGE, R15)." })
  overageCharge: MoneyType;
  @Field(() => MoneyType, { description: 'The list price of one credit, also charged per overage credit (R12, R15).' })
  unitPrice: MoneyType;
}

@ObjectType('CreditQuote', {
  description: 'R12: the price of buying credits now: list price with the volume discount, in integer cents.',
})
export class CreditQuoteType {
  @Field(() => Int, {
    description: `Credits quoted, ${MIN_CREDIT_QUANTITY} to ${MAX_CREDIT_QUANTITY.toLocaleString('en-US')}.`,
  })
  quantity: number;
  @Field(() => MoneyType, {
    description: 'Price per credit after the discount: round-half-up(list × (100 − discount) / 100).',
  })
  unitPrice: MoneyType;
  @Field(() => Int, {
    description: 'Volume discount (R12): 0 below 100, 10 from 100, 15 from 500, 20 from 1000 credits.',
  })
  discountPercent: number;
  @Field(() => MoneyType, { description: 'List price × quantity.' }) subtotal: MoneyType;
  @Field(() => MoneyType, { description: 'Subtotal − total.' }) discount: MoneyType;
  @Field(() => MoneyType, { description: 'What is charged: round-half-up(subtotal × (100 − discount) / 100).' })
  total: MoneyType;
}

@ObjectType('CreditPurchase', { description: 'R13: a dashboard purchase, charged at once to the card on file.' })
export class CreditPurchaseType {
  @Field(() => ID, { description: 'Opaque id; the same for every call with the same idempotency key (R19).' })
  id: string;
  @Field(() => Int, { description: 'Credits bought.' }) quantity: number;
  @Field(() => MoneyType, { description: 'What was charged (R12 volume price).' }) total: MoneyType;
  @Field(() => CreditLotType, { description: 'The DASHBOARD lot bought; never expires.' }) lot: CreditLotType;
  @Field(() => PaymentType, { description: 'The successful charge.' }) payment: PaymentType;
}

@InputType('AssignPremiumContentInput', {
  description: 'R14: premium content for an active user of the organization; assigning consumes nothing.',
})
export class AssignPremiumContentInput {
  @Field(() => ID, { description: 'An active user of the same organization.' }) @IsId() userId: string;
  @Field({ description: `The premium content, 1 to ${MAX_CONTENT_ID_LENGTH} characters.` })
  @IsText(TEXT.contentId)
  contentId: string;
  @Field(() => Int, {
    nullable: true,
    description: ASSIGN_PREMIUM_CONTENT_INPUT_CREDITS_DESCRIPTION,
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_ASSIGNMENT_CREDITS, { message: `credits must be at least ${MIN_ASSIGNMENT_CREDITS}` })
  @Max(MAX_ASSIGNMENT_CREDITS, { message: `credits must be at most ${MAX_ASSIGNMENT_CREDITS}` })
  credits?: number | null;
}
