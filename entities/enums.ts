/** Domain enums, shared by entities, services and the GraphQL schema. Stored as varchar. */
export enum Permission {
  MANAGE_BILLING = 'MANAGE_BILLING',
  MANAGE_USERS = 'MANAGE_USERS',
  ASSIGN_CONTENT = 'ASSIGN_CONTENT',
}
export enum Role {
  ADMIN = 'ADMIN',
  MANAGER = 'MANAGER',
  EMPLOYEE = 'EMPLOYEE',
}
export enum OrganizationStatus {
  ACTIVE = 'ACTIVE',
  TERMINATION_REQUESTED = 'TERMINATION_REQUESTED',
  TERMINATED = 'TERMINATED',
}
export enum UserStatus {
  ACTIVE = 'ACTIVE',
  DEACTIVATED = 'DEACTIVATED',
}
export enum LocationStatus {
  ACTIVE = 'ACTIVE',
  INACTIVE = 'INACTIVE',
}
export enum LicenseKind {
  USER = 'USER',
  LOCATION = 'LOCATION',
}
export enum BillingInterval {
  MONTHLY = 'MONTHLY',
  ANNUAL = 'ANNUAL',
}

export const ALL_PERMISSIONS: readonly Permission[] = [
  Permission.MANAGE_BILLING,
  Permission.MANAGE_USERS,
  Permission.ASSIGN_CONTENT,
];
export const ALL_ROLES: readonly Role[] = [Role.ADMIN, Role.MANAGER, Role.EMPLOYEE];
