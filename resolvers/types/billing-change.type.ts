import { IsInt, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { AlertKind } from '../../entities';
import { MAX_ACTIVE_LICENSES } from '../../src/services/bounds';
import { InvoiceType } from './invoice.type';
import { MoneyType } from './money.type';
import { ContractInput } from './organization.inputs';

@InputType('BillingChangeInput', {
  description:
    'R32: a change to price as if made now. Parts left out change nothing; given together they apply in order: ' +
    'the contract, deactivations, activations, the credit purchase.',
})
export class BillingChangeInput {
  @Field(() => Int, {
    nullable: true,
    description:
      'Users to activate (positive) or deactivate (negative) now. Deactivating every active user: ' +
      'LAST_BILLING_MANAGER (R3). Under a LOCATION contract users hold no seats: priced as no change (R10).',
  })
  @IsOptional()
  @IsInt()
  @Min(-MAX_ACTIVE_LICENSES)
  @Max(MAX_ACTIVE_LICENSES)
  seatDelta?: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Locations to add (positive) or deactivate (negative) now. More than are active: CONFLICT. Under a USER ' +
      'contract locations are no licenses: priced as no change.',
  })
  @IsOptional()
  @IsInt()
  @Min(-MAX_ACTIVE_LICENSES)
  @Max(MAX_ACTIVE_LICENSES)
  locationDelta?: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Credits to buy now at the volume price (R12), checked as purchaseCredits checks them; charged at once, ' +
      'never on the invoice (chargedNow).',
  })
  creditPurchase?: number | null;

  @Field(() => ContractInput, {
    nullable: true,
    description: 'A different contract from now on, checked as updateContract checks it.',
  })
  @IsOptional()
  @ValidateNested()
  contract?: ContractInput | null;
}

@ObjectType('BillingChangePreview', {
  description: 'R32: the upcoming invoice as it is and as a change made now would make it. Nothing is written.',
})
export class BillingChangePreviewType {
  @Field(() => InvoiceType, { description: 'The upcoming invoice as things are.' }) current: unknown;
  @Field(() => InvoiceType, {
    description:
      "The upcoming invoice with the changes made now; its id differs from current's (current's id with " +
      '":preview-" and a hash of the change, stable for one change).',
  })
  proposed: unknown;
  @Field(() => MoneyType, { description: 'proposed.total minus current.total.' }) difference: MoneyType;
  @Field(() => MoneyType, {
    description: 'What a credit purchase in the input would charge at once (not on the invoice).',
  })
  chargedNow: MoneyType;
  @Field(() => [AlertKind], {
    description:
      'Alerts the changes would raise, in the order they would raise them, each kind once (R11, R16, R25, R26).',
  })
  alerts: AlertKind[];
  @Field({ description: 'False when the contract refuses the change (allowOverage false: LICENSE_LIMIT_REACHED).' })
  allowed: boolean;
}
