import { ArrayMaxSize, IsOptional } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { MAX_ADDITIONAL_EMAILS } from '../../src/services/bounds';
import { IsText, TEXT } from './validation';

@InputType('BillingContactsInput', {
  description: 'R22: omitted fields keep their value; an empty pointOfContactEmail clears it.',
})
export class BillingContactsInput {
  @Field(() => String, { nullable: true, description: "The point of contact's email." })
  @IsOptional()
  @IsText(TEXT.email)
  pointOfContactEmail?: string | null;
  @Field(() => [String], {
    nullable: true,
    description: `Replaces the additional emails (at most ${MAX_ADDITIONAL_EMAILS}).`,
  })
  @IsOptional()
  @ArrayMaxSize(MAX_ADDITIONAL_EMAILS)
  additionalEmails?: string[] | null;
}
