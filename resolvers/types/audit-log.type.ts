import { GraphQLScalarType } from 'graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import { ArgsType, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ActorKind, AuditAction, AuditChange } from '../../entities';
import { ConnectionArgs, ConnectionType } from './connection.type';
import { IsId } from './validation';

/** The contract's JSONObject: graphql-scalars' JSON object scalar. */
export const JSONObjectScalar: GraphQLScalarType = JSONObjectResolver;

registerEnumType(AuditAction, {
  name: 'AuditAction',
  description: 'R31: what a billing-relevant change did.',
  valuesConfig: {
    ORGANIZATION_CREATED: { description: 'An operator created the organization (createOrganization).' },
    USER_ADDED: { description: 'addUser.' },
    USER_DEACTIVATED: { description: 'deactivateUser.' },
    USER_REACTIVATED: { description: 'reactivateUser.' },
    LOCATION_ADDED: { description: 'addLocation.' },
    LOCATION_DEACTIVATED: { description: 'deactivateLocation.' },
    ROLE_PERMISSION_SET: { description: "setRolePermission (target: the role; changes: the permission's grant)." },
    USER_PERMISSION_SET: {
      description: "setUserPermission (changes: the user's override of the permission, null for none).",
    },
    CONTRACT_UPDATED: { description: 'updateContract (changes: the terms that changed).' },
    BILLING_CONTACTS_UPDATED: { description: 'updateBillingContacts.' },
    PAYMENT_METHOD_UPDATED: {
      description: "updatePaymentMethod: only whether a card was on file, never the card's details.",
    },
    CREDITS_PURCHASED: { description: 'purchaseCredits, charged.' },
    CREDITS_GRANTED: { description: 'grantCredits (operators).' },
    CREDITS_EXPIRED: { description: 'A credit lot expired with credits left (SYSTEM).' },
    TRAINING_STARTED: { description: "startTraining consumed the assignment's credits." },
    ASSIGNMENT_CANCELLED: { description: 'cancelAssignment.' },
    INVOICE_ISSUED: { description: 'A billing period closed into an invoice (scheduler, operator, or termination).' },
    INVOICE_PAID: { description: 'payInvoice, charged.' },
    PAYMENT_FAILED: { description: 'The provider declined a charge (an invoice payment or a credit purchase).' },
    CREDIT_NOTE_ISSUED: { description: 'A credit note corrected an issued invoice (R33).' },
    ALERT_ACKNOWLEDGED: { description: 'acknowledgeAlert.' },
    ALERT_RULE_CREATED: { description: 'createAlertRule.' },
    ALERT_RULE_UPDATED: { description: 'updateAlertRule.' },
    ALERT_RULE_DELETED: { description: 'deleteAlertRule.' },
    TERMINATION_REQUESTED: { description: 'requestTermination (reason: the one given).' },
    TERMINATION_FINALIZED: { description: 'finalizeTermination (operators).' },
  },
});

registerEnumType(ActorKind, {
  name: 'ActorKind',
  description: 'R31: who made a change.',
  valuesConfig: {
    USER: { description: 'A user of the organization (actor).' },
    OPERATOR: { description: 'A platform operator, by its verified token subject (actorSubject).' },
    SYSTEM: { description: 'The platform itself: the scheduler, or time (a credit lot expiring).' },
  },
});

const AUDIT_EVENT_DESCRIPTION =
  'R31: one billing-relevant change, written in the transaction of the change; the log is append-only (the ' +
  'database refuses updates and deletes).';

@ObjectType('AuditEvent', { description: AUDIT_EVENT_DESCRIPTION })
export class AuditEventType {
  @Field(() => ID, { description: 'Opaque; time-ordered.' }) id: string;
  @Field(() => AuditAction, { description: 'What the change did.' }) action: AuditAction;
  @Field(() => ActorKind, { description: 'USER, OPERATOR or SYSTEM.' }) actorKind: ActorKind;
  @Field(() => String, {
    nullable: true,
    description: 'The verified token subject of the user or operator who acted; null for SYSTEM.',
  })
  actorSubject: string | null;
  @Field({ description: 'e.g. User, Location, Contract, Invoice.' }) targetType: string;
  @Field(() => ID, { description: 'The id of the target (for ROLE_PERMISSION_SET: the role).' }) targetId: string;
  @Field(() => JSONObjectScalar, {
    description: 'The fields changed, each as { before, after }; never a token, card detail or secret.',
  })
  changes: Record<string, AuditChange>;
  @Field(() => String, { nullable: true, description: 'The reason given with the change, if any.' })
  reason: string | null;
  @Field(() => String, {
    nullable: true,
    description: "The id of the request that made it (the request log's requestId, the X-Request-Id response header).",
  })
  requestId: string | null;
  @Field({ description: 'When the change happened (UTC).' }) createdAt: Date;
}

export const AuditEventConnection = ConnectionType('AuditEvent', AuditEventType, 'audit event');

@ArgsType()
export class AuditLogArgs extends ConnectionArgs {
  @Field(() => AuditAction, { nullable: true, description: 'Only events of this action.' })
  action?: AuditAction | null;
  @Field(() => ID, { nullable: true, description: 'Only events this user made (actorKind USER).' })
  @IsId()
  actorId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only events about this target.' })
  @IsId()
  targetId?: string | null;
  @Field(() => Date, {
    nullable: true,
    description: 'Only events at or after this instant; one in the future is BAD_USER_INPUT.',
  })
  since?: Date | null;
}
