import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { CreditNoteReason } from '../../entities/credit-note.entity';
import { ConnectionType } from './connection.type';

registerEnumType(CreditNoteReason, {
  name: 'CreditNoteReason',
  description: 'R33: why an operator issued a credit note.',
  valuesConfig: {
    DUPLICATE: { description: 'The invoice billed something twice.' },
    BILLING_ERROR: { description: 'A line or price was wrong.' },
    SERVICE_ISSUE: { description: 'Compensation for a problem with the service.' },
    GOODWILL: { description: 'A gesture of goodwill.' },
    OTHER: { description: 'Anything else (say what in the memo).' },
  },
});

/** R33: a credit note as the API shows it (amount, refunded and invoice are resolved by CreditNoteResolver). */
@ObjectType('CreditNote', {
  description: 'R33: a correction of an issued invoice by an operator; immutable once issued.',
})
export class CreditNoteType {
  @Field(() => ID, { description: 'Opaque id; the same for every call with the same idempotency key (R19).' })
  id: string;
  @Field({ description: 'CN-000001, gapless per organization.' }) number: string;
  @Field(() => CreditNoteReason, { description: 'Why it was issued.' }) reason: CreditNoteReason;
  @Field(() => String, { nullable: true, description: "The operator's note, if any." }) memo: string | null;
  @Field({ description: 'When it was issued (UTC).' }) createdAt: Date;
}

export const CreditNoteConnection = ConnectionType('CreditNote', CreditNoteType, 'credit note');
