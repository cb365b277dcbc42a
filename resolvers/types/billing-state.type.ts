import { Field, ID, Int, ObjectType } from 'type-graphql';
import { LicenseKind } from '../../entities/enums';
import { MoneyType } from './money.type';
import './enums';

@ObjectType('BillingState', {
  description: "The organization's live counters (R27): scalars only, computed once per organization per push.",
})
export class BillingStateType {
  @Field(() => ID, { description: 'The organization these counters are of.' })
  organizationId: string;
  @Field(() => LicenseKind, { description: "The contract's license model (R7), as License.kind." })
  licenseKind: LicenseKind;
  @Field(() => Int, {
    description: 'Seats (USER) or locations (LOCATION) included in the contract, as License.contracted.',
  })
  contracted: number;
  @Field(() => Int, { description: 'Active users (USER) or active locations (LOCATION) now.' })
  inUse: number;
  @Field(() => Int, { description: 'Most simultaneously in use this period so far (R9), as License.peakThisPeriod.' })
  peakThisPeriod: number;
  @Field(() => Date, { nullable: true, description: 'The first moment that peak was reached (R9), as License.peakAt.' })
  peakAt: Date | null;
  @Field(() => Int, { description: 'Credits available now (R16), as CreditBalance.available.' })
  creditsAvailable: number;
  @Field(() => Int, {
    description: 'Credits consumed beyond the balance this period (R15), as CreditBalance.overageThisPeriod.',
  })
  creditOverageThisPeriod: number;
  @Field(() => MoneyType, {
    description:
      "The upcoming invoice's total (R18), as Organization.upcomingInvoice.total (zero without an open period).",
  })
  upcomingInvoiceTotal: MoneyType;
  @Field(() => Date, { description: 'The commit this state reflects.' })
  at: Date;
}
