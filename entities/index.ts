import { AlertKind, BillingAlert } from './billing-alert.entity';
import { BillingPeriod } from './billing-period.entity';
import { Contract } from './contract.entity';
import { Invoice, InvoiceLineItem, InvoiceStatus, LineItemKind } from './invoice.entity';
import { Notification, NotificationKind, NotificationStatus } from './notification.entity';
import { Location } from './location.entity';
import { Organization } from './organization.entity';
import { RolePermissionOverride, UserPermissionOverride } from './permission-override.entity';
import { User } from './user.entity';

export { Invoice, InvoiceLineItem, InvoiceStatus, LineItemKind, Notification, NotificationKind, NotificationStatus };
export { AlertKind, BillingAlert, BillingPeriod, Contract, Location, Organization, RolePermissionOverride, UserPermissionOverride, User };
export * from './enums';

export const ENTITIES = [Organization, Contract, Location, User, RolePermissionOverride, UserPermissionOverride, BillingPeriod, BillingAlert, Invoice, InvoiceLineItem, Notification];
