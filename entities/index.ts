import { AlertKind, BillingAlert } from './billing-alert.entity';
import { BillingPeriod } from './billing-period.entity';
import { Contract } from './contract.entity';
import { Location } from './location.entity';
import { Organization } from './organization.entity';
import { RolePermissionOverride, UserPermissionOverride } from './permission-override.entity';
import { UsageEvent } from './usage-event.entity';
import { User } from './user.entity';

export { AlertKind, BillingAlert, BillingPeriod, Contract, Location, Organization, RolePermissionOverride, UserPermissionOverride, UsageEvent, User };
export * from './enums';

export const ENTITIES = [Organization, Contract, Location, User, RolePermissionOverride, UserPermissionOverride, BillingPeriod, BillingAlert, UsageEvent];
