import { Field, Float, ObjectType } from 'type-graphql';
import { MoneyType } from './money.type';

const BILLING_FORECAST_DESCRIPTION =
  'R28: where credits and the upcoming invoice are heading at the trailing 30 days\u2019 burn rate (daily credit ' +
  'tallies: today and the 29 days before it).';

const CREDIT_BURN_PER_DAY_DESCRIPTION =
  'Credits consumed (from the balance and as overage) over the trailing 30 days \u00f7 days: 30, or the days since ' +
  'the first consumption when fewer, at least 1; 0 with no consumption (R28).';

const PROJECTED_INVOICE_TOTAL_DESCRIPTION =
  'The upcoming invoice total plus, at the credit unit price, the overage credits (rounded up) this burn would add ' +
  'by the period end beyond the available balance (R28).';

@ObjectType('BillingForecast', { description: BILLING_FORECAST_DESCRIPTION })
export class BillingForecastType {
  @Field(() => Float, { description: CREDIT_BURN_PER_DAY_DESCRIPTION })
  creditBurnPerDay: number;
  @Field(() => Date, { nullable: true, description: 'Null while nothing is being consumed.' })
  creditsExhaustedAt: Date | null;
  @Field(() => MoneyType, { description: PROJECTED_INVOICE_TOTAL_DESCRIPTION })
  projectedInvoiceTotal: MoneyType;
}
