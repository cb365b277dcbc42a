import { ALL_PERMISSIONS } from '../../entities/enums';
import type { Viewer } from '../../src/auth/viewer';

/** An operator (every permission, no organization) for calls straight into the services; `subject` names the actor. */
export const operatorViewer = (subject: string): Viewer => ({
  authenticated: true,
  isOperator: true,
  subject,
  user: null,
  organizationId: null,
  permissions: new Set(ALL_PERMISSIONS),
});
