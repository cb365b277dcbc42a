import { Field, Int, ObjectType } from 'type-graphql';
import { LicenseKind } from '../../entities/enums';
import { MoneyType } from './money.type';
import './enums';

@ObjectType('License', { description: 'R7–R10: the license the contract bills by, over the open billing period.' })
export class LicenseType {
  @Field(() => LicenseKind, { description: "R7: USER seats or LOCATION licenses (the contract's model)." })
  kind: LicenseKind;
  @Field(() => Int, {
    description:
      'Seats (USER) or locations (LOCATION) included in the contract; the billed number is never lower (R9).',
  })
  contracted: number;
  @Field(() => Int, {
    description:
      'Active users (USER) or active locations (LOCATION) right now. R10: under LOCATION users hold no seats.',
  })
  inUse: number;
  @Field(() => Int, {
    description:
      "Contracted licenses not in use: max(0, contracted − inUse). R8: a deactivated user's seat is free for the next activation.",
  })
  available: number;
  @Field(() => Int, { description: 'Licenses in use beyond the contract: max(0, inUse − contracted) (R11).' })
  overage: number;
  @Field(() => Int, {
    description:
      'Most simultaneously in use at any moment of the current period so far (R9; deactivations count before activations at one instant, so a transfer is no peak). Invoices bill max(peak, contracted).',
  })
  peakThisPeriod: number;
  @Field(() => Date, {
    nullable: true,
    description: 'The first moment that peak was reached (R9); null when nothing was in use.',
  })
  peakAt: Date | null;
  @Field(() => MoneyType, {
    description:
      'Price of one seat (USER) or one location (LOCATION) for one period; overage is charged at this price (R11).',
  })
  unitPrice: MoneyType;
}
