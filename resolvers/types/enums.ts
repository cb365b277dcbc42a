import { registerEnumType } from 'type-graphql';
import {
  BillingInterval,
  LicenseKind,
  LocationStatus,
  OrganizationStatus,
  Permission,
  Role,
  UserStatus,
} from '../../entities/enums';

registerEnumType(Permission, {
  name: 'Permission',
  description:
    'R1: what a user may do in an organization. Effective permission = user override, else role override, else role default (R2).',
  valuesConfig: {
    MANAGE_BILLING: {
      description:
        'Update payment information, pay invoices, buy credits, see billing state, receive invoice notifications.',
    },
    MANAGE_USERS: {
      description: 'Add, deactivate and reactivate users and locations; change role and user permissions.',
    },
    ASSIGN_CONTENT: { description: 'Assign premium content to users (consumes credits when training starts, R14).' },
  },
});
registerEnumType(Role, {
  name: 'Role',
  description: "R1: a user's role, which gives default permissions.",
  valuesConfig: {
    ADMIN: { description: 'Holds MANAGE_BILLING, MANAGE_USERS and ASSIGN_CONTENT by default.' },
    MANAGER: { description: 'Holds MANAGE_USERS and ASSIGN_CONTENT by default.' },
    EMPLOYEE: { description: 'Holds no permission by default.' },
  },
});
registerEnumType(OrganizationStatus, {
  name: 'OrganizationStatus',
  description: "R21: the lifecycle of an organization's contract.",
  valuesConfig: {
    ACTIVE: { description: 'Under contract.' },
    TERMINATION_REQUESTED: { description: 'Termination was requested; support has been notified.' },
    TERMINATED: {
      description: 'Ended: only payments and billing contacts can still change; open invoices stay payable.',
    },
  },
});
registerEnumType(UserStatus, {
  name: 'UserStatus',
  description:
    'R8: active users hold a seat under the USER license model; deactivated users hold nothing and cost nothing.',
  valuesConfig: {
    ACTIVE: { description: 'Can sign in; holds a seat (USER model).' },
    DEACTIVATED: { description: 'Holds no seat and no permission.' },
  },
});
registerEnumType(LocationStatus, {
  name: 'LocationStatus',
  description: 'R10: active locations are licensed under the LOCATION model.',
  valuesConfig: {
    ACTIVE: { description: 'Licensed (LOCATION model).' },
    INACTIVE: { description: 'Deactivated; no longer licensed.' },
  },
});
registerEnumType(LicenseKind, {
  name: 'LicenseKind',
  description: 'R7: what the contract bills by.',
  valuesConfig: {
    USER: { description: 'Seats: every active user holds one (R8, R9).' },
    LOCATION: { description: 'Locations: one license covers every user at an active location (R10).' },
  },
});
registerEnumType(BillingInterval, {
  name: 'BillingInterval',
  description: 'How long a billing period runs.',
  valuesConfig: {
    MONTHLY: { description: 'One calendar month from the anchor day.' },
    ANNUAL: { description: 'Twelve calendar months from the anchor day.' },
  },
});
