import { Field, ID, Int, ObjectType } from 'type-graphql';
import {
  BillingInterval,
  LicenseKind,
  LocationStatus,
  OrganizationStatus,
  Permission,
  Role,
  UserStatus,
} from '../../entities/enums';
import { ConnectionType } from './connection.type';
import { MoneyType } from './money.type';
import './enums';

@ObjectType('Location', {
  description: 'A place where users work. R10: under the LOCATION model each active location is one license.',
})
export class LocationType {
  @Field(() => ID, { description: 'Opaque id.' }) id: string;
  @Field({ description: "Name, unique among the organization's active locations." }) name: string;
  @Field(() => LocationStatus, { description: 'ACTIVE or INACTIVE.' }) status: LocationStatus;
  @Field({ description: 'When the location was added (UTC).' }) createdAt: Date;
}

@ObjectType('User', {
  description: 'A member of an organization. R8: an active user holds a seat under the USER model.',
})
export class UserType {
  @Field(() => ID, { description: "Opaque id; also the `sub` claim of the user's tokens (R6)." }) id: string;
  @Field({ description: 'Lower-cased email, unique across the platform.' }) email: string;
  @Field({ description: 'Display name.' }) name: string;
  @Field(() => Role, { description: 'Role, which gives default permissions (R1).' }) role: Role;
  @Field(() => UserStatus, { description: 'ACTIVE or DEACTIVATED (R8).' }) status: UserStatus;
  @Field(() => Date, { nullable: true, description: 'Last (re)activation.' }) activatedAt: Date | null;
  @Field(() => Date, { nullable: true, description: 'Last deactivation; null while active.' })
  deactivatedAt: Date | null;
}

export const UserConnection = ConnectionType('User', UserType, 'user');

@ObjectType('RolePermission', { description: 'R2: whether a role holds a permission in this organization.' })
export class RolePermissionType {
  @Field(() => Role, { description: 'The role.' }) role: Role;
  @Field(() => Permission, { description: 'The permission.' }) permission: Permission;
  @Field({ description: "Whether the role holds it: the organization's override, else the default (R1)." })
  granted: boolean;
  @Field({ description: 'True while no override is set for this role and permission.' }) isDefault: boolean;
}

@ObjectType('Contract', { description: 'The commercial terms of an organization (set by platform operators).' })
export class ContractType {
  @Field(() => LicenseKind, { description: 'R7: USER seats or LOCATION licenses.' }) licenseModel: LicenseKind;
  @Field(() => BillingInterval, { description: 'MONTHLY or ANNUAL billing periods.' }) billingInterval: BillingInterval;
  @Field(() => MoneyType, { description: 'Price of one seat for one period (USER model).' }) seatPrice: MoneyType;
  @Field(() => Int, { description: 'Seats included; the billed peak is never fewer (R9).' }) contractedSeats: number;
  @Field(() => MoneyType, { description: 'Price of one location license for one period (LOCATION model).' })
  locationPrice: MoneyType;
  @Field(() => Int, { description: 'Locations included (R10).' }) contractedLocations: number;
  @Field(() => MoneyType, {
    description: 'List price of one credit, also charged per overage credit (default $10.00, R12, R15).',
  })
  creditUnitPrice: MoneyType;
  @Field({
    description: 'False: activations or locations beyond the contracted number are refused instead of billed (R11).',
  })
  allowOverage: boolean;
  @Field(() => Int, { description: 'Days from issue to due date of an invoice (R17).' }) paymentTermsDays: number;
}

@ObjectType('BillingPeriod', { description: "The organization's open billing period: [start, end)." })
export class BillingPeriodType {
  @Field({ description: 'First instant of the period (UTC).' }) start: Date;
  @Field({ description: 'First instant after the period (UTC); closing issues its invoice (R17).' }) end: Date;
}

@ObjectType('Organization', {
  description: 'A customer of Opus: its users, locations, contract and billing. R5: a viewer sees only its own.',
})
export class OrganizationType {
  @Field(() => ID, { description: 'Opaque id.' }) id: string;
  @Field({ description: 'Name.' }) name: string;
  @Field(() => OrganizationStatus, { description: 'ACTIVE, TERMINATION_REQUESTED or TERMINATED (R21).' })
  status: OrganizationStatus;
  @Field({ description: 'When the organization was created; the anchor of its billing periods.' }) createdAt: Date;
}

@ObjectType('Viewer', { description: 'Who is asking. Without a token every field is null or empty (R6).' })
export class ViewerType {
  @Field(() => UserType, {
    nullable: true,
    description: 'The signed-in user; null for operators and anonymous callers.',
  })
  user: unknown;
  @Field(() => OrganizationType, {
    nullable: true,
    description: "The user's organization; null for operators and anonymous callers.",
  })
  organization: unknown;
  @Field(() => [Permission], {
    description: "Effective permissions in the viewer's organization (R2); all of them for operators.",
  })
  permissions: Permission[];
  @Field({ description: 'True for platform operators (token scope "operator", R5).' }) isOperator: boolean;
}
