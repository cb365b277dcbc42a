import { BillingAlertResolver } from './billing-alert.resolver';
import { LicenseResolver, OrganizationLicenseResolver } from './license.resolver';
import { ContractResolver, OrganizationResolver } from './organization.resolver';
import { LocationResolver, RolePermissionResolver } from './location.resolver';
import { UserResolver } from './user.resolver';
import { ViewerResolver } from './viewer.resolver';

export const RESOLVERS = [ViewerResolver, OrganizationResolver, ContractResolver, UserResolver, LocationResolver, RolePermissionResolver, OrganizationLicenseResolver, LicenseResolver, BillingAlertResolver] as const;
