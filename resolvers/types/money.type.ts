import { Field, ObjectType } from 'type-graphql';
import { SafeIntResolver } from 'graphql-scalars';
import { formatUsd } from '../../src/common/money';

@ObjectType('Money', { description: 'An amount of money in the smallest unit of its currency (cents for USD).' })
export class MoneyType {
  @Field(() => SafeIntResolver, { description: 'Integer cents; never floating point.' }) cents: number;
  @Field({ description: 'ISO 4217 currency code; always USD.' }) currency: string;
  @Field({ description: 'e.g. $1,234.50' }) formatted: string;
}

export function money(cents: number): MoneyType {
  return { cents, currency: 'USD', formatted: formatUsd(cents) };
}
