import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';

@InputType('BillingContactsInput', { description: 'R22: omitted fields keep their value; an empty pointOfContactEmail clears it.' })
export class BillingContactsInput {
  @Field(() => String, { nullable: true, description: 'The point of contact\'s email.' }) @IsOptional() @MaxLength(254) pointOfContactEmail?: string | null;
  @Field(() => [String], { nullable: true, description: 'Replaces the additional emails (at most 20).' }) @IsOptional() @ArrayMaxSize(20) additionalEmails?: string[] | null;
}
