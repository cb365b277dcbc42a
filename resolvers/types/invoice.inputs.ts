import { ArrayMaxSize, IsOptional } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { IsText, TEXT } from './validation';

@InputType('BillingContactsInput', { description: 'R22: omitted fields keep their value; an empty pointOfContactEmail clears it.' })
export class BillingContactsInput {
  @Field(() => String, { nullable: true, description: 'The point of contact\'s email.' }) @IsOptional() @IsText(TEXT.email) pointOfContactEmail?: string | null;
  @Field(() => [String], { nullable: true, description: 'Replaces the additional emails (at most 20).' }) @IsOptional() @ArrayMaxSize(20) additionalEmails?: string[] | null;
}
