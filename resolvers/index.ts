import { ContractResolver, OrganizationResolver } from './organization.resolver';
import { LocationResolver, RolePermissionResolver } from './location.resolver';
import { UserResolver } from './user.resolver';
import { ViewerResolver } from './viewer.resolver';
import { InvoiceResolver, OrganizationBillingResolver } from './invoice.resolver';
import { SchedulerResolver } from './scheduler.resolver';

export const RESOLVERS = [ViewerResolver, OrganizationResolver, ContractResolver, UserResolver, LocationResolver, RolePermissionResolver, OrganizationBillingResolver, InvoiceResolver, SchedulerResolver] as const;
